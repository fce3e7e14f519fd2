package cloudapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// getTemplate is being written.
func (a *API) getTemplate(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// postTemplate is being written.
func (a *API) postTemplate(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}
