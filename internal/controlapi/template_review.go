package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// handleSetTemplateCategory is being written.
func (a *API) handleSetTemplateCategory(w http.ResponseWriter, r *http.Request) error {
	return wabi.Errorf(wabi.ENotFound, "not built yet")
}

// handleSetTemplateQuality is being written.
func (a *API) handleSetTemplateQuality(w http.ResponseWriter, r *http.Request) error {
	return wabi.Errorf(wabi.ENotFound, "not built yet")
}
