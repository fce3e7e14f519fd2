package scenario

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// ciWorld is the world of a bot's CI suite, with a partner's On-Premises
// number beside it. {HOOK} is the test receiver's URL.
const ciWorld = `
businesses:
  - name: Acme
    wabas:
      - name: Support
        numbers:
          - phone_number: +1 555-010-7788
            verified_name: Acme Support
          - phone_number: "15550107789"
            verified_name: Acme Legacy
            platform_type: ON_PREMISE
            onprem:
              admin_password: Legacy-Pass-2026!
              webhook_url: ${HOOK}/onprem
        templates:
          - name: order_ready
            language: en_US
            category: UTILITY
            components: [{type: BODY, text: "Order {{1}} is ready."}]
          - name: spring_sale
            language: en
            category: MARKETING
            status: REJECTED
            components: [{type: BODY, text: "20% off everything."}]
    apps:
      - name: Bot
        secret: bot-secret-0123456789
        webhook:
          callback_url: ${HOOK}/hook
          verify_token: ci-verify
          fields: [messages]
        subscribed_wabas: [Support]
    tokens:
      - token: ci-token-0123456789
        name: ci
        app: Bot
        wabas: [Support]
phones:
  - wa_id: "15550002001"
    profile_name: Ann
  - wa_id: "15550300000"
    count: 3
    profile_name: Load {n}
    behaviour: {delivery_delay: 50ms, auto_read: false}
`

func hookEnv(rc *receiver) func(string) string {
	return func(k string) string {
		if k == "HOOK" {
			return rc.srv.URL
		}
		return ""
	}
}

