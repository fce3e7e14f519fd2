package cloudapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// getPhoneNumber is being written.
func (a *API) getPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// postPhoneNumber is being written.
func (a *API) postPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}
