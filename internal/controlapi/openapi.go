package controlapi

import (
	_ "embed"
	"net/http"
)

// openapiPath is where the control API describes itself.
const openapiPath = "/api/openapi.json"

// openapiJSON is the OpenAPI 3.1 description of the control API. It is written
// by TestOpenAPIDocument (openapi_gen_test.go) from the Go types the API
// serialises; run
//
//	go test ./internal/controlapi -run TestOpenAPIDocument -update
//
// after changing a route or a type it answers with. TestOpenAPIRoutes fails
// when a route has no operation in it, or an operation no route.
//
//go:embed openapi.json
var openapiJSON []byte

// handleOpenAPI serves the control API's OpenAPI description. It is fixed for
// a build, so unlike the API's answers it may be cached, as long as it is
// revalidated: a new wabi may describe more.
func (a *API) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		if _, err := w.Write(openapiJSON); err != nil {
			a.logger().Debug("controlapi: write response", "method", r.Method, "route", r.Pattern, "err", err)
		}
	}
	return nil
}
