package controlapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/metrics"
)

// TestMetricsRoute: GET /api/metrics serves the registry in Prometheus's text
// format, behind the admin key like every control API path, and is a 404 on a
// control API without metrics.
func TestMetricsRoute(t *testing.T) {
	const key = "admin-key-for-tests"
	s := mustStack(t, key)
	s.api.Metrics = metrics.New().Handler()
	s.h = s.api.Handler()

	if res := s.do(t, http.MethodGet, "/api/metrics", "", nil); res.status != http.StatusUnauthorized {
		t.Errorf("without the key: status %d, want 401", res.status)
	}
	res := s.do(t, http.MethodGet, "/api/metrics", "", map[string]string{"Authorization": "Bearer " + key})
	if res.status != http.StatusOK {
		t.Fatalf("with the key: status %d: %s", res.status, res.raw)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want Prometheus's text format", ct)
	}
	for _, want := range []string{"# TYPE go_goroutines gauge", "# TYPE wabi_webhook_backlog gauge", "wabi_http_requests_total{api=\"cloud\",code=\"2xx\"} 0"} {
		if !strings.Contains(string(res.raw), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if res := s.do(t, http.MethodPost, "/api/metrics", "", map[string]string{"Authorization": "Bearer " + key}); res.status != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", res.status)
	}

	none := mustStack(t, "")
	if res := none.do(t, http.MethodGet, "/api/metrics", "", nil); res.status != http.StatusNotFound || res.str("error.code") != "not_found" {
		t.Errorf("without metrics: status %d, code %q; want 404 not_found", res.status, res.str("error.code"))
	}
}
