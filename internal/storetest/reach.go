package storetest

import (
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

func testReach(t *testing.T, s wabi.Store) {}
