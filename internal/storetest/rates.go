package storetest

import (
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

func testRates(t *testing.T, s wabi.Store) {}
