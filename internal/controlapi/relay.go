package controlapi

import (
	"cmp"
	"net/http"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// relayWebhookPath is where upstreams post the webhooks of relayed numbers,
// on the server's main listener.
const relayWebhookPath = "/relay/webhook"

// relayRoutes lists the endpoints that put a number on the relay and show
// its exchanges with the upstream (docs/control-api.md, "Relay").
func (a *API) relayRoutes(mux *http.ServeMux) {
	mux.Handle("PUT /api/phone_numbers/{id}/relay", a.handle(a.handlePutRelay))
	mux.Handle("GET /api/phone_numbers/{id}/relay", a.handle(a.handleGetRelay))
	mux.Handle("DELETE /api/phone_numbers/{id}/relay", a.handle(a.handleDeleteRelay))
	mux.Handle("GET /api/phone_numbers/{id}/relay/exchanges", a.handle(a.handleRelayExchanges))
}

// relayView is a relay as the control API shows it: the secrets never whole.
type relayView struct {
	PhoneNumberID    string    `json:"phone_number_id"`
	Network          string    `json:"network"`
	BaseURL          string    `json:"base_url"`
	APIVersion       string    `json:"api_version"`
	UpstreamNumberID string    `json:"upstream_phone_number_id"`
	UpstreamWABAID   string    `json:"upstream_waba_id"`
	AccessToken      string    `json:"access_token"`
	AppSecretSet     bool      `json:"app_secret_set"`
	VerifyTokenSet   bool      `json:"verify_token_set"`
	WebhookURL       string    `json:"webhook_url"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// relayViewOf shows c; base is the server's public URL.
func relayViewOf(c *wabi.RelayConfig, base string) *relayView {
	return &relayView{
		PhoneNumberID: c.PhoneNumberID, Network: wabi.NetworkRelay, BaseURL: c.BaseURL, APIVersion: c.APIVersion,
		UpstreamNumberID: c.UpstreamNumberID, UpstreamWABAID: c.UpstreamWABAID,
		AccessToken: tail(c.AccessToken), AppSecretSet: c.AppSecret != "", VerifyTokenSet: c.VerifyToken != "",
		WebhookURL: base + relayWebhookPath, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

// tail shows a secret as "…" and its last four characters, enough to tell
// which one is set; a secret too short to spare four shows as "…" alone.
func tail(secret string) string {
	if secret == "" {
		return ""
	}
	if len(secret) < 12 {
		return "…"
	}
	return "…" + secret[len(secret)-4:]
}

// baseURL is where clients and upstreams reach this server: PublicURL, or
// the request's own scheme and host.
func (a *API) baseURL(r *http.Request) string {
	if a.PublicURL != "" {
		return strings.TrimSuffix(a.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handlePutRelay puts a number on the relay, or changes its relay. A secret
// left out keeps the one the relay has, so that changing the base URL or
// version needs no secret again.
func (a *API) handlePutRelay(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		BaseURL     string `json:"base_url"`
		APIVersion  string `json:"api_version"`
		NumberID    string `json:"phone_number_id"`
		WABAID      string `json:"waba_id"`
		AccessToken string `json:"access_token"`
		AppSecret   string `json:"app_secret"`
		VerifyToken string `json:"verify_token"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	c := wabi.RelayConfig{
		PhoneNumberID: r.PathValue("id"), BaseURL: req.BaseURL, APIVersion: req.APIVersion,
		UpstreamNumberID: req.NumberID, UpstreamWABAID: req.WABAID,
		AccessToken: req.AccessToken, AppSecret: req.AppSecret, VerifyToken: req.VerifyToken,
	}
	if c.AccessToken == "" || c.AppSecret == "" || c.VerifyToken == "" {
		old, err := a.Platform.Relay(ctx, c.PhoneNumberID)
		switch {
		case err == nil:
			c.AccessToken = cmp.Or(c.AccessToken, old.AccessToken)
			c.AppSecret = cmp.Or(c.AppSecret, old.AppSecret)
			c.VerifyToken = cmp.Or(c.VerifyToken, old.VerifyToken)
		case wabi.ErrorCode(err) != wabi.ENotFound:
			return err
		}
	}
	got, err := a.Platform.PutRelay(ctx, c)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, relayViewOf(got, a.baseURL(r)))
}

func (a *API) handleGetRelay(w http.ResponseWriter, r *http.Request) error {
	c, err := a.Platform.Relay(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, relayViewOf(c, a.baseURL(r)))
}

// handleDeleteRelay takes a number back to the simulated network.
func (a *API) handleDeleteRelay(w http.ResponseWriter, r *http.Request) error {
	if err := a.Platform.DeleteRelay(r.Context(), r.PathValue("id")); err != nil {
		if wabi.ErrorCode(err) == wabi.ENotFound {
			return wabi.Errorf(wabi.ENotFound, "Phone number %s is not on the relay.", r.PathValue("id"))
		}
		return err
	}
	return a.respond(w, r, http.StatusOK, map[string]string{"network": wabi.NetworkSim})
}

// handleRelayExchanges lists a number's exchanges with its upstream, newest
// first; limit= is 1 to 1000, default 100.
func (a *API) handleRelayExchanges(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := a.Platform.Store().PhoneNumber(r.Context(), id); err != nil {
		return err
	}
	pg, err := pageOf(r)
	if err != nil {
		return err
	}
	xs, err := a.Platform.RelayExchanges(r.Context(), id, pg.limit)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, listOf(xs))
}
