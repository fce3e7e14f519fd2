package controlapi

import "net/http"

// faultRoutes adds the endpoints of faults.
func (a *API) faultRoutes(mux *http.ServeMux) {}
