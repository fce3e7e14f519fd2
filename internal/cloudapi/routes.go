// Package cloudapi serves Meta's WhatsApp Cloud API dialect: Graph-style paths
// (/{version}/{node-id}/{edge}), Graph's error envelope and the Cloud API webhook
// payloads. It decodes requests into neutral wabi types and lets internal/platform
// apply every rule.
package cloudapi

import (
	"context"
	"log/slog"
	"net/http"
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
	// PublicURL is how clients reach this server ("https://wabi.example.com"), for
	// media download URLs. Default: the scheme and Host of each request.
	PublicURL string
	// Logger logs internal errors. Default slog.Default().
	Logger *slog.Logger
	// TempDir holds a media upload's file while the rest of its form arrives;
	// the file is gone when the request ends. Default os.TempDir().
	TempDir string

	mux *http.ServeMux
	// channel serves the paths that take their number from a channel key
	// (channelkeys.go).
	channel *http.ServeMux
}

// New returns the Cloud API over a platform.
func New(p *platform.Platform) *API {
	a := &API{p: p, DefaultVersion: "v23.0"}
	a.mux = http.NewServeMux()
	a.routes()
	a.channel = a.channelRoutes()
	return a
}

// routes lists every endpoint. Paths are matched after the optional version
// segment is taken off, so each is served versioned and unversioned.
func (a *API) routes() {
	a.mux.Handle("POST /{id}/messages", a.handle(a.handleMessages))
	a.mux.Handle("POST /{id}/media", a.upload(a.handleUpload))
	a.mux.Handle("GET /{id}/message_templates", a.handle(a.handleListTemplates))
	a.mux.Handle("POST /{id}/message_templates", a.handle(a.handleCreateTemplate))
	a.mux.Handle("DELETE /{id}/message_templates", a.handle(a.handleDeleteTemplates))
	a.mux.Handle("GET /{id}/phone_numbers", a.handle(a.handleListPhoneNumbers))
	a.mux.Handle("POST /{id}/phone_numbers", a.handle(a.handleAddPhoneNumber))
	a.mux.Handle("POST /{id}/request_code", a.handle(a.handleRequestCode))
	a.mux.Handle("POST /{id}/verify_code", a.handle(a.handleVerifyCode))
	a.mux.Handle("POST /{id}/register", a.handle(a.handleRegister))
	a.mux.Handle("POST /{id}/deregister", a.handle(a.handleDeregister))
	a.mux.Handle("GET /{id}/whatsapp_business_profile", a.handle(a.handleGetProfile))
	a.mux.Handle("POST /{id}/whatsapp_business_profile", a.handle(a.handlePostProfile))
	a.mux.Handle("POST /{id}/uploads", a.handle(a.handleCreateUpload))
	a.mux.Handle("GET /{id}", a.handle(a.handleGetNode))
	a.mux.Handle("POST /{id}", a.handle(a.handlePostNode))
	a.mux.Handle("DELETE /{id}", a.handle(a.handleDeleteNode))
	a.mux.HandleFunc("GET /whatsapp_business/attachments/", a.handleDownload)
	a.mux.HandleFunc("GET /whatsapp_business/profile/{id}/picture", a.handleProfilePicture)
	a.mux.Handle("GET /{id}/subscriptions", a.handle(a.handleGetSubscriptions))
	a.mux.Handle("POST /{id}/subscriptions", a.handle(a.handlePostSubscriptions))
	a.mux.Handle("DELETE /{id}/subscriptions", a.handle(a.handleDeleteSubscriptions))
	a.mux.Handle("GET /{id}/subscribed_apps", a.handle(a.handleGetSubscribedApps))
	a.mux.Handle("POST /{id}/subscribed_apps", a.handle(a.handlePostSubscribedApps))
	a.mux.Handle("DELETE /{id}/subscribed_apps", a.handle(a.handleDeleteSubscribedApps))
	a.mux.Handle("/", a.handle(a.handleUnknown))
}

// handlerFunc is an endpoint: it authenticates as it needs, writes its answer and
// returns any error, which handle writes in Graph's envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c platform.Caller) error

// handle authenticates the caller and writes the endpoint's error, if any. Every
// Cloud API endpoint needs a token. The body is capped at the endpoint's limit
// (bodyLimit) before anything reads it, and a body declared larger is refused
// unread.
func (a *API) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := bodyLimit(r)
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var c platform.Caller
		var err error
		if limit > maxBody {
			// A large body is never read for a token: it comes in a header or
			// the query, and is checked before the first byte of the body.
			c, err = a.p.Authenticate(r.Context(), requestToken(r))
		} else {
			c, err = a.caller(r)
		}
		if err == nil && r.ContentLength > limit {
			err = bodyTooLarge(limit)
		}
		if err == nil {
			err = a.meter(w, r, c) // management call limits (usage.go)
		}
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			writeError(w, r, a.logger(), err)
		}
	})
}

