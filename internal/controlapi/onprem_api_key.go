package controlapi

import (
	"net/http"
)

// handleGetOnPremAPIKey shows an On-Premises number's own API key, which the
// monitoring endpoints of that deployment (and no other) accept.
func (a *API) handleGetOnPremAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, err := a.Platform.DeploymentAPIKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, k)
}

// handleRotateOnPremAPIKey replaces an On-Premises number's API key and shows
// the new one; the old one stops working.
func (a *API) handleRotateOnPremAPIKey(w http.ResponseWriter, r *http.Request) error {
	k, err := a.Platform.RotateDeploymentAPIKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, k)
}
