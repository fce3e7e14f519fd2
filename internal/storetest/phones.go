package storetest

import (
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// testPhoneRegistration is being written.
func testPhoneRegistration(t *testing.T, s wabi.Store) {}

// testProfiles is being written.
func testProfiles(t *testing.T, s wabi.Store) {}

// testUploadSessions is being written.
func testUploadSessions(t *testing.T, s wabi.Store) {}
