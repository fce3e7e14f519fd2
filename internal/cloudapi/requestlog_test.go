package cloudapi

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
// code and Graph code, and an error caused by a client that hung up is neither
// answered nor logged as an internal error, while the same error on a live
// request still is.
func TestWriteErrorRequestLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var fail error
	h := (&httplog.Logger{Logger: log}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, log, fail)
	}))
	serve := func(ctx context.Context) *httptest.ResponseRecorder {
		buf.Reset()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v23.0/1/messages", nil).WithContext(ctx))
		return rec
	}

	fail = wabi.Errorf(wabi.EOutsideWindow, "closed")
	serve(context.Background())
	if got := buf.String(); !strings.Contains(got, "status=400 error=outside_window code=131047") {
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
