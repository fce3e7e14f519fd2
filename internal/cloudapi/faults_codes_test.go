package cloudapi

import (
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestFaultCodesRoundTrip: every code a delivery_failed fault takes comes back
// as that code in the Cloud API's failed-status webhook.
func TestFaultCodesRoundTrip(t *testing.T) {
	for _, c := range platform.FaultCodes() {
		if got := statusError(&wabi.Error{Code: c.Code}).Code; got != c.Wire {
			t.Errorf("a fault of %d fails with %s, which the Cloud API writes as %d", c.Wire, c.Code, got)
		}
	}
}
