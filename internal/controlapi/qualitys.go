package controlapi

import "net/http"

// qualityRoutes adds the endpoints of qualitys.
func (a *API) qualityRoutes(mux *http.ServeMux) {}
