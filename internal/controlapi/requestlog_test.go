package controlapi

import (
	"log/slog"
	"testing"

	"github.com/wabihq/wabi/internal/httplog/httplogtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestWriteErrorRequestLog: an error answer tells the request log its code,
// and an error caused by a client that hung up is neither answered nor logged
// as an internal error.
func TestWriteErrorRequestLog(t *testing.T) {
	httplogtest.CheckWriteError(t, func(log *slog.Logger) httplogtest.WriteError {
		return (&API{Logger: log}).writeError
	}, "GET", "/api/messages", wabi.Errorf(wabi.EInvalidParam, "bad limit"), "status=400 error=invalid_parameter latency=")
}
