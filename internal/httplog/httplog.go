// Package httplog writes one log line per HTTP request wabi serves: method,
// path, status, error code and latency. The API packages tell it the error code
// of an error answer with SetError, and that the client hung up with
// ClientGone; it never logs a header, a query string or a token in a path.
package httplog

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// StatusClientGone is the status a request is logged with when its client hung
// up before the answer: nothing was answered, as nginx's 499 says.
const StatusClientGone = 499

// Logger is the request log middleware.
type Logger struct {
	// Logger receives the lines. Default slog.Default().
	Logger *slog.Logger
	// Level is the level of a request's line. Default slog.LevelInfo (the zero
	// Level). Requests that Quiet picks log at Debug.
	Level slog.Level
	// Quiet picks requests that are not worth a line at Level (the console's
	// static files, health checks). Default: none.
	Quiet func(*http.Request) bool
	// Now is the clock latency is measured with. Default time.Now.
	Now func() time.Time
	// Observe, when set, is told of every request once it is answered, logged
	// or not: its status as logged, its error code ("" for none) and latency.
	// It runs on the request's goroutine and must be quick. Default nil.
	Observe func(r *http.Request, status int, code wabi.Code, took time.Duration)
}

// entry is one request's record: what its handler wrote and was told.
type entry struct {
	http.ResponseWriter
	status int
	code   wabi.Code
	wire   int
	gone   bool
}

type entryKey struct{}

// WriteHeader records the status.
func (e *entry) WriteHeader(status int) {
	if e.status == 0 {
		e.status = status
	}
	e.ResponseWriter.WriteHeader(status)
}

// Write records the implicit 200 of a body written without a status.
func (e *entry) Write(b []byte) (int, error) {
	if e.status == 0 {
		e.status = http.StatusOK
	}
	return e.ResponseWriter.Write(b)
}

// Flush lets streamed answers (live events) through the wrapper.
func (e *entry) Flush() {
	if f, ok := e.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flush).
func (e *entry) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// SetError records the domain code of a request's error answer and, when the
// API has one, the number its wire format shows (131047, 1006); 0 for none.
// Outside a logged request it does nothing.
func SetError(ctx context.Context, code wabi.Code, wire int) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.code, e.wire = code, wire
	}
}

// ClientGone records that a request's client hung up, so that the error its
// handler met because of it is not a server error. It reports whether the
// request's own context is indeed done: if not, the error is the server's.
func ClientGone(r *http.Request) bool {
	if r.Context().Err() == nil {
		return false
	}
	if e, ok := r.Context().Value(entryKey{}).(*entry); ok {
		e.gone = true
	}
	return true
}

// Wrap returns next with one log line per request.
func (l *Logger) Wrap(next http.Handler) http.Handler {
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	now := l.Now
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		level := l.Level
		if l.Quiet != nil && l.Quiet(r) {
			level = slog.LevelDebug
		}
		// Below the configured level the request costs one check, not a wrapper.
		logged := log.Enabled(r.Context(), level)
		if !logged && l.Observe == nil {
			next.ServeHTTP(w, r)
			return
		}
		start := now()
		e := &entry{ResponseWriter: w}
		next.ServeHTTP(e, r.WithContext(context.WithValue(r.Context(), entryKey{}, e)))
		took := now().Sub(start)

		// A client that hung up is no server error: its line says so, at the
		// level of every other request.
		status, msg := e.status, "request"
		if e.gone || (status == 0 && r.Context().Err() != nil) {
			status, msg = StatusClientGone, "request: client went away"
		} else if status == 0 {
			status = http.StatusOK
		}
		if l.Observe != nil {
			l.Observe(r, status, e.code, took)
		}
		if !logged {
			return
		}
		attrs := make([]slog.Attr, 0, 7)
		attrs = append(attrs,
			slog.String("method", r.Method),
			slog.String("path", Path(r.URL.Path)),
			slog.Int("status", status))
		if e.code != "" {
			attrs = append(attrs, slog.String("error", string(e.code)))
			if e.wire != 0 {
				attrs = append(attrs, slog.Int("code", e.wire))
			}
		}
		attrs = append(attrs, slog.Duration("latency", took))
		log.LogAttrs(r.Context(), level, msg, attrs...)
	})
}

// Path is a request path as it may be logged: the query is never part of it,
// and the one path that carries a secret (the control API's DELETE
// /api/tokens/{token}) has it replaced.
func Path(p string) string {
	if rest, ok := strings.CutPrefix(p, "/api/tokens/"); ok && rest != "" {
		return "/api/tokens/REDACTED"
	}
	return p
}
