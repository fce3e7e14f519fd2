package cloudapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
)

// TestAppSubscriptions sets an app's webhook through Graph: the handshake must
// pass, and the app access token works as at Meta.
func TestAppSubscriptions(t *testing.T) {
	s := mustStack(t)
	app := s.demo.App
	appToken := app.ID + "|" + app.Secret
	form := func(v url.Values) string { return v.Encode() }
	post := func(token, body string) (int, []byte) {
		req, _ := http.NewRequest("POST", s.api.URL+"/v24.0/"+app.ID+"/subscriptions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	tests := []struct {
		name   string
		token  string
		body   string
		status int
	}{
		{"ok_app_token", appToken, form(url.Values{"object": {"whatsapp_business_account"}, "callback_url": {s.receiver.srv.URL + "/hooks"}, "verify_token": {"verify-me"}, "fields": {"messages,message_template_status_update"}}), 200},
		{"ok_system_user_token", s.demo.Token.Value, form(url.Values{"object": {"whatsapp_business_account"}, "callback_url": {s.receiver.srv.URL}, "verify_token": {"verify-me"}, "fields": {"messages"}}), 200},
		{"handshake_fails", appToken, form(url.Values{"object": {"whatsapp_business_account"}, "callback_url": {s.receiver.srv.URL}, "verify_token": {"wrong"}, "fields": {"messages"}}), 400},
		{"unreachable_callback", appToken, form(url.Values{"object": {"whatsapp_business_account"}, "callback_url": {"http://127.0.0.1:1/hook"}, "verify_token": {"verify-me"}}), 400},
		{"wrong_object", appToken, form(url.Values{"object": {"page"}, "callback_url": {s.receiver.srv.URL}}), 400},
		{"bad_app_secret", app.ID + "|nope", form(url.Values{"object": {"whatsapp_business_account"}, "callback_url": {s.receiver.srv.URL}}), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.token, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
			body = []byte(strings.ReplaceAll(string(normalize(body)), s.receiver.srv.URL, "http://receiver"))
			golden.Assert(t, "testdata/subscriptions/"+tt.name+".json", body)
		})
	}

	status, body := s.call("GET", "/v24.0/"+app.ID+"/subscriptions", appToken, "")
	if status != 200 {
		t.Fatalf("GET subscriptions: %d %s", status, body)
	}
	golden.Assert(t, "testdata/subscriptions/get.json", []byte(strings.ReplaceAll(string(body), s.receiver.srv.URL, "http://receiver")))

	// Deleting the messages field stops message webhooks.
	if status, body := s.call("DELETE", "/v24.0/"+app.ID+"/subscriptions?fields=messages", appToken, ""); status != 200 {
		t.Fatalf("DELETE subscriptions: %d %s", status, body)
	}
	a, err := s.p.App(context.Background(), platform.Admin, app.ID)
	if err != nil || a.Subscribed("messages") {
		t.Fatalf("app after delete: %+v %v", a, err)
	}
}

// TestSubscribedApps attaches and detaches the token's app to the WABA.
func TestSubscribedApps(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	waba := "/v23.0/" + s.demo.WABA.ID + "/subscribed_apps"
	tok := s.demo.Token.Value

	status, body := s.call("GET", waba, tok, "")
	if status != 200 {
		t.Fatalf("GET: %d %s", status, body)
	}
	golden.Assert(t, "testdata/subscriptions/subscribed_apps.json", normalize([]byte(strings.ReplaceAll(string(body), s.demo.App.ID, "APP"))))

	if status, body := s.call("DELETE", waba, tok, ""); status != 200 {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	if subs, _ := s.p.SubscribedApps(ctx, platform.Admin, s.demo.WABA.ID); len(subs) != 0 {
		t.Fatalf("after DELETE still subscribed: %+v", subs)
	}
	// With no subscriber, an inbound message queues no webhook.
	s.customerSays("anyone?")
	if ds, _ := s.store.PendingDeliveries(ctx); len(ds) != 0 {
		t.Fatalf("deliveries queued without a subscriber: %d", len(ds))
	}

	if status, body := s.call("POST", waba, tok, `{"override_callback_uri":"`+s.receiver.srv.URL+`/waba","verify_token":"verify-me"}`); status != 200 {
		t.Fatalf("POST with override: %d %s", status, body)
	}
	in := s.customerSays("override?")
	s.waitEvents(in.ID, 1)

	if status, body := s.call("POST", waba, tok, `{"override_callback_uri":"`+s.receiver.srv.URL+`","verify_token":"nope"}`); status != 400 || !strings.Contains(string(body), "2200") {
		t.Fatalf("override failing the handshake: %d %s", status, body)
	}

	other, _ := s.p.CreateBusiness(ctx, "Other")
	otherTok, _ := s.p.CreateToken(ctx, platform.NewToken{BusinessID: other.ID})
	if status, _ := s.call("GET", waba, otherTok.Value, ""); status != 400 {
		t.Fatalf("foreign token listing subscribed apps: %d, want 400", status)
	}
}
