package storetest

import (
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// testMessageStats is being written.
func testMessageStats(t *testing.T, s wabi.Store) {}
