package onpremapi

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestWriteMetaError checks that an error carrying Meta's code (an
// upstream's answer on the relay) reaches the client in its own envelope,
// with the status of wabi's code and Meta's number and title.
func TestWriteMetaError(t *testing.T) {
	for _, c := range []struct {
		err    *wabi.Error
		status int
		code   int
		title  string
	}{
		{&wabi.Error{Code: wabi.ENotOnWhatsApp, Message: "Undeliverable.",
			Meta: &wabi.MetaError{Status: 400, Code: 131026, Title: "Message Undeliverable"}}, 400, 131026, "Message Undeliverable"},
		{&wabi.Error{Code: wabi.EInternal, Message: "Meta failed.",
			Meta: &wabi.MetaError{Status: 500, Code: 131000, Title: "Something went wrong"}}, 500, 131000, "Something went wrong"},
		{&wabi.Error{Code: wabi.ERateLimit, Message: "Slow down.",
			Meta: &wabi.MetaError{Status: 429, Code: 130429}}, 429, 130429, "Rate limit hit"},
	} {
		a := &API{ClientVersion: DefaultClientVersion}
		rec := httptest.NewRecorder()
		a.writeError(rec, httptest.NewRequest("POST", "/v1/messages", nil), c.err)
		var got struct {
			Errors []ErrorItem `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if rec.Code != c.status || len(got.Errors) != 1 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if e := got.Errors[0]; e.Code != c.code || e.Title != c.title || e.Details != c.err.Message {
			t.Errorf("%+v, want code %d, title %q, details %q", e, c.code, c.title, c.err.Message)
		}
	}
}
