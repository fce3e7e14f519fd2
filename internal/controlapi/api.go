// Package controlapi serves wabi's operator and test API under /api/: what Meta's
// Business Manager and a test suite need. It creates and lists tenancy objects
// (businesses, WABAs, phone numbers, apps, tokens, templates), drives the virtual
// phones of the simulated network, and shows messages and webhook deliveries. Its
// bodies are plain JSON; its errors are {"error":{"code","message"}} with wabi's
// domain codes. Every rule is applied by internal/platform; this package decodes,
// calls and encodes.
package controlapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/live"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/wabi"
)

// Redeliverer sends a webhook delivery again. The webhook engine implements it;
// Redeliver returns ENotFound for an unknown delivery id.
type Redeliverer interface {
	Redeliver(ctx context.Context, id string) (*wabi.Delivery, error)
}

// API is the control API. Set the fields, then call Handler.
type API struct {
	// Platform applies the rules and holds the store. Required.
	Platform *platform.Platform
	// Sim is the simulated network the virtual phones live on. Required.
	Sim *sim.Network
	// Webhooks redelivers webhook deliveries. Required.
	Webhooks Redeliverer
	// AdminKey, when set, is required on every request as "Authorization: Bearer
	// <key>" or "X-Wabi-Admin-Key: <key>". Default "": the API is open, which cmd
	// allows only when listening on loopback.
	AdminKey string
	// PublicURL is how clients and upstreams reach this server
	// ("https://wabi.example.com"), for the webhook URL of relayed numbers.
	// Default: the scheme and Host of each request.
	PublicURL string
	// Links are the URLs GET /api/info shows (API base, console, control API),
	// by name. Default empty.
	Links map[string]string
	// Logger logs internal errors. Default slog.Default().
	Logger *slog.Logger
	// Live, when set, is where GET /api/events reads what changes; its
	// publishers are the platform and the webhook engine. Default nil: the
	// endpoint answers 404.
	Live *live.Hub
	// Heartbeat is how often GET /api/events writes a comment to an idle
	// stream, so that proxies and browsers keep it open. Default 15s.
	Heartbeat time.Duration
	// Metrics serves GET /api/metrics, the server's metrics in Prometheus's
	// format (metrics.go). Default nil: the endpoint answers 404.
	Metrics http.Handler

	// phoneMu serialises changes of virtual phones (read, change, write).
	phoneMu sync.Mutex
	// redeliverCap, when set, replaces maxRedeliver, so that tests need not
	// make a thousand deliveries.
	redeliverCap int
}

// Handler returns the HTTP handler of the API. It serves paths that begin with
// /api/, so it is mounted at "/api/" unchanged.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	a.routes(mux)
	mux.Handle("/api/", a.unknown(mux))
	return a.requireAdmin(mux)
}

func (a *API) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// requireAdmin rejects requests without the admin key, when one is set.
func (a *API) requireAdmin(next http.Handler) http.Handler {
	if a.AdminKey == "" {
		return next
	}
	// Comparing digests keeps the comparison constant-time in the key's length too.
	want := sha256.Sum256([]byte(a.AdminKey))
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("X-Wabi-Admin-Key")
		if key == "" {
			if scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
				key = strings.TrimSpace(value)
			}
		}
		if key == "" && r.URL.Path == eventsPath {
			// A browser's EventSource cannot set headers; the event stream alone
			// takes the key in its URL.
			key = r.URL.Query().Get("key")
		}
		got := sha256.Sum256([]byte(key))
		if key == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wabi control API"`)
			return wabi.Errorf(wabi.EUnauthenticated,
				"The control API needs the admin key, as \"Authorization: Bearer <key>\" or \"X-Wabi-Admin-Key: <key>\".")
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

// unknown answers paths under /api/ that no route serves: 405 when the path
// exists with other methods, else 404.
func (a *API) unknown(mux *http.ServeMux) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/api/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return withStatus(http.StatusMethodNotAllowed, wabi.Errorf(wabi.EBadRequest,
				"Method %s is not allowed on %s; use %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		}
		return wabi.Errorf(wabi.ENotFound, "There is no control API endpoint %s %s.", r.Method, r.URL.Path)
	})
}
