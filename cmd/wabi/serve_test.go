package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeEndToEnd runs wabi in-process on port 0 with a temp data dir, as a user
// would from the README: the banner, /api/info, a template send, a restart that
// keeps the demo.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	start := func() (string, context.CancelFunc, chan error) {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		env := map[string]string{"WABI_ADDR": "127.0.0.1:0", "WABI_DATA": dir, "WABI_LOG_LEVEL": "error"}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, pw, io.Discard)
			pw.Close()
		}()
		sc := bufio.NewScanner(pr)
		var banner []string
		for sc.Scan() {
			banner = append(banner, sc.Text())
			if strings.Contains(sc.Text(), "Try: curl") {
				break
			}
		}
		go io.Copy(io.Discard, pr)
		if len(banner) == 0 {
			t.Fatal("no banner")
		}
		_, rest, ok := strings.Cut(banner[0], "listening on ")
		if !ok {
			t.Fatalf("banner %q", banner)
		}
		return strings.TrimSuffix(strings.Fields(rest)[0], "/"), cancel, done
	}

	base, stop, done := start()
	var in info
	resp, err := http.Get(base + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&in)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/v23.0/"+in.PhoneNumber.ID+"/messages", strings.NewReader(
		`{"messaging_product":"whatsapp","to":"15550002000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`))
	req.Header.Set("Authorization", "Bearer "+in.Token.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "wamid.") {
		t.Fatalf("template send: %d %s", resp.StatusCode, b)
	}
	// The demo's On-Premises number answers at /v1: its admin logs in.
	onprem := func(method, path, token string, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token == "" {
			req.SetBasicAuth("admin", "secret")
		} else {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := onprem("POST", "/v1/users/login", "", `{"new_password":"N3w-Passw0rd!"}`)
	var login struct{ Users []struct{ Token string } }
	if json.Unmarshal([]byte(body), &login); code != 200 || len(login.Users) != 1 {
		t.Fatalf("On-Premises login: %d %s", code, body)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}

	// A restart keeps the demo: same token, same number.
	base, stop, done = start()
	defer func() { stop(); <-done }()
	var again info
	resp, err = http.Get(base + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&again)
	resp.Body.Close()
	if again.Token.Token != in.Token.Token || again.PhoneNumber.ID != in.PhoneNumber.ID {
		t.Fatalf("after restart %+v, before %+v", again, in)
	}
	// The On-Premises token and the new password outlive the restart.
	if code, body := onprem("GET", "/v1/health", login.Users[0].Token, ""); code != 200 || !strings.Contains(body, `"gateway_status":"connected"`) {
		t.Fatalf("On-Premises health after restart: %d %s", code, body)
	}
	if code, body := onprem("POST", "/v1/users/login", "", ""); code != 401 || !strings.Contains(body, `"code":1005`) {
		t.Fatalf("default password after it was changed: %d %s", code, body)
	}
}
