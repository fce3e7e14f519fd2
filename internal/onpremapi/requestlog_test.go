package onpremapi

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
	"github.com/wabihq/wabi/internal/wabi"
)

// TestWriteErrorRequestLog: an error answer tells the request log its domain
// code and the client's code, and an error caused by a client that hung up is
// neither answered nor logged as an internal error.
func TestWriteErrorRequestLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	a := &API{Logger: log}
	var fail error
	h := (&httplog.Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, fail)
	}))
	serve := func(ctx context.Context) *httptest.ResponseRecorder {
		buf.Reset()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/messages", nil).WithContext(ctx))
		return rec
	}

	fail = wabi.Errorf(wabi.ENotFound, "no such media")
	serve(context.Background())
	if got := buf.String(); !strings.Contains(got, "status=404 error=not_found code=1006") {
		t.Errorf("request line %q", got)
	}

	fail = fmt.Errorf("commit: %w", context.Canceled)
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
