// Package onpremapi serves the WhatsApp Business On-Premises API dialect: the
// client's REST API under /v1, its users and bearer tokens, its meta/errors
// envelope and its webhook payloads. Every On-Premises phone number is a
// deployment of its own, as every number had its own client at Meta. The package
// decodes requests into neutral wabi types and lets internal/platform apply every
// rule.
package onpremapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// API is the On-Premises API HTTP surface.
type API struct {
	p *platform.Platform

	// ClientVersion is the client build the meta object of every answer names.
	// Default DefaultClientVersion.
	ClientVersion string
	// APIKey, when set, is the operator-wide monitoring key: accepted as
	// "Authorization: Apikey <key>" on the monitoring endpoints (/v1/health,
	// /v1/stats/*, /metrics) of every deployment. Each deployment's own key
	// (platform.DeploymentAPIKey) is accepted for that deployment alone, whether
	// this is set or not. Default "": only the deployments' own keys.
	APIKey string
	// PublicURL is how clients reach this server, for links in answers. Default:
	// the scheme and Host of each request.
	PublicURL string
	// Logger logs internal errors. Default slog.Default().
	Logger *slog.Logger

	mux *http.ServeMux
	// started is when the API was made, for the web_uptime metric.
	started time.Time
}

// DefaultClientVersion is the client build wabi answers as: the last one Meta
// released.
const DefaultClientVersion = "v2.57.2"

// New returns the On-Premises API over a platform.
func New(p *platform.Platform) *API {
	a := &API{p: p, ClientVersion: DefaultClientVersion, started: p.Clock().Now()}
	a.mux = http.NewServeMux()
	a.routes()
	return a
}

