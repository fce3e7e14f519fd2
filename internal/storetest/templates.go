package storetest

import (
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// testTemplateDetails is being written.
func testTemplateDetails(t *testing.T, s wabi.Store) {}
