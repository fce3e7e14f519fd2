package server

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDataDirPermission: a permission error reads the same way, with the
// system's reason.
func TestDataDirPermission(t *testing.T) {
	err := dataDirError("/srv/wabi", &fs.PathError{Op: "mkdir", Path: "/srv/wabi", Err: syscall.EACCES})
	want := "data directory /srv/wabi is not writable (set WABI_DATA or -data to a writable directory): permission denied"
	if err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if dir := t.TempDir(); openDataDir(dir) != nil {
		t.Error("a writable directory refused")
	} else if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the write check left %v behind", left)
	}
	if err := openDataDir(filepath.Join(t.TempDir(), "new", "dir")); err != nil {
		t.Errorf("a directory to create: %v", err)
	}
}
