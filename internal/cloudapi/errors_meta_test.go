package cloudapi

import (
	"encoding/json"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestWriteMetaError checks that an error carrying Meta's code (an
// upstream's answer on the relay) is answered with that code, subcode and
// status, wabi's domain code notwithstanding, and an internal one too.
func TestWriteMetaError(t *testing.T) {
	for _, c := range []struct {
		name    string
		err     *wabi.Error
		status  int
		code    int
		subcode int
		message string
	}{
		{"known", &wabi.Error{Code: wabi.EOutsideWindow, Message: "More than 24 hours have passed.",
			Meta: &wabi.MetaError{Status: 400, Code: 131047, Title: "Re-engagement message"}}, 400, 131047, 0, "(#131047) Re-engagement message"},
		{"unknown to wabi", &wabi.Error{Code: wabi.EInvalidParam, Message: "Something new.",
			Meta: &wabi.MetaError{Status: 400, Code: 131999, Title: "Some new condition"}}, 400, 131999, 0, "(#131999) Some new condition"},
		{"subcode, no status", &wabi.Error{Code: wabi.ETemplateExists, Message: "Exists.",
			Meta: &wabi.MetaError{Code: 100, Subcode: 2388024, Title: "Invalid parameter"}}, 400, 100, 2388024, "(#100) Invalid parameter"},
		{"internal", &wabi.Error{Code: wabi.EInternal, Message: "Meta failed.",
			Meta: &wabi.MetaError{Status: 500, Code: 131000, Title: "Something went wrong"}}, 500, 131000, 0, "(#131000) Something went wrong"},
	} {
		rec, body, _ := mustErrorResponse(t, "POST", "/v23.0/1/messages", c.err)
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d", c.name, rec.Code, c.status)
		}
		var got graphErrorBody
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		e := got.Error
		if e.Code != c.code || e.ErrorSubcode != c.subcode || e.Message != c.message || e.Type != oauthException {
			t.Errorf("%s: %s", c.name, body)
		}
		if e.ErrorData == nil || e.ErrorData.Details != c.err.Message {
			t.Errorf("%s: details %+v, want %q", c.name, e.ErrorData, c.err.Message)
		}
	}
}

// TestStatusErrorOfMeta checks that a failed status's errors[] keeps Meta's
// code and title.
func TestStatusErrorOfMeta(t *testing.T) {
	we := statusError(&wabi.Error{Code: wabi.EInvalidParam, Message: "d", Meta: &wabi.MetaError{Code: 131999, Title: "New"}})
	if we.Code != 131999 || we.Title != "New" || we.Message != "New" {
		t.Errorf("%+v", we)
	}
}

// TestDomainCode checks that Meta's codes read back as wabi's, a subcode
// first.
func TestDomainCode(t *testing.T) {
	for _, c := range []struct {
		code, subcode int
		want          wabi.Code
		ok            bool
	}{
		{131047, 0, wabi.EOutsideWindow, true},
		{131026, 0, wabi.ENotOnWhatsApp, true},
		{130429, 0, wabi.ERateLimit, true},
		{100, 2388024, wabi.ETemplateExists, true},
		{100, 33, wabi.ENotFound, true},
		{131999, 0, "", false},
	} {
		got, ok := DomainCode(c.code, c.subcode)
		if got != c.want || ok != c.ok {
			t.Errorf("DomainCode(%d, %d) = %q, %v; want %q, %v", c.code, c.subcode, got, ok, c.want, c.ok)
		}
	}
}
