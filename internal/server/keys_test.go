package server

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/seal"
)

// testKey returns a key of 32 bytes, all b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, seal.KeySize) }

// parseConfig builds a Config from flags and an environment, as wabi serve
// does.
func parseConfig(t *testing.T, args []string, getenv func(string) string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("wabi serve", flag.ContinueOnError)
	build := Bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return build()
}

// TestKeyConfig: WABI_KEY and WABI_KEY_PREVIOUS take base64 or hex keys; a bad
// one is refused naming its source, never quoting it; a config printed whole
// shows no key.
func TestKeyConfig(t *testing.T) {
	k1, k2, k3 := testKey(1), testKey(2), testKey(3)
	env := map[string]string{
		"WABI_KEY":          base64.StdEncoding.EncodeToString(k1),
		"WABI_KEY_PREVIOUS": hex.EncodeToString(k2) + ", " + base64.RawURLEncoding.EncodeToString(k3) + ",",
		"WABI_KEY_FILE":     "/keys/wabi.key",
	}
	c, err := parseConfig(t, nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Key, k1) || len(c.KeyPrevious) != 2 || !bytes.Equal(c.KeyPrevious[0], k2) || !bytes.Equal(c.KeyPrevious[1], k3) {
		t.Fatalf("key %s, previous %s", c.Key, c.KeyPrevious)
	}
	if c.keyFile() != "/keys/wabi.key" {
		t.Errorf("key file %q", c.keyFile())
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, env["WABI_KEY"]) || strings.Contains(out, hex.EncodeToString(k1)) || strings.Contains(out, "1 1 1 1") {
			t.Errorf("%s of the config shows the key: %s", verb, out)
		}
		if !strings.Contains(out, seal.KeyID(k1)) {
			t.Errorf("%s of the config does not name the key by its id: %s", verb, out)
		}
	}

	c, err = parseConfig(t, []string{"-data", "/srv/wabi"}, func(string) string { return "" })
	if err != nil || c.Key != nil || c.KeyPrevious != nil || c.keyFile() != filepath.Join("/srv/wabi", "wabi.key") {
		t.Fatalf("defaults: key %v, previous %v, file %q, %v", c.Key, c.KeyPrevious, c.keyFile(), err)
	}

	bad := "c2hvcnQta2V5" // "short-key"
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"WABI_KEY": bad}, "WABI_KEY: seal: a key must be 32 bytes"},
		{[]string{"-key", bad}, nil, "flag -key: seal: a key must be 32 bytes"},
		{nil, map[string]string{"WABI_KEY_PREVIOUS": env["WABI_KEY"] + "," + bad}, "WABI_KEY_PREVIOUS: key 2: seal: a key must be 32 bytes"},
	} {
		_, err := parseConfig(t, tt.args, func(k string) string { return tt.env[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("args %v env %v: error %v, want it to say %q", tt.args, tt.env, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), bad) {
			t.Errorf("error %q quotes the key", err)
		}
	}
}

// TestKeyFile: without WABI_KEY the first start makes the key file (0600) and
// says where, without the key; later starts reuse it. With WABI_KEY no file is
// made.
func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	c := &Config{Data: dir}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	first, err := keyRing(c, log)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "wabi.key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	written, _ := os.ReadFile(path)
	if !strings.Contains(logs.String(), path) || strings.Contains(logs.String(), strings.TrimSpace(string(written))) {
		t.Errorf("log %q: want the file named and the key left out", logs.String())
	}
	if strings.Count(logs.String(), "\n") != 1 {
		t.Errorf("log %q: want one line", logs.String())
	}

	logs.Reset()
	again, err := keyRing(c, log)
	if err != nil {
		t.Fatal(err)
	}
	if again.CurrentID() != first.CurrentID() {
		t.Errorf("second start seals with key %s, first with %s", again.CurrentID(), first.CurrentID())
	}
	if logs.Len() != 0 {
		t.Errorf("second start logged %q; the file was not new", logs.String())
	}

	other := t.TempDir()
	ring, err := keyRing(&Config{Data: other, Key: testKey(7)}, log)
	if err != nil {
		t.Fatal(err)
	}
	if ring.CurrentID() != seal.KeyID(testKey(7)) {
		t.Errorf("WABI_KEY set: seals with %s, want %s", ring.CurrentID(), seal.KeyID(testKey(7)))
	}
	if _, err := os.Stat(filepath.Join(other, "wabi.key")); !os.IsNotExist(err) {
		t.Errorf("WABI_KEY set, yet a key file: %v", err)
	}

	broken := filepath.Join(t.TempDir(), "broken.key")
	if err := os.WriteFile(broken, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keyRing(&Config{Data: dir, KeyFile: broken}, log); err == nil || !strings.Contains(err.Error(), "broken.key") {
		t.Errorf("broken key file: %v, want an error naming it", err)
	}
}
