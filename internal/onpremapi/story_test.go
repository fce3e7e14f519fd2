package onpremapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestStoryOnPremToCloud is a partner's whole journey: a new On-Premises number
// is logged in to, registered and set up; it sends a template and a text and
// gets a reply on its webhook; it is backed up and migrated to the Cloud API,
// where the chat goes on with its history, profile and webhooks.
func TestStoryOnPremToCloud(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	pn, err := s.P.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: s.Demo.WABA.ID, Number: "15550004000",
		VerifiedName: "Story Shop", Platform: wabi.PlatformOnPrem})
	if err != nil {
		t.Fatal(err)
	}
	base := "/onprem/" + pn.ID

	// Two On-Premises numbers now: the root path cannot tell which is meant.
	r := s.login("", "admin", "secret", map[string]string{"new_password": newPassword})
	wantError(t, r, http.StatusBadRequest, 1009)

	// Log in: the default password must be changed first.
	wantError(t, s.login(base, "admin", "secret", nil), http.StatusUnauthorized, 1024)
	wantError(t, s.login(base, "admin", "secret", map[string]string{"new_password": "weak"}), http.StatusBadRequest, 1009)
	r = s.login(base, "admin", "secret", map[string]string{"new_password": newPassword})
	wantOK(t, r, http.StatusOK)
	tok := tokenOf(t, r)
	expires := r.body["users"].([]any)[0].(map[string]any)["expires_after"].(string)
	if want := s.Clock.Now().Add(7 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05-07:00"); expires != want {
		t.Errorf("expires_after = %q, want %q", expires, want)
	}
	wantError(t, s.login(base, "admin", "secret", nil), http.StatusUnauthorized, 1005)
	// The token works at the root too: it names its deployment.
	r = s.do("GET", "/v1/health", tok, nil)
	wantOK(t, r, http.StatusOK)
	if got := r.body["health"].(map[string]any)["gateway_status"]; got != "unregistered" {
		t.Errorf("gateway_status before registration = %v", got)
	}
	// Not sendable before registration.
	wantError(t, s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "hi"}}),
		http.StatusServiceUnavailable, 1011)

	// Register: request a code, read it off the simulated SIM, verify.
	cert := base64.StdEncoding.EncodeToString([]byte("vname certificate"))
	wantError(t, s.do("POST", "/v1/account", tok, map[string]any{"cc": "1", "phone_number": "5550009999", "method": "sms", "cert": cert}),
		http.StatusBadRequest, 1009)
	r = s.do("POST", "/v1/account", tok, map[string]any{"cc": "1", "phone_number": "5550004000", "method": "sms", "cert": cert})
	wantOK(t, r, http.StatusAccepted)
	if !strings.Contains(string(r.raw), `"vname":"Story Shop"`) {
		t.Errorf("account answer = %s", r.raw)
	}
	stored, err := s.Store.PhoneNumber(ctx, pn.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, s.do("POST", "/v1/account/verify", tok, map[string]string{"code": "000000"}), http.StatusBadRequest, 1009)
	wantOK(t, s.do("POST", "/v1/account/verify", tok, map[string]string{"code": stored.PendingCode}), http.StatusCreated)
	wantOK(t, s.do("POST", "/v1/account", tok, map[string]any{"cc": "1", "phone_number": "5550004000", "method": "sms", "cert": cert}), http.StatusCreated)

	// Settings: the webhook, sent statuses on, a PIN, a profile.
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{
		"webhooks": map[string]any{"url": s.rcv.srv.URL + "/onprem"}, "sent_status": true}), http.StatusOK)
	wantOK(t, s.do("POST", "/v1/settings/account/two-step", tok, map[string]string{"pin": "123456"}), http.StatusOK)
	wantOK(t, s.do("PATCH", "/v1/settings/profile/about", tok, map[string]string{"text": "Plants since 1999"}), http.StatusOK)
	wantOK(t, s.do("POST", "/v1/settings/business/profile", tok, map[string]any{"vertical": "Restaurant", "email": "shop@example.com"}), http.StatusOK)

	// A template, then a reply from the customer, then a text.
	tpl := map[string]any{"namespace": s.Demo.WABA.Namespace, "name": "hello_world", "language": map[string]string{"policy": "deterministic", "code": "en_US"}}
	wantError(t, s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "type": "template",
		"template": map[string]any{"name": "hello_world", "language": map[string]string{"code": "en_US"}}}), http.StatusBadRequest, 2014)
	r = s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "type": "template", "template": tpl})
	wantOK(t, r, http.StatusOK)
	tplID := r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
	s.rcv.waitFor(t, `"statuses"`, tplID, `"status":"sent"`)
	s.rcv.waitFor(t, tplID, `"status":"read"`)

	in, err := s.Net.Send(ctx, platform.DemoCustomerNumber, pn.ID, &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "do you ship to Lisbon?"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.rcv.waitFor(t, `"messages"`, in.ID)
	if want := `{"contacts":[{"profile":{"name":"Alex Demo"},"wa_id":"` + platform.DemoCustomerNumber + `"}],"messages":[{"from":"` + platform.DemoCustomerNumber + `","id":"` + in.ID + `"`; !strings.HasPrefix(string(got.body), want) {
		t.Errorf("inbound webhook = %s\nwant prefix %s", got.body, want)
	}
	if got.header.Get("X-Hub-Signature-256") != "" {
		t.Error("On-Premises webhooks are not signed, but this one is")
	}
	wantOK(t, s.do("PUT", "/v1/messages/"+in.ID, tok, map[string]string{"status": "read"}), http.StatusOK)
	r = s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "preview_url": true,
		"text": map[string]string{"body": "Yes: https://example.com/shipping"}})
	wantOK(t, r, http.StatusOK)
	textID := r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
	s.rcv.waitFor(t, textID, `"status":"delivered"`)

	// The Cloud API refuses the number while it is On-Premises.
	cloudSend := map[string]any{"messaging_product": "whatsapp", "to": platform.DemoCustomerNumber, "text": map[string]string{"body": "from the cloud"}}
	r = s.do("POST", "/v23.0/"+pn.ID+"/messages", s.Demo.Token.Value, cloudSend)
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.raw), "On-Premises") && !strings.Contains(string(r.raw), "ON_PREMISE") {
		t.Fatalf("Cloud send on an On-Premises number: %d %s", r.status, r.raw)
	}

	// Step 1 of Meta's procedure: the number is added for migration; it is
	// already in the WABA, so that is the number itself.
	add := map[string]any{"cc": "1", "phone_number": "5550004000", "verified_name": "Story Shop"}
	if r := s.do("POST", "/v23.0/"+s.Demo.WABA.ID+"/phone_numbers", s.Demo.Token.Value, add); !strings.Contains(string(r.raw), "2388012") {
		t.Errorf("adding the number again without migrate_phone_number: %d %s", r.status, r.raw)
	}
	add["migrate_phone_number"] = true
	if r := s.do("POST", "/v23.0/"+s.Demo.WABA.ID+"/phone_numbers", s.Demo.Token.Value, add); r.status != 200 || !strings.Contains(string(r.raw), `"id":"`+pn.ID+`"`) {
		t.Errorf("adding the number for migration: %d %s", r.status, r.raw)
	}

	// Back up, then migrate with the backup and the two-step PIN.
	r = s.do("POST", "/v1/settings/backup", tok, map[string]string{"password": "backup-pass"})
	wantOK(t, r, http.StatusOK)
	data := r.body["settings"].(map[string]any)["data"].(string)
	cloudApps := newReceiver(t)
	if _, err := s.P.SetAppWebhook(ctx, platform.Admin, s.Demo.App.ID, platform.WebhookConfig{CallbackURL: cloudApps.srv.URL + "/cloud", VerifyToken: "vt"}); err != nil {
		t.Fatal(err)
	}
	register := func(pin, password string) resp {
		return s.do("POST", "/v23.0/"+pn.ID+"/register", s.Demo.Token.Value, map[string]any{"messaging_product": "whatsapp", "pin": pin,
			"backup": map[string]string{"data": data, "password": password}})
	}
	if r := register("123456", "wrong-pass"); r.status != http.StatusBadRequest || !strings.Contains(string(r.raw), "133002") {
		t.Fatalf("migration with a wrong backup password: %d %s", r.status, r.raw)
	}
	if r := register("654321", "backup-pass"); r.status != http.StatusBadRequest || !strings.Contains(string(r.raw), "133005") {
		t.Fatalf("migration with a wrong PIN: %d %s", r.status, r.raw)
	}
	s.Clock.Advance(time.Minute) // past the wait after a wrong PIN
	if r := register("123456", "backup-pass"); r.status != http.StatusOK {
		t.Fatalf("migration: %d %s", r.status, r.raw)
	}

	// The deployment is gone; the Cloud API serves the number.
	wantError(t, s.do("GET", "/v1/health", tok, nil), http.StatusUnauthorized, 1005)
	wantError(t, s.login(base, "admin", newPassword, nil), http.StatusForbidden, 1005)
	r = s.do("GET", "/v23.0/"+pn.ID+"?fields=platform_type,status", s.Demo.Token.Value, nil)
	if !strings.Contains(string(r.raw), `"platform_type":"CLOUD_API"`) {
		t.Errorf("number after migration: %s", r.raw)
	}
	r = s.do("GET", "/v23.0/"+pn.ID+"/whatsapp_business_profile?fields=about,vertical,email", s.Demo.Token.Value, nil)
	for _, want := range []string{`"about":"Plants since 1999"`, `"vertical":"RESTAURANT"`, `"email":"shop@example.com"`} {
		if !strings.Contains(string(r.raw), want) {
			t.Errorf("profile after migration lacks %s: %s", want, r.raw)
		}
	}
	r = s.do("POST", "/v23.0/"+pn.ID+"/messages", s.Demo.Token.Value, cloudSend)
	if r.status != http.StatusOK {
		t.Fatalf("Cloud send after migration: %d %s", r.status, r.raw)
	}
	in2, err := s.Net.Send(ctx, platform.DemoCustomerNumber, pn.ID, &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "thanks!"}}})
	if err != nil {
		t.Fatal(err)
	}
	cloudApps.waitFor(t, `"phone_number_id":"`+pn.ID+`"`, in2.ID, "thanks!")
	// Receive commits its deliveries before it returns: none is the deployment's.
	ds, err := s.Store.Deliveries(ctx, wabi.DeliveryFilter{MessageID: in2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) == 0 {
		t.Error("no delivery for the message sent after the migration")
	}
	for _, d := range ds {
		if d.Dialect != wabi.DialectCloud || d.TargetID != s.Demo.App.ID {
			t.Errorf("delivery %s after the migration goes to %s %s, want the Cloud app", d.ID, d.Dialect, d.TargetID)
		}
	}

	// The history is the number's: both APIs' messages are there.
	ms, err := s.Store.Messages(ctx, wabi.MessageFilter{PhoneNumberID: pn.ID})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range ms {
		ids[m.ID] = true
	}
	for _, id := range []string{tplID, in.ID, textID, in2.ID} {
		if !ids[id] {
			t.Errorf("message %s is not in the number's history after the migration", id)
		}
	}
}
