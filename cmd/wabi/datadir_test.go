package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
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
