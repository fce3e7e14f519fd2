package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// tenantB is a second business with its own WABA, app and token.
type tenantB struct{ app, waba, token string }

func newTenant(t *testing.T, base string) tenantB {
	t.Helper()
	_, b := call(t, "POST", base+"/api/businesses", "", `{"name":"Business B"}`)
	biz := mustJSON(t, b)["id"].(string)
	_, b = call(t, "POST", base+"/api/wabas", "", `{"business_id":"`+biz+`","name":"B WABA"}`)
	waba := mustJSON(t, b)["id"].(string)
	_, b = call(t, "POST", base+"/api/apps", "", `{"business_id":"`+biz+`","name":"B App"}`)
	app := mustJSON(t, b)["id"].(string)
	_, b = call(t, "POST", base+"/api/tokens", "", `{"business_id":"`+biz+`","app_id":"`+app+`","name":"b"}`)
	return tenantB{app: app, waba: waba, token: mustJSON(t, b)["token"].(string)}
}

// TestHandshakeCannotReadWabi is the cross-tenant leak through the callback
// handshake: business B points its callback at wabi's own control API, which
// lists business A's tokens, and must get a 2200 that quotes nothing.
func TestHandshakeCannotReadWabi(t *testing.T) {
	base := startWabi(t, nil)
	_, b := call(t, "GET", base+"/api/info", "", "")
	tokenA := mustJSON(t, b)["token"].(map[string]any)["token"].(string)
	tb := newTenant(t, base)

	// A receiver that answers 200 with something secret, not the challenge.
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "internal-secret-"+tokenA)
	}))
	defer secret.Close()

	form := func(callback string) string {
		return url.Values{"object": {"whatsapp_business_account"}, "callback_url": {callback},
			"verify_token": {"x"}, "fields": {"messages"}}.Encode()
	}
	cases := []struct {
		name, callback, want string
	}{
		{"control API on loopback", base + "/api/tokens", "wabi's own listener"},
		{"control API by name", strings.Replace(base, "127.0.0.1", "localhost", 1) + "/api/tokens", "wabi's own listener"},
		{"metadata service", "http://169.254.169.254/latest/meta-data/", "link-local"},
		{"a receiver that answers something else", secret.URL + "/hook", "does not match challenge"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			status, body := call(t, "POST", base+"/v23.0/"+tb.app+"/subscriptions", tb.token, form(c.callback))
			if status != 400 || !strings.Contains(body, `"code":2200`) || !strings.Contains(body, c.want) {
				t.Fatalf("subscribe %s: %d %s, want 400 code 2200 saying %q", c.callback, status, body, c.want)
			}
			if strings.Contains(body, tokenA) || strings.Contains(body, "internal-secret") || strings.Contains(body, `\"token\"`) {
				t.Fatalf("the 2200 error quotes what the callback answered: %s", body)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("a refused callback took %s; it must not be dialled", time.Since(start))
			}
			// The same through a WABA's override callback URL.
			status, body = call(t, "POST", base+"/v23.0/"+tb.waba+"/subscribed_apps", tb.token,
				url.Values{"override_callback_uri": {c.callback}, "verify_token": {"x"}}.Encode())
			if status != 400 || !strings.Contains(body, `"code":2200`) || strings.Contains(body, tokenA) || strings.Contains(body, "internal-secret") {
				t.Fatalf("override %s: %d %s", c.callback, status, body)
			}
		})
	}

	// A developer's receiver on loopback is still the common case, and works.
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Query().Get("hub.challenge"))
	}))
	defer good.Close()
	if status, body := call(t, "POST", base+"/v23.0/"+tb.app+"/subscriptions", tb.token, form(good.URL)); status != 200 {
		t.Fatalf("subscribe a loopback receiver: %d %s", status, body)
	}
}

// TestWebhookTargetsPublic shows the operator policy for shared deployments:
// with WABI_WEBHOOK_TARGETS=public a loopback receiver is refused unless
// WABI_WEBHOOK_ALLOW lists it.
func TestWebhookTargetsPublic(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Query().Get("hub.challenge"))
	}))
	defer receiver.Close()
	subscribe := func(base string) (int, string) {
		tb := newTenant(t, base)
		return call(t, "POST", base+"/v23.0/"+tb.app+"/subscriptions", tb.token, url.Values{
			"object": {"whatsapp_business_account"}, "callback_url": {receiver.URL}, "verify_token": {"x"}, "fields": {"messages"}}.Encode())
	}

	strict := startWabi(t, map[string]string{"WABI_WEBHOOK_TARGETS": "public"})
	if status, body := subscribe(strict); status != 400 || !strings.Contains(body, "allow it with WABI_WEBHOOK_ALLOW") {
		t.Fatalf("public only: %d %s", status, body)
	}
	allowed := startWabi(t, map[string]string{"WABI_WEBHOOK_TARGETS": "public", "WABI_WEBHOOK_ALLOW": "127.0.0.1/32"})
	if status, body := subscribe(allowed); status != 200 {
		t.Fatalf("public with the receiver allowed: %d %s", status, body)
	}
}
