package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// Tokens are shown in full: the control API is the operator's, and a test suite
// needs the value to call the Cloud API. They are never logged.

func (a *API) handleListTokens(w http.ResponseWriter, r *http.Request) error {
	return listByParent(a, w, r, a.businessFilter, a.Platform.Store().Tokens)
}

func (a *API) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		BusinessID string   `json:"business_id"`
		AppID      string   `json:"app_id"`
		Name       string   `json:"name"`
		WABAIDs    []string `json:"waba_ids"`
		Scopes     []string `json:"scopes"`
		// Token is a value of the caller's choosing, for a test suite that
		// needs a token it knows in advance; left out, wabi makes one.
		Token string `json:"token"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("business_id", req.BusinessID); err != nil {
		return err
	}
	t, err := a.Platform.CreateToken(r.Context(), platform.NewToken{
		BusinessID: req.BusinessID, AppID: req.AppID, Name: req.Name, WABAIDs: req.WABAIDs, Scopes: req.Scopes,
		Value: req.Token,
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, t)
}

func (a *API) handleRevokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := a.Platform.RevokeToken(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
