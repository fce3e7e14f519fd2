package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/scenario"
)

// startWithScenario runs wabi serve in-process with env, like startStoppable,
// and returns its base URL, its banner and a stop function. A scenario's
// banner ends with a blank line after the phones.
func startWithScenario(t *testing.T, env map[string]string) (string, string, func()) {
	t.Helper()
	phones := false
	return serveInProcess(t, env, func(line string) bool {
		phones = phones || strings.HasPrefix(line, "  Virtual phones")
		return phones && line == ""
	})
}

// botWorld is a CI scenario: one business, a Cloud number, an app with a
// known secret whose webhook goes to ${HOOK}, a token with a known value.
const botWorld = `
businesses:
  - name: Acme
    wabas:
      - name: Support
        numbers:
          - phone_number: +1 555-010-7788
            verified_name: Acme Support
        templates:
          - name: order_ready
            language: en_US
            category: UTILITY
            components: [{type: BODY, text: "Order {{1}} is ready."}]
    apps:
      - name: Bot
        secret: bot-secret-0123456789
        webhook: {callback_url: "${HOOK}", verify_token: ci-verify}
        subscribed_wabas: [Support]
    tokens:
      - {token: ci-token-0123456789, name: ci, app: Bot}
phones:
  - {wa_id: "15550002001", profile_name: Ann}
`

// TestServeScenarioTwice: wabi serve -scenario makes the file's world instead
// of the demo, a CI suite sends with the file's token and gets webhooks signed
// with the file's secret; started again on the same data, it changes nothing
// and the ids stay.
func TestServeScenarioTwice(t *testing.T) {
	var mu sync.Mutex
	var signed []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if r.URL.Query().Get("hub.verify_token") == "ci-verify" {
				io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			} else {
				http.Error(w, "no", http.StatusForbidden)
			}
			return
		}
		b, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte("bot-secret-0123456789"))
		m.Write(b)
		if r.Header.Get("X-Hub-Signature-256") == "sha256="+hex.EncodeToString(m.Sum(nil)) {
			mu.Lock()
			signed = append(signed, string(b))
			mu.Unlock()
		}
	}))
	defer hook.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "ci.yaml")
	if err := os.WriteFile(file, []byte(botWorld), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "ids.json")
	env := map[string]string{"WABI_DATA": filepath.Join(dir, "data"), "WABI_SCENARIO": file, "WABI_SCENARIO_OUT": out, "HOOK": hook.URL}

	readOut := func() *scenario.Result {
		t.Helper()
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v: it holds secrets", out, fi.Mode().Perm())
		}
		var res scenario.Result
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return &res
	}
	send := func(base, phoneID string) {
		t.Helper()
		status, body := call(t, "POST", base+"/v23.0/"+phoneID+"/messages", "ci-token-0123456789",
			`{"messaging_product":"whatsapp","to":"15550002001","type":"template","template":{"name":"order_ready","language":{"code":"en_US"},
			  "components":[{"type":"body","parameters":[{"type":"text","text":"7731"}]}]}}`)
		if status != http.StatusOK {
			t.Fatalf("send with the scenario's token: %d %s", status, body)
		}
		wamid, _ := mustJSON(t, body)["messages"].([]any)[0].(map[string]any)["id"].(string)
		waitFor(t, "a signed webhook of "+wamid, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range signed {
				if strings.Contains(s, wamid) {
					return true
				}
			}
			return false
		})
	}

	base, banner, stop := startWithScenario(t, env)
	first := readOut()
	phoneID := first.Numbers["15550107788"]
	for _, want := range []string{"scenario ci.yaml: ", "Business Acme", "+15550107788", phoneID, "secret bot-secret-0123456789  webhook verified",
		"Token ci", "ci-token-0123456789", "Virtual phones 1, faults 0", "Changed: created business Acme"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	_, body := call(t, "GET", base+"/api/businesses", "", "")
	if n := len(mustJSON(t, body)["data"].([]any)); n != 1 {
		t.Errorf("%d businesses, want the scenario's alone: %s", n, body)
	}
	send(base, phoneID)
	stop()

	base, banner, _ = startWithScenario(t, env)
	if !strings.Contains(banner, "scenario ci.yaml: no changes") {
		t.Errorf("the second start changed something:\n%s", banner)
	}
	second := readOut()
	first.Changes, second.Changes = nil, nil
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if string(a) != string(b) {
		t.Errorf("ids differ between starts:\n%s\n%s", a, b)
	}
	for path, n := range map[string]int{"/api/businesses": 1, "/api/apps": 1, "/api/tokens": 1, "/api/phone_numbers": 1, "/api/templates": 1, "/api/phones": 1} {
		_, body := call(t, "GET", base+path, "", "")
		if got := len(mustJSON(t, body)["data"].([]any)); got != n {
			t.Errorf("GET %s: %d items after two starts, want %d", path, got, n)
		}
	}
	send(base, phoneID)
}

// TestServeBrokenScenario: a scenario with a mistake stops wabi before it
// listens, with the file's name and the place of the mistake.
func TestServeBrokenScenario(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(file, []byte("businesses: [{name: Acme, wabas: [{name: W, numbrs: []}]}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WABI_ADDR": "127.0.0.1:0", "WABI_DATA": filepath.Join(dir, "data"), "WABI_SCENARIO": file}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `broken.yaml: businesses[0].wabas[0] (WABA W): unknown field "numbrs"; did you mean "numbers"?`) {
		t.Errorf("error = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("the data directory was made for a broken scenario: %v", err)
	}
	env = map[string]string{"WABI_SCENARIO_OUT": filepath.Join(dir, "ids.json")}
	if _, err := parseConfig(nil, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "needs a scenario") {
		t.Errorf("-scenario-out without -scenario: %v", err)
	}
}

// waitFor polls cond until it holds, for at most 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestScenarioOnTwoNodes: two nodes that start together on one PostgreSQL
// store with one scenario make its world once.
func TestScenarioOnTwoNodes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ci.yaml")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(botWorld, `"${HOOK}"`, `""`)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WABI_STORE": pgtest.Schema(t), "WABI_DATA": filepath.Join(dir, "data"), "WABI_SCENARIO": file}
	bases := make(chan string, 2)
	for range 2 {
		go func() {
			var base string
			// A node that fails to start ends this goroutine (t.Fatalf); the
			// deferred send tells the test all the same.
			defer func() { bases <- base }()
			base, _, _ = startWithScenario(t, env)
		}()
	}
	a, b := <-bases, <-bases
	if a == "" || b == "" {
		t.Fatal("a node did not start; its error is reported when the test ends")
	}
	for path, n := range map[string]int{"/api/businesses": 1, "/api/wabas": 1, "/api/apps": 1, "/api/tokens": 1, "/api/phone_numbers": 1, "/api/templates": 1, "/api/phones": 1} {
		for _, base := range []string{a, b} {
			_, body := call(t, "GET", base+path, "", "")
			if got := len(mustJSON(t, body)["data"].([]any)); got != n {
				t.Errorf("GET %s%s: %d items after two nodes started, want %d", base, path, got, n)
			}
		}
	}
}
