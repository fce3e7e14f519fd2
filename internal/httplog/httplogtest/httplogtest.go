// Package httplogtest checks that an API's error writer works with the
// request log, the same way for every API.
package httplogtest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/httplog"
)

// WriteError is an API's error writer, logging to the logger it was made with.
type WriteError func(w http.ResponseWriter, r *http.Request, err error)

// CheckWriteError checks, for an API whose error writer newWriter makes with a
// logger: that the domain error answered to a request at method and path
// gives a request line containing want (its status, error and code); that an
// error caused by a client that hung up is neither answered nor logged as an
// internal error; and that the same error on a live request still is one.
func CheckWriteError(t *testing.T, newWriter func(*slog.Logger) WriteError, method, path string, domain error, want string) {
	t.Helper()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	write := newWriter(log)
	var fail error
	h := (&httplog.Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write(w, r, fail)
	}))
	serve := func(ctx context.Context) *httptest.ResponseRecorder {
		buf.Reset()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil).WithContext(ctx))
		return rec
	}

	fail = domain
	serve(context.Background())
	if got := buf.String(); !strings.Contains(got, want) {
		t.Errorf("request line %q, want it to contain %q", got, want)
	}

	fail = fmt.Errorf("doing the work: %w", context.Canceled)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := serve(ctx)
	if got := buf.String(); strings.Contains(got, "ERROR") || !strings.Contains(got, "client went away") || rec.Body.Len() != 0 {
		t.Errorf("a client that hung up: log %q, answer %q", got, rec.Body)
	}
	rec = serve(context.Background())
	if got := buf.String(); !strings.Contains(got, "level=ERROR") || rec.Code != 500 {
		t.Errorf("context.Canceled on a live request: log %q, status %d", got, rec.Code)
	}
}