// bodyLimit is the most a request body may be: the largest file for a part of a
// resumable upload (POST /upload:<id>), maxBody for everything else. The media
// upload edge has its own (maxUpload).
func bodyLimit(r *http.Request) int64 {
	if strings.HasPrefix(r.PathValue("id"), "upload:") {
		return platform.MediaMaxSize
	}
	return maxBody
}

// bodyTooLarge refuses a body over limit, for a request that declared it.
func bodyTooLarge(limit int64) error {
	if limit > maxBody {
		return wabi.Errorf(wabi.EMediaUpload, "The upload is larger than WhatsApp's largest file (%d bytes).", limit)
	}
	return wabi.Errorf(wabi.EBadRequest, "Request body too large: the limit is %d bytes.", limit)
}

// versionSegment matches a Graph version path segment: v, digits, a dot,
// digits.
var versionSegment = segmentMatcher(func(s string) bool {
	rest, ok := strings.CutPrefix(s, "v")
	major, minor, dot := strings.Cut(rest, ".")
	return ok && dot && allDigits(major) && allDigits(minor)
})

// numericSegment matches a Graph node id.
var numericSegment = segmentMatcher(allDigits)

// segmentMatcher tests a path segment. Every request runs these tests, so they
// are plain loops rather than regular expressions.
type segmentMatcher func(string) bool

func (f segmentMatcher) MatchString(s string) bool { return f(s) }

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Owns reports whether a request path belongs to the Cloud API: it starts with a
// version ("/v23.0/...") or a node id ("/1234/..."), or is a media download URL
// or a path of a channel key.
func Owns(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return versionSegment.MatchString(first) || numericSegment.MatchString(first) || first == "whatsapp_business" ||
		ownsChannelPath(path)
}

type versionKey struct{}

// The constant values of Graph's response headers, shared by every response.
var (
	graphCacheControl = []string{"private, no-cache, no-store, must-revalidate"}
	graphPragma       = []string{"no-cache"}
	graphExpires      = []string{"Sat, 01 Jan 2000 00:00:00 GMT"}
	graphAllowOrigin  = []string{"*"}
)

// ServeHTTP strips the version segment, sets Graph's response headers and routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	version := a.DefaultVersion
	rest := strings.TrimPrefix(r.URL.Path, "/")
	versioned := false
	if first, tail, _ := strings.Cut(rest, "/"); versionSegment.MatchString(first) {
		version, rest, versioned = first, tail, true
	}
	// The keys are in canonical form already and the constant values shared
	// (a response header is copied when written, never changed in place), so
	// that Graph's eight headers cost no canonicalising and few allocations.
	h := w.Header()
	h["Facebook-Api-Version"] = []string{version}
	trace := []string{traceID()}
	h["X-Fb-Trace-Id"] = trace
	h["X-Fb-Request-Id"] = trace
	h["Cache-Control"] = graphCacheControl
	h["Pragma"] = graphPragma
	h["Expires"] = graphExpires
	h["Access-Control-Allow-Origin"] = graphAllowOrigin

	// A shallow copy with its own URL: the handlers read the request's
	// headers, they do not change them, so they need not be copied.
	r2 := r.WithContext(context.WithValue(r.Context(), versionKey{}, version))
	u := *r.URL
	u.Path = "/" + rest
	u.RawPath = ""
	r2.URL = &u
	if a.p.APIArmed() && a.injectFault(w, r, rest) {
		return
	}
	if !versioned && ownsChannelPath(r2.URL.Path) {
		a.channel.ServeHTTP(w, r2)
	} else {
		a.mux.ServeHTTP(w, r2)
	}
	// The server removes the temporary files of the request it handed over,
	// not of this clone: a form parsed on the clone is cleaned up here.
	if r2.MultipartForm != nil {
		_ = r2.MultipartForm.RemoveAll()
	}
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
	tok := requestToken(r)
	if tok == "" && isForm(r) {
		tok = r.PostFormValue("access_token")
	}
	return a.p.Authenticate(r.Context(), tok)
}

// requestToken is the token a request carries outside its body: in the
// Authorization header (Bearer, or OAuth as the Resumable Upload API writes
// it), a channel key in the D360-API-KEY header, or the access_token query
// parameter.
func requestToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			if tok := strings.TrimSpace(value); tok != "" {
				return tok
			}
		}
	}
	if key := strings.TrimSpace(r.Header.Get(d360Header)); key != "" {
		return key
	}
	return r.URL.Query().Get("access_token")
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// handleUnknown answers paths and methods the Cloud API does not have.
func (a *API) handleUnknown(w http.ResponseWriter, r *http.Request, _ platform.Caller) error {
	return unknownPath(r)
}

// unknownPath is Graph's answer to an edge or method it does not have.
func unknownPath(r *http.Request) error {
	return wabi.Errorf(wabi.EBadRequest, "Unknown path components: %s (method %s). wabi serves the WhatsApp Cloud API edges listed in its README.", r.URL.Path, r.Method)
}
