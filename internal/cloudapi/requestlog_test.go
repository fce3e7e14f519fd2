package cloudapi

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/wabihq/wabi/internal/httplog/httplogtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestWriteErrorRequestLog: an error answer tells the request log its domain
// code and Graph code, and an error caused by a client that hung up is neither
// answered nor logged as an internal error, while the same error on a live
// request still is.
func TestWriteErrorRequestLog(t *testing.T) {
	httplogtest.CheckWriteError(t, func(log *slog.Logger) httplogtest.WriteError {
		return func(w http.ResponseWriter, r *http.Request, err error) { writeError(w, r, log, err) }
	}, "POST", "/v23.0/1/messages", wabi.Errorf(wabi.EOutsideWindow, "closed"), "status=400 error=outside_window code=131047")
}
