package adminkey

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadMakesKeyOnce: the first load that may create makes a strong key in a
// file only its owner reads; later loads, creating or not, return that key.
func TestLoadMakesKeyOnce(t *testing.T) {
	dir := t.TempDir()
	key, created, err := Load(dir, true)
	if err != nil || !created {
		t.Fatalf("first load: %q, created %v, %v; want a new key", key, created, err)
	}
	if len(key) != 64 || Check(key) != nil {
		t.Fatalf("made key %q: want 64 hex digits that pass Check (%v)", key, Check(key))
	}
	info, err := os.Stat(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	for _, create := range []bool{true, false} {
		again, created, err := Load(dir, create)
		if err != nil || created || again != key {
			t.Errorf("load (create %v): created %v, %v, same key %v; want the first key", create, created, err, again == key)
		}
	}
	if other, _, _ := Load(t.TempDir(), true); other == key {
		t.Error("two data directories got the same key")
	}
}

// TestLoadWithoutCreate: with no file and no permission to make one, there is
// no key and no file.
func TestLoadWithoutCreate(t *testing.T) {
	dir := t.TempDir()
	key, created, err := Load(dir, false)
	if key != "" || created || err != nil {
		t.Fatalf("got %q, %v, %v; want no key", key, created, err)
	}
	if _, err := os.Stat(Path(dir)); !os.IsNotExist(err) {
		t.Fatalf("stat key file: %v; want it absent", err)
	}
}

// TestReadKeepsOperatorsKey: a key someone wrote into the file is used as is
// (surrounding space trimmed); a weak one is an error that names the file and
// does not quote the key, and the file is left alone.
func TestReadKeepsOperatorsKey(t *testing.T) {
	dir := t.TempDir()
	const mine = "3f9c1e0b7a2d48e6b5c4a1f0e9d8c7b6"
	if err := os.WriteFile(Path(dir), []byte("  "+mine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if key, created, err := Load(dir, true); key != mine || created || err != nil {
		t.Fatalf("got %q, %v, %v; want the file's key", key, created, err)
	}

	const weak = "hunter2"
	if err := os.WriteFile(Path(dir), []byte(weak), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(dir, true)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, FileName)) || strings.Contains(err.Error(), weak) {
		t.Fatalf("weak key file: %v; want an error naming the file without the key", err)
	}
	if b, _ := os.ReadFile(Path(dir)); string(b) != weak {
		t.Errorf("the file now holds %q; want it untouched", b)
	}
}

// TestCheck: short keys and keys of few characters are refused.
func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		key, want string
	}{
		{"", "at least 16 characters long (it has 0)"},
		{"0123456789abcde", "at least 16 characters long (it has 15)"},
		{"abababababababababab", "at least 8 different characters (it has 2)"},
		{"3f9c1e0b7a2d48e6b5c4a1f0e9d8c7b6", ""},
	} {
		err := Check(tt.key)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Check(%q) = %v, want %q", tt.key, err, tt.want)
		}
	}
}

// TestReadUnreadable: a key file wabi cannot read is an error, not "no key",
// which would leave a listener beyond loopback open.
func TestReadUnreadable(t *testing.T) {
	dir := t.TempDir()
	// A directory in the file's place cannot be read as a file, even by root.
	if err := os.Mkdir(Path(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if key, err := Read(dir); err == nil {
		t.Fatalf("got %q; want an error", key)
	}
}

// TestReplace: a replaced key is new, kept 0600, and what later loads return;
// Replace also makes the first key of a directory that has none.
func TestReplace(t *testing.T) {
	dir := t.TempDir()
	old, _, err := Load(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	key, err := Replace(dir)
	if err != nil || key == old || Check(key) != nil {
		t.Fatalf("Replace: %v, same as before %v, Check %v", err, key == old, Check(key))
	}
	if got, err := Read(dir); got != key || err != nil {
		t.Fatalf("Read after Replace: same key %v, %v", got == key, err)
	}
	if info, err := os.Stat(Path(dir)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file after Replace: %v, %v; want mode 0600", info, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d entries; want the key file alone", len(entries))
	}

	empty := t.TempDir()
	if key, err := Replace(empty); err != nil || Check(key) != nil {
		t.Fatalf("Replace in a directory without a key: %v", err)
	}
}
