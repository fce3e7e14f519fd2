package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestServeFaults sets an api_error fault through the control API of a running
// wabi: the Cloud API answers the number's requests with it, and still does
// after a restart, since faults are kept in the store.
func TestServeFaults(t *testing.T) {
	dir := t.TempDir()
	base, stop := startStoppable(t, map[string]string{"WABI_DATA": dir})
	var in info
	_, body := call(t, "GET", base+"/api/info", "", "")
	if err := json.Unmarshal([]byte(body), &in); err != nil || in.PhoneNumber.ID == "" {
		t.Fatalf("info: %s", body)
	}
	code, body := call(t, "POST", base+"/api/faults", "", `{"phone_number_id":"`+in.PhoneNumber.ID+`","kind":"api_error","http_status":503}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /api/faults: %d %s", code, body)
	}
	fault := mustJSON(t, body)["id"].(string)
	check := func(when string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/v23.0/"+in.PhoneNumber.ID, nil)
		req.Header.Set("Authorization", "Bearer "+in.Token.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b struct{ Error struct{ Code int } }
		json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if resp.StatusCode != 503 || b.Error.Code != 131016 || resp.Header.Get("X-Wabi-Fault") != fault {
			t.Errorf("%s: %d, code %d, fault %q; want 503, 131016, %s", when, resp.StatusCode, b.Error.Code, resp.Header.Get("X-Wabi-Fault"), fault)
		}
	}
	check("at once")
	stop()
	base, _ = startStoppable(t, map[string]string{"WABI_DATA": dir})
	check("after a restart")
	code, body = call(t, "GET", base+"/api/faults/"+fault, "", "")
	if code != 200 || !strings.Contains(body, `"hits":2`) {
		t.Errorf("the fault after two hits: %d %s", code, body)
	}
}
