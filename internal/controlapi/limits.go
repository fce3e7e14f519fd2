package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// limitRoutes adds the endpoints of the rate limits: the server's, and the
// overrides of WABAs and numbers.
func (a *API) limitRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/limits", a.handle(a.handleGetLimits))
	mux.Handle("GET /api/wabas/{id}/limits", a.handle(a.handleGetWABALimits))
	mux.Handle("PUT /api/wabas/{id}/limits", a.handle(a.handlePutWABALimits))
	mux.Handle("DELETE /api/wabas/{id}/limits", a.handle(a.handleDeleteWABALimits))
	mux.Handle("GET /api/phone_numbers/{id}/limits", a.handle(a.handleGetNumberLimits))
	mux.Handle("PUT /api/phone_numbers/{id}/limits", a.handle(a.handlePutNumberLimits))
	mux.Handle("DELETE /api/phone_numbers/{id}/limits", a.handle(a.handleDeleteNumberLimits))
}

// serverLimits is GET /api/limits: whether Meta's limits are on (WABI_LIMITS)
// and what every WABA and number without an override has.
type serverLimits struct {
	Mode     string               `json:"mode"`
	Defaults platform.LimitConfig `json:"defaults"`
}

func (a *API) handleGetLimits(w http.ResponseWriter, r *http.Request) error {
	c := a.Platform.LimitConfig()
	mode := "off"
	if c.Enabled {
		mode = "meta"
	}
	return a.respond(w, r, http.StatusOK, serverLimits{Mode: mode, Defaults: c})
}

func (a *API) handleGetWABALimits(w http.ResponseWriter, r *http.Request) error {
	v, err := a.Platform.WABALimits(r.Context(), r.PathValue("id"))
	return a.limitView(w, r, v, err)
}

func (a *API) handlePutWABALimits(w http.ResponseWriter, r *http.Request) error {
	var o platform.LimitOverride
	if err := decode(w, r, &o); err != nil {
		return err
	}
	v, err := a.Platform.SetWABALimits(r.Context(), r.PathValue("id"), o)
	return a.limitView(w, r, v, err)
}

func (a *API) handleDeleteWABALimits(w http.ResponseWriter, r *http.Request) error {
	v, err := a.Platform.DeleteWABALimits(r.Context(), r.PathValue("id"))
	return a.limitView(w, r, v, err)
}

// handleGetNumberLimits shows a number's limits; ?wa_id= adds its pair-rate
// bucket with that customer.
func (a *API) handleGetNumberLimits(w http.ResponseWriter, r *http.Request) error {
	v, err := a.Platform.NumberLimits(r.Context(), r.PathValue("id"), r.URL.Query().Get("wa_id"))
	return a.limitView(w, r, v, err)
}

func (a *API) handlePutNumberLimits(w http.ResponseWriter, r *http.Request) error {
	var o platform.LimitOverride
	if err := decode(w, r, &o); err != nil {
		return err
	}
	v, err := a.Platform.SetNumberLimits(r.Context(), r.PathValue("id"), o)
	return a.limitView(w, r, v, err)
}

func (a *API) handleDeleteNumberLimits(w http.ResponseWriter, r *http.Request) error {
	v, err := a.Platform.DeleteNumberLimits(r.Context(), r.PathValue("id"))
	return a.limitView(w, r, v, err)
}

func (a *API) limitView(w http.ResponseWriter, r *http.Request, v *platform.LimitView, err error) error {
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, v)
}
