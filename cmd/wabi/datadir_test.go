package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestUnwritableData: wabi refuses a data directory it cannot write with one
// message naming the path, the reason and the setting to change. A path under
// a regular file cannot be a directory, even for root, who runs these tests.
func TestUnwritableData(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(file, "wabi-data")
	env := map[string]string{"WABI_ADDR": "127.0.0.1:0", "WABI_DATA": data}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	want := "data directory " + data + " is not writable (set WABI_DATA or -data to a writable directory): not a directory"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

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
