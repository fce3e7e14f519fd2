package controlapi

import (
	"net/http"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

func (a *API) handleListWABAs(w http.ResponseWriter, r *http.Request) error {
	return listByParent(a, w, r, a.businessFilter, a.Platform.Store().WABAs)
}

func (a *API) handleCreateWABA(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		BusinessID string `json:"business_id"`
		Name       string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("business_id", req.BusinessID); err != nil {
		return err
	}
	waba, err := a.Platform.CreateWABA(r.Context(), req.BusinessID, req.Name)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, waba)
}

func (a *API) handleGetWABA(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.Store().WABA)
}

// wabaFilter reads waba_id= of a list; the WABA must exist.
func (a *API) wabaFilter(r *http.Request) (string, error) {
	return queryRef(r, "waba_id", a.Platform.Store().WABA)
}

// subscribedApp is an app subscribed to a WABA, with the subscription's settings.
type subscribedApp struct {
	App                 *wabi.App `json:"app"`
	OverrideCallbackURL string    `json:"override_callback_uri,omitempty"`
	VerifyToken         string    `json:"verify_token,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
}

func subscribedAppOf(s platform.SubscribedApp) subscribedApp {
	return subscribedApp{App: s.App, OverrideCallbackURL: s.Subscription.OverrideCallbackURL,
		VerifyToken: s.Subscription.VerifyToken, CreatedAt: s.Subscription.CreatedAt}
}

func (a *API) handleListSubscribedApps(w http.ResponseWriter, r *http.Request) error {
	subs, err := a.Platform.SubscribedApps(r.Context(), platform.Admin, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := make([]subscribedApp, 0, len(subs))
	for _, s := range subs {
		out = append(out, subscribedAppOf(s))
	}
	return a.respond(w, r, http.StatusOK, listOf(out))
}

// handleSubscribeApp subscribes an app to a WABA, or changes its override
// callback URL. An override URL must pass the hub.challenge handshake.
func (a *API) handleSubscribeApp(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		AppID               string `json:"app_id"`
		OverrideCallbackURL string `json:"override_callback_uri"`
		VerifyToken         string `json:"verify_token"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	// The operator acts for no app of its own, so it must name one.
	if err := required("app_id", req.AppID); err != nil {
		return err
	}
	wabaID := r.PathValue("id")
	if err := a.Platform.Subscribe(r.Context(), platform.Admin, wabaID, req.AppID, req.OverrideCallbackURL, req.VerifyToken); err != nil {
		return err
	}
	subs, err := a.Platform.SubscribedApps(r.Context(), platform.Admin, wabaID)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.App.ID == req.AppID {
			return a.respond(w, r, http.StatusCreated, subscribedAppOf(s))
		}
	}
	return wabi.Errorf(wabi.EConflict, "App %s was unsubscribed from WABA %s while it was being subscribed.", req.AppID, wabaID)
}

// handleUnsubscribeApp takes app_id from the query (?app_id=) or, for clients
// that send one, from a JSON body.
func (a *API) handleUnsubscribeApp(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		AppID string `json:"app_id"`
	}
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	if q := r.URL.Query().Get("app_id"); q != "" {
		req.AppID = q
	}
	if err := required("app_id", req.AppID); err != nil {
		return err
	}
	if err := a.Platform.Unsubscribe(r.Context(), platform.Admin, r.PathValue("id"), req.AppID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