// TestApplyMakesTheWorld: a scenario makes every object it names, with the
// values it gives, and a CI suite can use them at once: the token sends
// through the Cloud API, the webhooks arrive signed with the app's secret,
// the On-Premises admin logs in with the file's password.
func TestApplyMakesTheWorld(t *testing.T) {
	w := mustWorld(t, "")
	rc := mustReceiver(t, "ci-verify", "bot-secret-0123456789")
	res := w.mustApply(t, ciWorld, hookEnv(rc))
	ctx := context.Background()

	if len(res.Businesses) != 1 || len(res.Businesses[0].WABAs) != 1 {
		t.Fatalf("result = %+v", res)
	}
	b := res.Businesses[0]
	if got, err := w.Store.Business(ctx, b.ID); err != nil || got.Name != "Acme" {
		t.Errorf("business %s = %+v, %v", b.ID, got, err)
	}
	waba := b.WABAs[0]
	cloudID, onpremID := res.Numbers["15550107788"], res.Numbers["15550107789"]
	for _, id := range []string{cloudID, onpremID} {
		if pn, err := w.Store.PhoneNumber(ctx, id); err != nil || pn.WABAID != waba.ID || !pn.Registered {
			t.Errorf("number %s = %+v, %v", id, pn, err)
		}
	}
	if got := []string{waba.Numbers[0].ID, waba.Numbers[1].PlatformType}; !slices.Equal(got, []string{cloudID, "ON_PREMISE"}) {
		t.Errorf("numbers = %+v", waba.Numbers)
	}

	app := b.Apps[0]
	if stored, err := w.Store.App(ctx, app.ID); err != nil || stored.Secret != "bot-secret-0123456789" ||
		stored.CallbackURL != rc.srv.URL+"/hook" || !slices.Equal(stored.Fields, []string{"messages"}) {
		t.Errorf("app = %+v, %v", stored, err)
	}
	if app.Secret != "bot-secret-0123456789" || app.Webhook != "verified" {
		t.Errorf("app result = %+v", app)
	}
	if _, body := w.do(t, "GET", "/api/wabas/"+waba.ID+"/subscribed_apps", nil, ""); field(t, body, "data.0.app.id") != app.ID {
		t.Errorf("subscribed apps = %s", body)
	}

	if b.Tokens[0].Token != "ci-token-0123456789" {
		t.Errorf("tokens = %+v", b.Tokens)
	}
	status, body := w.sendText(t, "ci-token-0123456789", cloudID, "15550002001")
	if status != http.StatusOK {
		t.Fatalf("send with the scenario's token: %d %s", status, body)
	}
	rc.waitBody(t, field(t, body, "messages.0.id"))
	if status, body := w.sendText(t, "ci-token-0123456789", w.Demo.Phone.ID, "15550002001"); status == http.StatusOK {
		t.Errorf("the token reaches the demo business's number: %s", body)
	}

	templates := map[string]string{}
	for _, tp := range waba.Templates {
		templates[tp.Name] = tp.Status
	}
	if templates["order_ready"] != "APPROVED" || templates["spring_sale"] != "REJECTED" {
		t.Errorf("templates = %+v", waba.Templates)
	}

	if res.Phones != 4 {
		t.Errorf("phones = %d, want 4", res.Phones)
	}
	vp, err := w.Store.VirtualPhone(ctx, "15550300002")
	if err != nil || vp.ProfileName != "Load 3" || vp.Behaviour.AutoRead || time.Duration(vp.Behaviour.DeliveryDelay) != 50*time.Millisecond {
		t.Errorf("phone 15550300002 = %+v, %v", vp, err)
	}
	if vp, err := w.Store.VirtualPhone(ctx, "15550002001"); err != nil || !vp.Behaviour.AutoRead {
		t.Errorf("phone 15550002001 = %+v, %v: a phone without a behaviour reads what it gets", vp, err)
	}

	// The partner's deployment: the file's password logs in, its webhook URL
	// is set, its API key is in the result.
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:Legacy-Pass-2026!"))
	status, body = w.do(t, "POST", "/onprem/"+onpremID+"/v1/users/login", map[string]string{"Authorization": basic}, "")
	if status != http.StatusOK {
		t.Fatalf("login with the file's password: %d %s", status, body)
	}
	bearer := map[string]string{"Authorization": "Bearer " + field(t, body, "users.0.token")}
	if _, body := w.do(t, "GET", "/onprem/"+onpremID+"/v1/settings/application", bearer, ""); field(t, body, "settings.application.webhooks.url") != rc.srv.URL+"/onprem" {
		t.Errorf("settings = %s", body)
	}
	if _, body := w.do(t, "GET", "/api/phone_numbers/"+onpremID+"/onprem_api_key", nil, ""); waba.Numbers[1].APIKey == "" || field(t, body, "api_key") != waba.Numbers[1].APIKey {
		t.Errorf("api key %q, control API %s", waba.Numbers[1].APIKey, body)
	}

	if len(res.Changes) == 0 || len(res.Warnings) != 0 || len(res.Pending()) != 0 {
		t.Errorf("changes %q, warnings %q, pending %q", res.Changes, res.Warnings, res.Pending())
	}
}

