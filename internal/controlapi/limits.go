package controlapi

import "net/http"

// limitRoutes adds the endpoints of limits.
func (a *API) limitRoutes(mux *http.ServeMux) {}
