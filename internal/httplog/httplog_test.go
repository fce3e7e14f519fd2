package httplog

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// newLog returns a text logger at level into a buffer.
func newLog(level slog.Level) (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})), &buf
}

// steppingClock returns a clock that advances by step at each reading.
func steppingClock(step time.Duration) func() time.Time {
	t := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

// TestOneLinePerRequest: a request is one line with its method, path, status,
// error codes and latency.
func TestOneLinePerRequest(t *testing.T) {
	log, buf := newLog(slog.LevelInfo)
	l := &Logger{Logger: log, Now: steppingClock(3 * time.Millisecond)}
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetError(r.Context(), wabi.EOutsideWindow, 131047)
		w.WriteHeader(http.StatusBadRequest)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/v23.0/106540352242922/messages", nil))

	got := buf.String()
	if strings.Count(got, "\n") != 1 {
		t.Fatalf("want one line, got %q", got)
	}
	for _, want := range []string{"level=INFO", "method=POST", "path=/v23.0/106540352242922/messages", "status=400",
		"error=outside_window", "code=131047", "latency=3ms"} {
		if !strings.Contains(got, want) {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
}

// TestImplicitOK: a handler that only writes a body is logged as 200, without
// an error code.
func TestImplicitOK(t *testing.T) {
	log, buf := newLog(slog.LevelInfo)
	h := (&Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "{}")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/info", nil))
	if got := buf.String(); !strings.Contains(got, "status=200") || strings.Contains(got, "error=") {
		t.Errorf("line %q", got)
	}
}

// TestNoSecrets: neither the Authorization header, nor a token in the query,
// nor the token of DELETE /api/tokens/{token} reaches the log.
func TestNoSecrets(t *testing.T) {
	log, buf := newLog(slog.LevelDebug)
	h := (&Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, target := range []string{
		"/v23.0/1/messages?access_token=EAAsecret1",
		"/webhook?hub.verify_token=EAAsecret2&hub.challenge=1",
		"/api/tokens/EAAsecret3",
	} {
		r := httptest.NewRequest("DELETE", target, nil)
		r.Header.Set("Authorization", "Bearer EAAsecret4")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	got := buf.String()
	if strings.Contains(got, "secret") || strings.Contains(got, "Bearer") {
		t.Errorf("the log shows a secret:\n%s", got)
	}
	if !strings.Contains(got, "path=/api/tokens/REDACTED") || strings.Count(got, "\n") != 3 {
		t.Errorf("log:\n%s", got)
	}
}

// TestClientGone: a request whose client hung up is logged as such at the
// request level, with status 499, never at ERROR; ClientGone refuses to call a
// live request gone.
func TestClientGone(t *testing.T) {
	log, buf := newLog(slog.LevelDebug)
	ctx, cancel := context.WithCancel(context.Background())
	var live, gone bool
	h := (&Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		live = ClientGone(r)
		cancel()
		gone = ClientGone(r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/v23.0/1/messages", nil).WithContext(ctx))
	if live || !gone {
		t.Errorf("ClientGone before the hang-up %v, after %v", live, gone)
	}
	got := buf.String()
	if !strings.Contains(got, "level=INFO") || !strings.Contains(got, "client went away") || !strings.Contains(got, "status=499") {
		t.Errorf("line %q", got)
	}
}

// TestQuietAndLevel: requests Quiet picks log at debug, and below the level
// nothing is written and the handler sees the writer it was given.
func TestQuietAndLevel(t *testing.T) {
	log, buf := newLog(slog.LevelInfo)
	l := &Logger{Logger: log, Quiet: func(r *http.Request) bool { return r.URL.Path == "/healthz" }}
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	if buf.Len() != 0 {
		t.Errorf("a quiet request at info: %q", buf.String())
	}

	warn, buf := newLog(slog.LevelWarn)
	rec := httptest.NewRecorder()
	var seen http.ResponseWriter
	h = (&Logger{Logger: warn}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = w }))
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/info", nil))
	if buf.Len() != 0 || seen != rec {
		t.Errorf("at warn: log %q, writer wrapped %v", buf.String(), seen != rec)
	}
}

// TestFlushAndUnwrap: streamed answers still flush through the wrapper.
func TestFlushAndUnwrap(t *testing.T) {
	log, _ := newLog(slog.LevelInfo)
	rec := httptest.NewRecorder()
	h := (&Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
	}))
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/events", nil))
	if !rec.Flushed {
		t.Error("not flushed")
	}
}

// BenchmarkWrap is the cost the log adds to a request, at info (one line) and
// at warn (none).
func BenchmarkWrap(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		b.Run(level.String(), func(b *testing.B) {
			log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))
			h := (&Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
			}))
			r := httptest.NewRequest("POST", "/v23.0/106540352242922/messages", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}