// TestApplyAgainChangesNothing: a scenario applied to the world it made finds
// every object by its key, changes nothing and answers the same ids.
func TestApplyAgainChangesNothing(t *testing.T) {
	w := mustWorld(t, "")
	rc := mustReceiver(t, "ci-verify", "bot-secret-0123456789")
	first := w.mustApply(t, ciWorld, hookEnv(rc))
	counts := func() map[string]int {
		out := map[string]int{}
		for _, path := range []string{"/api/businesses", "/api/wabas", "/api/phone_numbers", "/api/apps", "/api/tokens", "/api/templates", "/api/phones"} {
			_, body := w.do(t, "GET", path, nil, "")
			var l struct{ Data []json.RawMessage }
			_ = json.Unmarshal([]byte(body), &l)
			out[path] = len(l.Data)
		}
		return out
	}
	before := counts()
	second := w.mustApply(t, ciWorld, hookEnv(rc))
	if len(second.Changes) != 0 || len(second.Warnings) != 0 {
		t.Errorf("the second apply changed %q, warned %q", second.Changes, second.Warnings)
	}
	first.Changes, second.Changes = nil, nil
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if string(a) != string(b) {
		t.Errorf("results differ:\n%s\n%s", a, b)
	}
	if after := counts(); !equalMaps(before, after) {
		t.Errorf("objects before %v, after %v", before, after)
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestApplyBringsChangesInLine: an edited file changes what the APIs can
// change, and warns of what they cannot.
func TestApplyBringsChangesInLine(t *testing.T) {
	w := mustWorld(t, "")
	rc := mustReceiver(t, "ci-verify", "bot-secret-0123456789")
	first := w.mustApply(t, ciWorld, hookEnv(rc))
	edited := strings.NewReplacer(
		"verified_name: Acme Support", "verified_name: Acme Help",
		"status: REJECTED", "status: APPROVED",
		"fields: [messages]", "fields: [messages, message_template_status_update]",
		"wabas: [Support]\nphones", "wabas: [Support]\n        scopes: [whatsapp_business_messaging]\nphones",
		"auto_read: false", "auto_read: true",
	).Replace(ciWorld)
	if edited == ciWorld {
		t.Fatal("the edit changed nothing")
	}
	res := w.mustApply(t, edited, hookEnv(rc))
	for _, want := range []string{
		"set template spring_sale en to APPROVED",
		"set the webhook of app Bot to " + rc.srv.URL + "/hook",
		`issued token "ci" again with the file's app, WABAs and scopes`,
		"changed 3 virtual phones",
	} {
		if !slices.Contains(res.Changes, want) {
			t.Errorf("changes %q lack %q", res.Changes, want)
		}
	}
	if len(res.Changes) != 4 {
		t.Errorf("changes = %q", res.Changes)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `number +15550107788 keeps its verified name "Acme Support"; the file says "Acme Help"`) {
		t.Errorf("warnings = %q", res.Warnings)
	}
	ctx := context.Background()
	tok, err := w.Store.Token(ctx, "ci-token-0123456789")
	if err != nil || !slices.Equal(tok.Scopes, []string{"whatsapp_business_messaging"}) || tok.WABAIDs[0] != first.Businesses[0].WABAs[0].ID {
		t.Errorf("token = %+v, %v", tok, err)
	}
	if status, body := w.sendText(t, "ci-token-0123456789", res.Numbers["15550107788"], "15550002001"); status != http.StatusOK {
		t.Errorf("the token issued again does not send: %d %s", status, body)
	}
	if vp, _ := w.Store.VirtualPhone(ctx, "15550300000"); !vp.Behaviour.AutoRead {
		t.Errorf("phone = %+v", vp)
	}
	if app, _ := w.Store.App(ctx, res.Businesses[0].Apps[0].ID); !slices.Contains(app.Fields, "message_template_status_update") {
		t.Errorf("app fields = %q", app.Fields)
	}
}

// TestApplyRefusals: what the control API refuses stops the apply with an
// error naming the file, the item and the API's words.
func TestApplyRefusals(t *testing.T) {
	w := mustWorld(t, "")
	for _, tt := range []struct{ name, file, want string }{
		{"a bad verified name", `businesses: [{name: A, wabas: [{name: W, numbers: [{phone_number: "15550107788", verified_name: x}]}]}]`,
			`test.yaml: businesses[0].wabas[0].numbers[0] (number 15550107788): POST /api/phone_numbers: 400 invalid_parameter: Param verified_name must be 2 to 75 characters long.`},
		{"a weak app secret", `businesses: [{name: A, apps: [{name: Bot, secret: short}]}]`,
			`test.yaml: businesses[0].apps[0] (app Bot): POST /api/apps: 400 invalid_parameter: Param secret must be 16 to 128 characters long (it has 5).`},
		{"a template the rules refuse", `businesses: [{name: A, wabas: [{name: W, templates: [{name: Bad-Name, language: en, category: UTILITY, components: [{type: BODY, text: hi}]}]}]}]`,
			`test.yaml: businesses[0].wabas[0].templates[0] (template Bad-Name en): POST /api/templates: 400`},
		{"a component field the API does not know", `businesses: [{name: A, wabas: [{name: W, templates: [{name: t, language: en, category: UTILITY, components: [{type: BODY, txt: hi}]}]}]}]`,
			`test.yaml: businesses[0].wabas[0].templates[0] (template t en): POST /api/templates: 400 invalid_parameter`},
		{"the demo's token value in another business", `businesses: [{name: A, tokens: [{name: x, token: "` + w.Demo.Token.Value + `"}]}]`,
			`test.yaml: businesses[0].tokens[0] (token x): the token's value is in use by another business (` + w.Demo.Business.ID + `)`},
		{"the demo's number in another WABA", `businesses: [{name: A, wabas: [{name: W, numbers: [{phone_number: "+` + w.Demo.Phone.DisplayPhoneNumber + `", verified_name: Mine}]}]}]`,
			`(number +` + w.Demo.Phone.DisplayPhoneNumber + `): the number exists in another WABA (` + w.Demo.WABA.ID + `), and wabi does not move numbers between WABAs`},
		{"a bad phone delay", `phones: [{wa_id: "15550002009", behaviour: {delivery_delay: soon}}]`,
			`test.yaml: phones[0] (phone 15550002009): PUT /api/phones/15550002009: 400`},
		{"a fault on a number wabi does not have", `faults: [{phone_number: "+1 555 999 0000", kind: delivery_failed}]`,
			`test.yaml: faults[0] (fault delivery_failed): wabi has no business number +15559990000`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("test.yaml", []byte(tt.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.applier.Apply(context.Background(), s, "test.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to hold %q", err, tt.want)
			}
		})
	}
}

// TestApplyKeepsTheAppSecret: an app that exists with another secret is an
// error, not a silent mismatch of webhook signatures.
func TestApplyKeepsTheAppSecret(t *testing.T) {
	w := mustWorld(t, "")
	w.mustApply(t, `businesses: [{name: A, apps: [{name: Bot, secret: first-secret-0123456789}]}]`, nil)
	s, _ := Parse("test.yaml", []byte(`businesses: [{name: A, apps: [{name: Bot, secret: other-secret-0123456789}]}]`), nil)
	_, err := w.applier.Apply(context.Background(), s, "test.yaml")
	if err == nil || !strings.Contains(err.Error(), "businesses[0].apps[0].secret (app Bot): the app exists with another secret") {
		t.Errorf("error = %v", err)
	}
}

// TestApplyWaitsForTheReceiver: a receiver that is not up when the scenario
// is applied gets its webhook once it answers the handshake.
func TestApplyWaitsForTheReceiver(t *testing.T) {
	w := mustWorld(t, "")
	rc := mustReceiver(t, "ci-verify", "bot-secret-0123456789")
	rc.ready.Store(false)
	res := w.mustApply(t, ciWorld, hookEnv(rc))
	if !slices.Equal(res.Pending(), []string{"Bot"}) || res.Businesses[0].Apps[0].Webhook != "pending" {
		t.Fatalf("pending = %q, apps = %+v", res.Pending(), res.Businesses[0].Apps)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "did not answer the webhook handshake yet") {
		t.Errorf("warnings = %q", res.Warnings)
	}
	appID := res.Businesses[0].Apps[0].ID
	if app, _ := w.Store.App(context.Background(), appID); app.CallbackURL != "" {
		t.Fatalf("callback URL set without a handshake: %q", app.CallbackURL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.applier.Retry(ctx, res, time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	rc.ready.Store(true)
	waitFor(t, "the webhook to be set", func() bool {
		app, _ := w.Store.App(context.Background(), appID)
		return app.CallbackURL == rc.srv.URL+"/hook"
	})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Retry did not return once every webhook was set")
	}
}

// TestApplyWithAdminKey: the applier carries the control API's admin key.
func TestApplyWithAdminKey(t *testing.T) {
	const key = "a-strong-admin-key-0123456789"
	w := mustWorld(t, key)
	w.mustApply(t, `businesses: [{name: Keyed}]`, nil)
	w.applier.AdminKey = "wrong-key-0123456789"
	s, _ := Parse("test.yaml", []byte(`businesses: [{name: Keyed}]`), nil)
	if _, err := w.applier.Apply(context.Background(), s, "test.yaml"); err == nil || !strings.Contains(err.Error(), "401 unauthenticated") {
		t.Errorf("error = %v", err)
	}
}
