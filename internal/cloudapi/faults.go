package cloudapi

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/httplog"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// faultHeader names the injected fault on an answer it made.
const faultHeader = "X-Wabi-Fault"

// injectFault plays an api_error or api_timeout fault on a request on a
// business number (/{version}/{phone-number-id}/...), and reports whether one
// fired: the request is then answered, or dropped, and goes no further. rest
// is the path after the version.
func (a *API) injectFault(w http.ResponseWriter, r *http.Request, rest string) bool {
	id, _, _ := strings.Cut(rest, "/")
	if !numericSegment.MatchString(id) {
		return false
	}
	f := a.p.APIFault(r.Context(), id, r.Method+" "+r.URL.Path)
	if f == nil {
		return false
	}
	w.Header().Set(faultHeader, f.ID)
	if f.Kind == wabi.FaultAPITimeout {
		a.logger().Warn("cloudapi: injected fault: the request hangs, then its connection is dropped",
			"fault", f.ID, "method", r.Method, "path", r.URL.Path, "delay", time.Duration(f.Delay))
		hang(r.Context(), a.p.Clock(), time.Duration(f.Delay))
		dropConnection()
		return true
	}
	e := platform.APIFaultError(f)
	s := specFor(e.Code)
	a.logger().Warn("cloudapi: injected fault: the request is answered with an error",
		"fault", f.ID, "method", r.Method, "path", r.URL.Path, "status", s.status, "code", s.code)
	httplog.SetError(r.Context(), e.Code, s.code)
	// Graph's body for 131000 and 131016, with details that name the fault.
	codec.Write(w, s.status, graphErrorBody{Error: graphErrorFields{
		Message:   "(#" + strconv.Itoa(s.code) + ") " + s.title,
		Type:      s.typ,
		Code:      s.code,
		ErrorData: &graphErrorData{MessagingProduct: "whatsapp", Details: e.Message},
		FBTraceID: cmp.Or(w.Header().Get("x-fb-trace-id"), traceID()),
	}})
	return true
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