// routes lists every endpoint. Each is served at /v1/... and, pinned to one
// deployment, at /onprem/{phone-number-id}/v1/...
func (a *API) routes() {
	m := a.mux
	m.Handle("POST /v1/users/login", a.public(a.handleLogin))
	m.Handle("POST /v1/users/logout", a.user(a.handleLogout))
	m.Handle("POST /v1/users", a.user(a.handleCreateUser))
	m.Handle("GET /v1/users/{username}", a.user(a.handleGetUser))
	m.Handle("PUT /v1/users/{username}", a.user(a.handlePutUser))
	m.Handle("DELETE /v1/users/{username}", a.user(a.handleDeleteUser))

	m.Handle("POST /v1/messages", a.user(a.handleSend))
	m.Handle("PUT /v1/messages/{id}", a.user(a.handleMarkRead))
	m.Handle("POST /v1/contacts", a.user(a.handleContacts))
	m.Handle("GET /v1/contacts/{wa_id}/identity", a.user(a.handleGetIdentity))
	m.Handle("PUT /v1/contacts/{wa_id}/identity", a.user(a.handleAckIdentity))
	m.Handle("POST /v1/media", a.user(a.handleUpload))
	m.Handle("GET /v1/media/{id}", a.user(a.handleDownload))
	m.Handle("DELETE /v1/media/{id}", a.user(a.handleDeleteMedia))

	m.Handle("GET /v1/settings/application", a.admin(a.handleGetSettings))
	m.Handle("PATCH /v1/settings/application", a.admin(a.handlePatchSettings))
	m.Handle("DELETE /v1/settings/application", a.admin(a.handleResetSettings))
	m.Handle("GET /v1/settings/application/media/providers", a.admin(a.handleGetProviders))
	m.Handle("POST /v1/settings/application/media/providers", a.admin(a.handlePostProviders))
	m.Handle("DELETE /v1/settings/application/media/providers/{name}", a.admin(a.handleDeleteProvider))
	m.Handle("GET /v1/settings/business/profile", a.admin(a.handleGetProfile))
	m.Handle("POST /v1/settings/business/profile", a.admin(a.handlePostProfile))
	m.Handle("GET /v1/settings/profile/about", a.admin(a.handleGetAbout))
	m.Handle("PATCH /v1/settings/profile/about", a.admin(a.handlePatchAbout))
	m.Handle("GET /v1/settings/profile/photo", a.admin(a.handleGetPhoto))
	m.Handle("POST /v1/settings/profile/photo", a.admin(a.handlePostPhoto))
	m.Handle("DELETE /v1/settings/profile/photo", a.admin(a.handleDeletePhoto))

	m.Handle("POST /v1/account", a.admin(a.handleAccount))
	m.Handle("POST /v1/account/verify", a.admin(a.handleVerify))
	m.Handle("GET /v1/account/shards", a.admin(a.handleGetShards))
	m.Handle("POST /v1/account/shards", a.admin(a.handlePostShards))
	m.Handle("POST /v1/settings/account/two-step", a.admin(a.handleSetPIN))
	m.Handle("DELETE /v1/settings/account/two-step", a.admin(a.handleDisablePIN))
	m.Handle("POST /v1/settings/backup", a.admin(a.handleBackup))
	m.Handle("POST /v1/settings/restore", a.admin(a.handleRestore))

	m.Handle("GET /v1/health", a.monitor(a.handleHealth))
	m.Handle("GET /v1/stats/app", a.monitor(a.handleAppStats))
	m.Handle("GET /v1/stats/db", a.monitor(a.handleDBStats))
	m.Handle("GET /metrics", a.monitor(a.handleMetrics))
	m.Handle("GET /v1/support", a.user(a.handleSupport))
	m.Handle("PUT /v1/services/message/gc", a.user(a.handleMessageGC))

	m.Handle("GET /v1/stickerpacks", a.user(a.handleListPacks))
	m.Handle("POST /v1/stickerpacks", a.user(a.handleCreatePack))
	m.Handle("GET /v1/stickerpacks/{id}", a.user(a.handleGetPack))
	m.Handle("PATCH /v1/stickerpacks/{id}", a.user(a.handlePatchPack))
	m.Handle("DELETE /v1/stickerpacks/{id}", a.user(a.handleDeletePack))
	m.Handle("GET /v1/stickerpacks/{id}/stickers", a.user(a.handleListStickers))
	m.Handle("POST /v1/stickerpacks/{id}/stickers", a.user(a.handleAddSticker))
	m.Handle("GET /v1/stickerpacks/{id}/stickers/{index}", a.user(a.handleGetSticker))
	m.Handle("PATCH /v1/stickerpacks/{id}/stickers/{index}", a.user(a.handlePatchSticker))
	m.Handle("DELETE /v1/stickerpacks/{id}/stickers/{index}", a.user(a.handleDeleteSticker))
	m.Handle("/", a.public(a.handleUnknown))
}

// handlerFunc is an endpoint: it writes its answer and returns any error, which
// the wrapper writes in the client's envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c platform.Caller) error

// public serves an endpoint that needs no token.
func (a *API) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r, platform.Caller{}); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// user serves an endpoint that needs a bearer token of the deployment.
func (a *API) user(h handlerFunc) http.Handler {
	return a.public(func(w http.ResponseWriter, r *http.Request, _ platform.Caller) error {
		c, err := a.session(r)
		if err != nil {
			return err
		}
		return h(w, r, c)
	})
}

// admin serves an endpoint that needs the admin account's bearer token.
func (a *API) admin(h handlerFunc) http.Handler {
	return a.user(func(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
		if err := platform.RequireAdmin(c); err != nil {
			return err
		}
		return h(w, r, c)
	})
}

