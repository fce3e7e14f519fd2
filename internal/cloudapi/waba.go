package cloudapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// getWABA is being written.
func (a *API) getWABA(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}
