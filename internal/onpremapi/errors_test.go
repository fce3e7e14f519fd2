package onpremapi

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/wabi"
)

func TestEveryCodeIsMapped(t *testing.T) {
	for _, c := range wabi.Codes() {
		s, ok := errorFor(c)
		if !ok {
			t.Errorf("code %s has no On-Premises error", c)
			continue
		}
		if s.status < 400 || s.status > 599 || s.code == 0 || s.title == "" {
			t.Errorf("code %s maps to %+v", c, s)
		}
	}
}

// TestErrorEnvelope pins the client's envelope: errors[] and meta, in that
// order, and internal errors logged but never shown.
func TestErrorEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"required", wabi.Errorf(wabi.ERequired, "Parameter 'to' is required."), 400},
		{"password_change", wabi.Errorf(wabi.EPasswordChange, "Change the default password."), 401},
		{"template_missing", wabi.Errorf(wabi.ETemplateNotFound, "template name (x) does not exist in en_US"), 404},
		{"internal", errors.New("disk on fire at /var/lib/wabi"), 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			a := &API{ClientVersion: DefaultClientVersion, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			rec := httptest.NewRecorder()
			a.writeError(rec, httptest.NewRequest("POST", "/v1/messages", nil), tc.err)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			golden.Assert(t, filepath.Join("testdata", "errors", tc.name+".json"), rec.Body.Bytes())
			internal := wabi.AsError(tc.err) == nil
			if internal != strings.Contains(logs.String(), "disk on fire") {
				t.Errorf("internal error logged = %v, want %v: %s", !internal, internal, logs.String())
			}
			if strings.Contains(rec.Body.String(), "disk on fire") {
				t.Error("internal error text reached the client")
			}
		})
	}
}

func TestWriteJSONAddsMeta(t *testing.T) {
	a := &API{ClientVersion: "v9.9.9"}
	for _, tc := range []struct {
		payload any
		want    string
	}{
		{nil, `{"meta":{"api_status":"stable","version":"v9.9.9"}}`},
		{struct {
			Media []string `json:"media"`
		}{[]string{"1"}}, `{"media":["1"],"meta":{"api_status":"stable","version":"v9.9.9"}}`},
		{struct{}{}, `{"meta":{"api_status":"stable","version":"v9.9.9"}}`},
	} {
		rec := httptest.NewRecorder()
		a.writeJSON(rec, 200, tc.payload)
		if got := strings.TrimSpace(rec.Body.String()); got != tc.want {
			t.Errorf("writeJSON(%v) = %s, want %s", tc.payload, got, tc.want)
		}
	}
}
