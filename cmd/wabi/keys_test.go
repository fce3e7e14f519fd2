package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/seal"
)

// testKey returns a key of 32 bytes, all b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, seal.KeySize) }

// TestKeyRotation: a relay put on a server sealing with one key opens on the
// next start under a new key with the old one in WABI_KEY_PREVIOUS, which
// seals it again under the new key, so that the old key can then go; a start
// whose keys open none of it is refused.
func TestKeyRotation(t *testing.T) {
	data := t.TempDir()
	old, cur := base64.StdEncoding.EncodeToString(testKey(1)), hex.EncodeToString(testKey(2))
	relay := func(t *testing.T, env map[string]string, method, body string) (int, string) {
		t.Helper()
		env["WABI_DATA"] = data
		base, stop := startStoppable(t, env)
		defer stop()
		_, info := call(t, "GET", base+"/api/info", "", "")
		pn, _ := mustJSON(t, info)["phone_number"].(map[string]any)["id"].(string)
		return call(t, method, base+"/api/phone_numbers/"+pn+"/relay", "", body)
	}
	status, body := relay(t, map[string]string{"WABI_KEY": old}, "PUT", `{"base_url":"https://graph.example.com",
		"phone_number_id":"106540352242922","access_token":"EAAG-upstream-token-9f3c","app_secret":"s3cret","verify_token":"v"}`)
	if status != 200 {
		t.Fatalf("put the relay: %d %s", status, body)
	}
	if _, err := os.Stat(filepath.Join(data, "wabi.key")); !os.IsNotExist(err) {
		t.Errorf("WABI_KEY set, yet a key file: %v", err)
	}
	for _, step := range []struct {
		name string
		env  map[string]string
	}{
		{"rotated", map[string]string{"WABI_KEY": cur, "WABI_KEY_PREVIOUS": old}},
		{"old key gone", map[string]string{"WABI_KEY": cur}},
	} {
		status, body := relay(t, step.env, "GET", "")
		if status != 200 || mustJSON(t, body)["access_token"] != "…9f3c" {
			t.Fatalf("%s: %d %s, want the relay", step.name, status, body)
		}
	}

	env := map[string]string{"WABI_ADDR": "127.0.0.1:0", "WABI_DATA": data, "WABI_LOG_LEVEL": "error", "WABI_KEY": old}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "WABI_KEY") || strings.Contains(err.Error(), old) {
		t.Fatalf("a start with a key that opens nothing: %v, want a refusal naming WABI_KEY", err)
	}
}
