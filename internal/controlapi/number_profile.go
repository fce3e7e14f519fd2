package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// handleGetNumberProfile is being written.
func (a *API) handleGetNumberProfile(w http.ResponseWriter, r *http.Request) error {
	return wabi.Errorf(wabi.ENotFound, "not built yet")
}
