package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeEndToEnd runs wabi in-process on port 0 with a temp data dir, as a user
// would from the README: the banner, /api/info, a template send, a restart that
// keeps the demo.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	base, stop := startStoppable(t, map[string]string{"WABI_DATA": dir})
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

	// A restart keeps the demo: same token, same number.
	base, _ = startStoppable(t, map[string]string{"WABI_DATA": dir})
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
