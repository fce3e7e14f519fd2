package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/storetest"
	"github.com/wabihq/wabi/internal/wabi"
)

// mustOpen opens a store in a fresh temporary directory, closed when the test
// ends.
func mustOpen(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) wabi.Store { return mustOpen(t) })
}

func TestDurable(t *testing.T) {
	storetest.RunDurable(t, func(dir string) (wabi.Store, error) {
		return sqlite.Open(filepath.Join(dir, "wabi.db"))
	})
}
