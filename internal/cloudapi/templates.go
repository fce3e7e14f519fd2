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

// handleListTemplates is being written.
func (a *API) handleListTemplates(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleCreateTemplate is being written.
func (a *API) handleCreateTemplate(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleDeleteTemplates is being written.
func (a *API) handleDeleteTemplates(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}