// monitor serves a monitoring endpoint: a bearer token, the deployment's own API
// key, or the operator-wide one.
func (a *API) monitor(h handlerFunc) http.Handler {
	return a.public(func(w http.ResponseWriter, r *http.Request, _ platform.Caller) error {
		scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Apikey") {
			c, err := a.session(r)
			if err != nil {
				return err
			}
			return h(w, r, c)
		}
		key = strings.TrimSpace(key)
		if a.APIKey != "" && constantEqual(key, a.APIKey) {
			// The operator's key reads every deployment, picked as login picks.
			id, err := a.deployment(r)
			if err != nil {
				return err
			}
			return h(w, r, platform.MonitorCaller(id))
		}
		// A deployment's own key reads that deployment only: under another's
		// base path it is not valid, and at the root it names its deployment.
		c, err := a.p.AuthenticateAPIKey(r.Context(), pinnedNumber(r), key)
		if err != nil {
			return err
		}
		return h(w, r, c)
	})
}

// session authenticates the bearer token, or a channel key of the deployment
// in D360-API-KEY (a user's rights). On a pinned path the token must be of
// that deployment.
func (a *API) session(r *http.Request) (platform.Caller, error) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		tok = ""
	}
	var c platform.Caller
	var err error
	if key := strings.TrimSpace(r.Header.Get("D360-API-KEY")); tok == "" && key != "" {
		c, err = a.p.ChannelSession(r.Context(), key)
	} else {
		c, err = a.p.AuthenticateSession(r.Context(), strings.TrimSpace(tok))
	}
	if err != nil {
		return c, err
	}
	if pinned := pinnedNumber(r); pinned != "" && pinned != c.Session.PhoneNumberID {
		return platform.Caller{}, wabi.Errorf(wabi.EInvalidToken, "The bearer token belongs to another deployment than /onprem/%s.", pinned)
	}
	return c, nil
}

// deployment picks the number a request without a token is for (login and the
// API key): the pinned one, else the only On-Premises number there is.
func (a *API) deployment(r *http.Request) (string, error) {
	if id := pinnedNumber(r); id != "" {
		return id, nil
	}
	ds, err := a.p.Deployments(r.Context())
	if err != nil {
		return "", err
	}
	switch len(ds) {
	case 1:
		return ds[0].ID, nil
	case 0:
		return "", wabi.Errorf(wabi.ENotFound, "wabi has no On-Premises phone number. Create one with platform_type ON_PREMISE through the control API.")
	}
	return "", wabi.Errorf(wabi.EInvalidValue, "wabi serves %d On-Premises phone numbers: use /onprem/{phone-number-id}/v1 as the base URL to pick one.", len(ds))
}

type pinnedKey struct{}

func pinnedNumber(r *http.Request) string {
	id, _ := r.Context().Value(pinnedKey{}).(string)
	return id
}

// Owns reports whether a request path belongs to the On-Premises API.
func Owns(path string) bool {
	return path == "/v1" || strings.HasPrefix(path, "/v1/") || path == "/metrics" || strings.HasPrefix(path, "/onprem/")
}

// ServeHTTP takes the /onprem/{phone-number-id} prefix off, if any, and routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/onprem/"); ok {
		id, tail, _ := strings.Cut(rest, "/")
		r = r.Clone(context.WithValue(r.Context(), pinnedKey{}, id))
		r.URL.Path = "/" + tail
		r.URL.RawPath = ""
	}
	if a.p.APIArmed() && a.injectFault(w, r) {
		return
	}
	a.mux.ServeHTTP(w, r)
}

func (a *API) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// handleUnknown answers paths and methods the client does not have.
func (a *API) handleUnknown(w http.ResponseWriter, r *http.Request, _ platform.Caller) error {
	return wabi.Errorf(wabi.ENotFound, "Unknown endpoint %s %s. wabi serves the On-Premises API endpoints listed in its README.", r.Method, r.URL.Path)
}

// maxBody caps request bodies of JSON endpoints.
const maxBody = 1 << 20

// decode reads a JSON request body into v. A body declared larger than maxBody
// is refused unread.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > maxBody {
		return wabi.Errorf(wabi.EBadRequest, "Request body too large: the limit is %d bytes.", maxBody)
	}
	return codec.Decode(http.MaxBytesReader(w, r.Body, maxBody), v, maxBody)
}
