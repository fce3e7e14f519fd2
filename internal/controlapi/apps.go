package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

func (a *API) handleListApps(w http.ResponseWriter, r *http.Request) error {
	return listByParent(a, w, r, a.businessFilter, a.Platform.Store().Apps)
}

func (a *API) handleCreateApp(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		BusinessID string `json:"business_id"`
		Name       string `json:"name"`
		// Secret is a secret of the caller's choosing, for a test suite that
		// checks webhook signatures; left out, wabi makes one.
		Secret string `json:"secret"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("business_id", req.BusinessID); err != nil {
		return err
	}
	app, err := a.Platform.CreateAppWith(r.Context(), platform.NewApp{BusinessID: req.BusinessID, Name: req.Name, Secret: req.Secret})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, app)
}

func (a *API) handleGetApp(w http.ResponseWriter, r *http.Request) error {
	app, err := a.Platform.App(r.Context(), platform.Admin, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, app)
}

// handleSetAppWebhook sets an app's callback URL, verify token, fields and API
// version. The platform runs the hub.challenge handshake against a new URL or
// token; its failure is a 400 with code webhook_verify.
func (a *API) handleSetAppWebhook(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		CallbackURL string   `json:"callback_url"`
		VerifyToken string   `json:"verify_token"`
		Fields      []string `json:"fields"`
		APIVersion  string   `json:"api_version"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	app, err := a.Platform.SetAppWebhook(r.Context(), platform.Admin, r.PathValue("id"), platform.WebhookConfig{
		CallbackURL: req.CallbackURL, VerifyToken: req.VerifyToken, Fields: req.Fields, APIVersion: req.APIVersion,
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, app)
}
