// Package cloudapi serves Meta's WhatsApp Cloud API dialect: Graph-style paths
// (/{version}/{node-id}/{edge}), Graph's error envelope and the Cloud API webhook
// payloads. It decodes requests into neutral wabi types and lets internal/platform
// apply every rule.
package cloudapi

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// API is the Cloud API HTTP surface.
type API struct {
	p *platform.Platform

	// DefaultVersion answers unversioned paths and fills the facebook-api-version
	// header. Default "v23.0".
	DefaultVersion string
	// Logger logs internal errors. Default slog.Default().
	Logger *slog.Logger

	mux *http.ServeMux
}

// New returns the Cloud API over a platform.
func New(p *platform.Platform) *API {
	a := &API{p: p, DefaultVersion: "v23.0"}
	a.mux = http.NewServeMux()
	a.routes()
	return a
}

// routes lists every endpoint. Paths are matched after the optional version
// segment is taken off, so each is served versioned and unversioned.
func (a *API) routes() {
	a.mux.HandleFunc("POST /{id}/messages", a.handleMessages)
	a.mux.HandleFunc("GET /{id}/subscriptions", a.handleGetSubscriptions)
	a.mux.HandleFunc("POST /{id}/subscriptions", a.handlePostSubscriptions)
	a.mux.HandleFunc("DELETE /{id}/subscriptions", a.handleDeleteSubscriptions)
	a.mux.HandleFunc("GET /{id}/subscribed_apps", a.handleGetSubscribedApps)
	a.mux.HandleFunc("POST /{id}/subscribed_apps", a.handlePostSubscribedApps)
	a.mux.HandleFunc("DELETE /{id}/subscribed_apps", a.handleDeleteSubscribedApps)
	a.mux.HandleFunc("/", a.handleUnknown)
}

// versionSegment matches a Graph version path segment.
var versionSegment = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// numericSegment matches a Graph node id.
var numericSegment = regexp.MustCompile(`^[0-9]+$`)

// Owns reports whether a request path belongs to the Cloud API: it starts with a
// version ("/v23.0/...") or a node id ("/1234/...").
func Owns(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return versionSegment.MatchString(first) || numericSegment.MatchString(first)
}

type versionKey struct{}

// ServeHTTP strips the version segment, sets Graph's response headers and routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version := a.DefaultVersion
	rest := strings.TrimPrefix(r.URL.Path, "/")
	if first, tail, _ := strings.Cut(rest, "/"); versionSegment.MatchString(first) {
		version, rest = first, tail
	}
	h := w.Header()
	h.Set("facebook-api-version", version)
	trace := traceID()
	h.Set("x-fb-trace-id", trace)
	h.Set("x-fb-request-id", trace)
	h.Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "Sat, 01 Jan 2000 00:00:00 GMT")
	h.Set("Access-Control-Allow-Origin", "*")

	r2 := r.Clone(context.WithValue(r.Context(), versionKey{}, version))
	r2.URL.Path = "/" + rest
	r2.URL.RawPath = ""
	a.mux.ServeHTTP(w, r2)
}

func (a *API) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// caller authenticates the request: a Bearer token in the Authorization header or
// an access_token query or form parameter.
func (a *API) caller(r *http.Request) (platform.Caller, error) {
	tok := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			tok = strings.TrimSpace(value)
		}
	}
	if tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	if tok == "" && isForm(r) {
		tok = r.PostFormValue("access_token")
	}
	return a.p.Authenticate(r.Context(), tok)
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// handleUnknown answers paths and methods the Cloud API does not have.
func (a *API) handleUnknown(w http.ResponseWriter, r *http.Request) {
	if _, err := a.caller(r); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeError(w, r, unknownPath(r))
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, a.logger(), err)
}

// unknownPath is Graph's answer to an edge or method it does not have.
func unknownPath(r *http.Request) error {
	return wabi.Errorf(wabi.EBadRequest, "Unknown path components: %s (method %s). wabi serves the WhatsApp Cloud API edges listed in its README.", r.URL.Path, r.Method)
}
