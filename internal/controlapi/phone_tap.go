package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// handlePhoneTap is being written.
func (a *API) handlePhoneTap(w http.ResponseWriter, r *http.Request) error {
	return wabi.Errorf(wabi.ENotFound, "not built yet")
}
