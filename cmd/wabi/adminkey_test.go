package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeMakesAdminKeyBeyondLoopback: wabi started beyond loopback without
// an admin key makes one, keeps it 0600 in the data directory, guards the
// control API with it, and wabi admin-key prints it; the next start, even on
// loopback, keeps using it.
func TestServeMakesAdminKeyBeyondLoopback(t *testing.T) {
	data := t.TempDir()
	base, stop := startStoppable(t, map[string]string{"WABI_ADDR": "0.0.0.0:0", "WABI_DATA": data})
	base = strings.Replace(base, "0.0.0.0", "127.0.0.1", 1)

	info, err := os.Stat(filepath.Join(data, "admin.key"))
	if err != nil {
		t.Fatalf("no admin key file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("admin key file mode %v, want 0600", perm)
	}
	var out bytes.Buffer
	env := map[string]string{"WABI_DATA": data}
	if err := run(context.Background(), []string{"admin-key"}, func(k string) string { return env[k] }, &out, io.Discard); err != nil {
		t.Fatalf("wabi admin-key: %v", err)
	}
	key := strings.TrimSpace(out.String())
	if len(key) != 64 {
		t.Fatalf("wabi admin-key printed %q; want a 64-digit key", key)
	}
	if code, _ := call(t, "GET", base+"/api/info", "", ""); code != 401 {
		t.Errorf("control API without the key: %d, want 401", code)
	}
	if code, _ := call(t, "GET", base+"/api/info", key, ""); code != 200 {
		t.Errorf("control API with the printed key: %d, want 200", code)
	}
	stop()

	base = startWabi(t, map[string]string{"WABI_DATA": data})
	if code, _ := call(t, "GET", base+"/api/info", "", ""); code != 401 {
		t.Errorf("on loopback after the key was made: %d without it, want 401", code)
	}
	if code, _ := call(t, "GET", base+"/api/info", key, ""); code != 200 {
		t.Errorf("on loopback with the key: %d, want 200", code)
	}
}

// TestServeSetKeyWins: a set WABI_ADMIN_KEY is the key; wabi makes no file.
func TestServeSetKeyWins(t *testing.T) {
	data := t.TempDir()
	const key = "3f9c1e0b7a2d48e6b5c4a1f0e9d8c7b6"
	base := startWabi(t, map[string]string{"WABI_ADDR": "0.0.0.0:0", "WABI_DATA": data, "WABI_ADMIN_KEY": key})
	base = strings.Replace(base, "0.0.0.0", "127.0.0.1", 1)
	if code, _ := call(t, "GET", base+"/api/info", key, ""); code != 200 {
		t.Errorf("control API with WABI_ADMIN_KEY: %d, want 200", code)
	}
	if _, err := os.Stat(filepath.Join(data, "admin.key")); !os.IsNotExist(err) {
		t.Errorf("stat admin.key: %v; want no file beside WABI_ADMIN_KEY", err)
	}
}

// TestServeLoopbackNeedsNoKey: on loopback, with no key set and none made
// before, the control API stays open and no key file appears.
func TestServeLoopbackNeedsNoKey(t *testing.T) {
	data := t.TempDir()
	base := startWabi(t, map[string]string{"WABI_DATA": data})
	if code, _ := call(t, "GET", base+"/api/info", "", ""); code != 200 {
		t.Errorf("control API on loopback: %d, want 200", code)
	}
	if _, err := os.Stat(filepath.Join(data, "admin.key")); !os.IsNotExist(err) {
		t.Errorf("stat admin.key: %v; want none on loopback", err)
	}
}

// TestAdminKeyCommand: wabi admin-key prints WABI_ADMIN_KEY when set, else
// the data directory's key (-data over WABI_DATA), and fails when there is
// none.
func TestAdminKeyCommand(t *testing.T) {
	data := t.TempDir()
	const key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	if err := os.WriteFile(filepath.Join(data, "admin.key"), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"WABI_DATA", nil, map[string]string{"WABI_DATA": data}, key},
		{"-data", []string{"-data", data}, map[string]string{"WABI_DATA": t.TempDir()}, key},
		{"WABI_ADMIN_KEY", nil, map[string]string{"WABI_DATA": data, "WABI_ADMIN_KEY": "set-by-the-operator-1234"}, "set-by-the-operator-1234"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"admin-key"}, tt.args...), func(k string) string { return tt.env[k] }, &out, io.Discard)
		if err != nil || out.String() != tt.want+"\n" {
			t.Errorf("%s: got %q, %v; want %q", tt.name, out.String(), err, tt.want)
		}
	}
	empty := t.TempDir()
	err := run(context.Background(), []string{"admin-key", "-data", empty}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(empty, "admin.key")) {
		t.Fatalf("no key: %v; want an error naming the file", err)
	}
}

// TestServeRefusesOpenNetwork: beyond loopback, a wabi that has no admin key
// and cannot keep one does not start.
func TestServeRefusesOpenNetwork(t *testing.T) {
	data := t.TempDir()
	// A directory in the key file's place can be neither read nor replaced.
	if err := os.Mkdir(filepath.Join(data, "admin.key"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WABI_ADDR": "0.0.0.0:0", "WABI_DATA": data}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "WABI_ADMIN_KEY") {
		t.Fatalf("got %v, want a refusal naming WABI_ADMIN_KEY", err)
	}
}

// TestAdminKeyNew: wabi admin-key -new replaces the kept key, which the next
// start uses; with WABI_ADMIN_KEY set it refuses, since the file is not used.
func TestAdminKeyNew(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"WABI_DATA": data}
	getenv := func(k string) string { return env[k] }
	var first, second bytes.Buffer
	if err := run(context.Background(), []string{"admin-key", "-new"}, getenv, &first, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"admin-key", "-new"}, getenv, &second, io.Discard); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(second.String())
	if key == strings.TrimSpace(first.String()) || len(key) != 64 {
		t.Fatalf("second -new printed %q after %q; want another 64-digit key", key, first.String())
	}
	base := startWabi(t, env)
	if code, _ := call(t, "GET", base+"/api/info", key, ""); code != 200 {
		t.Errorf("control API with the new key: %d, want 200", code)
	}

	env["WABI_ADMIN_KEY"] = "set-by-the-operator-1234"
	if err := run(context.Background(), []string{"admin-key", "-new"}, getenv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "WABI_ADMIN_KEY is set") {
		t.Fatalf("-new with WABI_ADMIN_KEY set: %v; want a refusal", err)
	}
}
