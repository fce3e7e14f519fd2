package controlapi

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

func TestAdminKey(t *testing.T) {
	const key = "admin-key-for-tests"
	s := mustStack(t, key)
	open := mustStack(t, "")
	tests := []struct {
		name   string
		s      *stack
		header map[string]string
		status int
		code   string
	}{
		{"no key", s, nil, http.StatusUnauthorized, "unauthenticated"},
		{"wrong bearer", s, map[string]string{"Authorization": "Bearer admin-key-for-test"}, http.StatusUnauthorized, "unauthenticated"},
		{"key under another scheme", s, map[string]string{"Authorization": "Basic " + key}, http.StatusUnauthorized, "unauthenticated"},
		{"wrong header key", s, map[string]string{"X-Wabi-Admin-Key": "nope"}, http.StatusUnauthorized, "unauthenticated"},
		{"bearer", s, map[string]string{"Authorization": "Bearer " + key}, http.StatusOK, ""},
		{"bearer, any case", s, map[string]string{"Authorization": "bearer " + key}, http.StatusOK, ""},
		{"header", s, map[string]string{"X-Wabi-Admin-Key": key}, http.StatusOK, ""},
		{"no key configured", open, nil, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.s.do(t, http.MethodGet, "/api/businesses", "", tt.header)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.raw)
			}
			if got := res.str("error.code"); got != tt.code {
				t.Errorf("error.code %q, want %q", got, tt.code)
			}
			if tt.status == http.StatusOK && res.str("data.0.id") != tt.s.demo.Business.ID {
				t.Errorf("data.0.id = %q, want the demo business %s", res.str("data.0.id"), tt.s.demo.Business.ID)
			}
			if tt.status == http.StatusUnauthorized && res.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}

	// The key guards unknown paths too: they must not reveal what exists.
	if res := s.do(t, http.MethodGet, "/api/nothing-here", "", nil); res.status != http.StatusUnauthorized {
		t.Errorf("unknown path without key: status %d, want 401", res.status)
	}
}

// TestInfoBeforeAnyBusiness checks that /api/info still answers, with its links,
// before the demo tenancy exists.
func TestInfoBeforeAnyBusiness(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	clock := wabi.NewManualClock(start)
	net := sim.New(store, clock)
	p := platform.New(store, net, clock, wabi.NewIDGen(clock))
	s := &stack{h: (&API{Platform: p, Sim: net, Links: map[string]string{"console": "http://x/"}}).Handler()}
	res := s.do(t, http.MethodGet, "/api/info", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.raw)
	}
	if v, ok := res.get("business"); !ok || v != nil {
		t.Errorf("business = %v (present %v), want null", v, ok)
	}
	if got := res.str("links.console"); got != "http://x/" {
		t.Errorf("links.console = %q", got)
	}
}
