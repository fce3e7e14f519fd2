package onpremapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/httplog"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// faultHeader names the injected fault on an answer it made.
const faultHeader = "X-Wabi-Fault"

// injectFault plays an api_error or api_timeout fault on a request to a
// deployment, and reports whether one fired: the request is then answered, or
// dropped, and goes no further.
func (a *API) injectFault(w http.ResponseWriter, r *http.Request) bool {
	id := a.faultNumber(r)
	if id == "" {
		return false
	}
	path := r.URL.Path
	if pinned := pinnedNumber(r); pinned != "" {
		path = "/onprem/" + pinned + path
	}
	f := a.p.APIFault(r.Context(), id, r.Method+" "+path)
	if f == nil {
		return false
	}
	w.Header().Set(faultHeader, f.ID)
	if f.Kind == wabi.FaultAPITimeout {
		a.logger().Warn("onpremapi: injected fault: the request hangs, then its connection is dropped",
			"fault", f.ID, "method", r.Method, "path", path, "delay", time.Duration(f.Delay))
		hang(r.Context(), a.p.Clock(), time.Duration(f.Delay))
		dropConnection()
		return true
	}
	e := platform.APIFaultError(f)
	s := specFor(e.Code)
	a.logger().Warn("onpremapi: injected fault: the request is answered with an error",
		"fault", f.ID, "method", r.Method, "path", path, "status", s.status, "code", s.code)
	httplog.SetError(r.Context(), e.Code, s.code)
	// The client's body for 1000 and 1016, with details that name the fault.
	a.writeJSON(w, s.status, struct {
		Errors []ErrorItem `json:"errors"`
	}{[]ErrorItem{{Code: s.code, Title: s.title, Details: e.Message, Href: errorsHref}}})
	return true
}

// faultNumber is the deployment a request is on, as far as faults go: the
// pinned one, the bearer token's, or the only one there is; "" when it cannot
// tell (the request then meets no fault, and its handler answers as usual).
func (a *API) faultNumber(r *http.Request) string {
	if id := pinnedNumber(r); id != "" {
		return id
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") {
		c, err := a.p.AuthenticateSession(r.Context(), strings.TrimSpace(tok))
		if err != nil || c.Session == nil {
			return ""
		}
		return c.Session.PhoneNumberID
	}
	id, err := a.deployment(r)
	if err != nil {
		return ""
	}
	return id
}

// hang waits d on the platform's clock, or until the client gives up.
func hang(ctx context.Context, c wabi.Clock, d time.Duration) {
	done := make(chan struct{})
	t := c.AfterFunc(d, func() { close(done) })
	defer t.Stop()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// dropConnection ends the request without an answer: the server closes its
// connection (or resets its HTTP/2 stream) for this panic, and logs nothing
// more; the fault's own line says what happened.
func dropConnection() {
	panic(http.ErrAbortHandler)
}
