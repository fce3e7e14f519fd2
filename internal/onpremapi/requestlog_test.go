package onpremapi

import (
	"log/slog"
	"testing"

	"github.com/wabihq/wabi/internal/httplog/httplogtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestWriteErrorRequestLog: an error answer tells the request log its domain
// code and the client's code, and an error caused by a client that hung up is
// neither answered nor logged as an internal error.
func TestWriteErrorRequestLog(t *testing.T) {
	httplogtest.CheckWriteError(t, func(log *slog.Logger) httplogtest.WriteError {
		return (&API{Logger: log}).writeError
	}, "POST", "/v1/messages", wabi.Errorf(wabi.ENotFound, "no such media"), "status=404 error=not_found code=1006")
}
