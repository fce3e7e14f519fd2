package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// handleMetrics serves the whole server's metrics in Prometheus's text format:
// GET /api/metrics (docs/metrics.md). It sits under /api/ behind the admin key
// like the rest of the control API, because /metrics is the On-Premises API's
// own monitoring endpoint, per deployment and in its own format.
func (a *API) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	if a.Metrics == nil {
		return wabi.Errorf(wabi.ENotFound, "This wabi serves no metrics.")
	}
	a.Metrics.ServeHTTP(w, r)
	return nil
}
