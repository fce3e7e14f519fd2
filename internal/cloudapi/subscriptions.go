package cloudapi

import (
	"net/http"
	"slices"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// The only webhook object WhatsApp apps subscribe to.
const objectWABA = "whatsapp_business_account"

type appSubscription struct {
	Object      string      `json:"object"`
	CallbackURL string      `json:"callback_url"`
	Active      bool        `json:"active"`
	Fields      []fieldInfo `json:"fields"`
}

type fieldInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type listResponse[T any] struct {
	Data []T `json:"data"`
}

// handlePostSubscriptions sets an app's webhook (POST /{app-id}/subscriptions):
// callback_url and verify_token pass the hub.challenge handshake first.
func (a *API) handlePostSubscriptions(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	if ps["object"] != objectWABA {
		return wabi.Errorf(wabi.EInvalidParam, "Param object must be %s.", objectWABA)
	}
	if ps["callback_url"] == "" {
		return wabi.Errorf(wabi.ERequired, "The parameter callback_url is required.")
	}
	app, err := a.p.App(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	fields := app.Fields
	if f := list(ps["fields"]); len(f) > 0 {
		fields = slices.Concat(app.Fields, f)
	}
	cfg := platform.WebhookConfig{
		CallbackURL: ps["callback_url"], VerifyToken: ps["verify_token"], Fields: fields,
		APIVersion: r.Context().Value(versionKey{}).(string),
	}
	if _, err := a.p.SetAppWebhook(r.Context(), c, app.ID, cfg); err != nil {
		return err
	}
	return success(w)
}

// handleGetSubscriptions lists an app's webhook subscription.
func (a *API) handleGetSubscriptions(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	app, err := a.p.App(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := listResponse[appSubscription]{Data: []appSubscription{}}
	if app.CallbackURL != "" {
		s := appSubscription{Object: objectWABA, CallbackURL: app.CallbackURL, Active: true, Fields: []fieldInfo{}}
		for _, f := range app.Fields {
			s.Fields = append(s.Fields, fieldInfo{Name: f, Version: app.APIVersion})
		}
		out.Data = append(out.Data, s)
	}
	codec.Write(w, http.StatusOK, out)
	return nil
}

// handleDeleteSubscriptions removes fields from an app's subscription, or the whole
// subscription when no fields are named.
func (a *API) handleDeleteSubscriptions(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	app, err := a.p.App(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	cfg := platform.WebhookConfig{Fields: []string{}}
	if drop := list(ps["fields"]); len(drop) > 0 {
		cfg = platform.WebhookConfig{CallbackURL: app.CallbackURL, VerifyToken: app.VerifyToken,
			Fields: slices.DeleteFunc(slices.Clone(app.Fields), func(f string) bool { return slices.Contains(drop, f) })}
	}
	if _, err := a.p.SetAppWebhook(r.Context(), c, app.ID, cfg); err != nil {
		return err
	}
	return success(w)
}

type subscribedApp struct {
	Data                subscribedAppData `json:"whatsapp_business_api_data"`
	OverrideCallbackURI string            `json:"override_callback_uri,omitempty"`
}

type subscribedAppData struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Link string `json:"link"`
}

// handleGetSubscribedApps lists the apps subscribed to a WABA.
func (a *API) handleGetSubscribedApps(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	subs, err := a.p.SubscribedApps(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := listResponse[subscribedApp]{Data: []subscribedApp{}}
	for _, s := range subs {
		out.Data = append(out.Data, subscribedApp{
			Data: subscribedAppData{ID: s.App.ID, Name: s.App.Name,
				Link: "https://www.facebook.com/games/?app_id=" + s.App.ID},
			OverrideCallbackURI: s.Subscription.OverrideCallbackURL,
		})
	}
	codec.Write(w, http.StatusOK, out)
	return nil
}

// handlePostSubscribedApps subscribes the caller's app to a WABA, optionally with
// an override callback URL.
func (a *API) handlePostSubscribedApps(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	if err := a.p.Subscribe(r.Context(), c, r.PathValue("id"), "", ps["override_callback_uri"], ps["verify_token"]); err != nil {
		return err
	}
	return success(w)
}

// handleDeleteSubscribedApps unsubscribes the caller's app from a WABA.
func (a *API) handleDeleteSubscribedApps(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := a.p.Unsubscribe(r.Context(), c, r.PathValue("id"), ""); err != nil {
		return err
	}
	return success(w)
}
