package cloudapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// handleGetProfile is being written.
func (a *API) handleGetProfile(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handlePostProfile is being written.
func (a *API) handlePostProfile(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}
