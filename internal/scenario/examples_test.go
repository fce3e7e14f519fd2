package scenario

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestExamplesMakeTheirWorld loads every example of docs/scenarios into a
// fresh wabi and checks the world against the file itself: every business,
// number, app, token, template, phone, limit and fault is there as written,
// the tokens work against the Cloud API, the On-Premises admins log in, and a
// second apply changes nothing. Webhook URLs (*_WEBHOOK_URL) point at a test
// receiver; every other variable takes the file's default.
func TestExamplesMakeTheirWorld(t *testing.T) {
	files, err := filepath.Glob("../../docs/scenarios/*")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %q, %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			w := mustWorld(t, "")
			rc := mustReceiver(t, "example-verify", "")
			getenv := func(k string) string {
				switch {
				case strings.HasSuffix(k, "_WEBHOOK_URL"):
					return rc.srv.URL + "/" + strings.ToLower(k)
				case strings.HasSuffix(k, "_VERIFY_TOKEN"):
					return "example-verify"
				}
				return ""
			}
			s, err := Load(f, getenv)
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.applier.Apply(context.Background(), s, filepath.Base(f))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) > 0 || len(res.Pending()) > 0 {
				t.Errorf("warnings %q, pending %q", res.Warnings, res.Pending())
			}
			w.checkWorld(t, s, res)
			again, err := w.applier.Apply(context.Background(), s, filepath.Base(f))
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Changes) > 0 {
				t.Errorf("applied again, the example changed %q", again.Changes)
			}
		})
	}
}

// checkWorld checks that wabi holds what the scenario says, as res names it.
func (w *world) checkWorld(t *testing.T, s *Scenario, res *Result) {
	t.Helper()
	ctx := context.Background()
	get := func(path string, header map[string]string) string {
		t.Helper()
		status, body := w.do(t, "GET", path, header, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		return body
	}
	apiFaults := false
	for _, f := range s.Faults {
		apiFaults = apiFaults || f.Kind == "api_error" || f.Kind == "api_timeout"
	}
	for i, b := range s.Businesses {
		br := res.Businesses[i]
		if got, err := w.Store.Business(ctx, br.ID); err != nil || got.Name != b.Name {
			t.Errorf("business %s: %+v, %v", b.Name, got, err)
		}
		if b.MessagingLimit != "" || b.Verified {
			body := get("/api/businesses/"+br.ID+"/messaging_limit", nil)
			if b.MessagingLimit != "" && field(t, body, "messaging_limit") != b.MessagingLimit {
				t.Errorf("business %s: messaging limit %s", b.Name, body)
			}
			if b.Verified && field(t, body, "verified") != "true" {
				t.Errorf("business %s: not verified: %s", b.Name, body)
			}
		}
		var cloudNumber string
		for j, waba := range b.WABAs {
			wr := br.WABAs[j]
			if waba.Limits != nil {
				checkLimits(t, get("/api/wabas/"+wr.ID+"/limits", nil), waba.Limits, "WABA "+waba.Name)
			}
			for k, n := range waba.Numbers {
				id := res.Numbers[Digits(n.PhoneNumber)]
				pn, err := w.Store.PhoneNumber(ctx, id)
				if err != nil || pn.WABAID != wr.ID || pn.VerifiedName != n.VerifiedName || wr.Numbers[k].ID != id {
					t.Errorf("number %s: %+v, %v", n.PhoneNumber, pn, err)
					continue
				}
				platform := n.PlatformType
				if platform == "" {
					platform = "CLOUD_API"
					cloudNumber = cmpOr(cloudNumber, id)
				}
				if string(pn.Platform) != platform {
					t.Errorf("number %s is on %s, not %s", n.PhoneNumber, pn.Platform, platform)
				}
				if n.QualityRating != "" {
					if body := get("/api/phone_numbers/"+id+"/quality", nil); field(t, body, "quality_rating") != n.QualityRating {
						t.Errorf("number %s: quality %s", n.PhoneNumber, body)
					}
				}
				if n.Limits != nil {
					checkLimits(t, get("/api/phone_numbers/"+id+"/limits", nil), n.Limits, "number "+n.PhoneNumber)
				}
				if n.OnPrem != nil {
					w.checkDeployment(t, id, n.OnPrem, wr.Numbers[k].APIKey)
				}
			}
			templates, _ := w.Store.Templates(ctx, wr.ID)
			for _, tp := range waba.Templates {
				want := cmpOr(tp.Status, wabi.TemplateApproved)
				i := slices.IndexFunc(templates, func(x *wabi.Template) bool { return x.Name == tp.Name && x.Language == tp.Language })
				if i < 0 || templates[i].Status != want {
					t.Errorf("template %s %s: want it %s, wabi has %+v", tp.Name, tp.Language, want, templates)
				}
			}
		}
		for j, a := range b.Apps {
			app, err := w.Store.App(ctx, br.Apps[j].ID)
			if err != nil || app.Name != a.Name || (a.Secret != "" && app.Secret != a.Secret) {
				t.Errorf("app %s: %+v, %v", a.Name, app, err)
				continue
			}
			if a.Webhook != nil && app.CallbackURL != a.Webhook.CallbackURL {
				t.Errorf("app %s: callback URL %q, want %q", a.Name, app.CallbackURL, a.Webhook.CallbackURL)
			}
			for _, name := range a.SubscribedWABAs {
				wabaID := br.WABAs[slices.IndexFunc(b.WABAs, func(x WABA) bool { return x.Name == name })].ID
				if body := get("/api/wabas/"+wabaID+"/subscribed_apps", nil); !strings.Contains(body, `"id":"`+app.ID+`"`) {
					t.Errorf("app %s is not subscribed to %s: %s", a.Name, name, body)
				}
			}
		}
		for j, tk := range b.Tokens {
			value := br.Tokens[j].Token
			if tk.Token != "" && value != tk.Token {
				t.Errorf("token %s: %q", tk.Name, value)
			}
			c, err := w.P.Authenticate(ctx, value)
			if err != nil || c.Token.BusinessID != br.ID {
				t.Errorf("token %s does not reach its business: %+v, %v", tk.Name, c, err)
				continue
			}
			// A send through the Cloud API, to a phone of the file, unless the
			// example makes the Graph API fail on purpose.
			if cloudNumber != "" && len(s.Phones) > 0 && !apiFaults && (len(tk.Scopes) == 0 || slices.Contains(tk.Scopes, wabi.ScopeMessaging)) {
				if status, body := w.sendText(t, value, cloudNumber, s.Phones[0].WaID); status != http.StatusOK {
					t.Errorf("token %s cannot send: %d %s", tk.Name, status, body)
				}
			}
		}
	}
	total := 0
	for _, p := range s.Phones {
		n := max(p.Count, 1)
		total += n
		first, _ := strconv.ParseUint(p.WaID, 10, 64)
		last := strconv.FormatUint(first+uint64(n)-1, 10)
		for i, waID := range []string{p.WaID, last} {
			vp, err := w.Store.VirtualPhone(ctx, waID)
			want := strings.ReplaceAll(p.ProfileName, "{n}", strconv.Itoa([]int{1, n}[i]))
			if err != nil || vp.ProfileName != want || !samePhone(phoneOf(vp), want, p.Behaviour) {
				t.Errorf("phone %s: %+v, %v; want %q with %+v", waID, vp, err, want, p.Behaviour)
			}
		}
	}
	if res.Phones != total {
		t.Errorf("result counts %d phones, the file has %d", res.Phones, total)
	}
	if len(s.Faults) > 0 {
		body := get("/api/faults", nil)
		var l struct{ Data []apiFault }
		_ = json.Unmarshal([]byte(body), &l)
		if len(l.Data) != len(s.Faults) || len(res.Faults) != len(s.Faults) {
			t.Errorf("%d faults in the file, %d in the result, wabi has %s", len(s.Faults), len(res.Faults), body)
		}
		for i, f := range s.Faults {
			if i < len(l.Data) && (l.Data[i].Kind != f.Kind || !isScenarioFault(l.Data[i])) {
				t.Errorf("fault %d: %+v, want a tagged %s", i, l.Data[i], f.Kind)
			}
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func phoneOf(vp *wabi.VirtualPhone) apiPhone {
	var p apiPhone
	p.WaID, p.ProfileName = vp.WaID, vp.ProfileName
	p.Behaviour.DeliveryDelay = time.Duration(vp.Behaviour.DeliveryDelay).String()
	p.Behaviour.ReadDelay = time.Duration(vp.Behaviour.ReadDelay).String()
	p.Behaviour.AutoRead, p.Behaviour.Offline, p.Behaviour.NotOnWhatsApp = vp.Behaviour.AutoRead, vp.Behaviour.Offline, vp.Behaviour.NotOnWhatsApp
	return p
}

// checkLimits checks that a limits view has the file's override.
func checkLimits(t *testing.T, body string, l *Limits, what string) {
	t.Helper()
	var v struct {
		Override map[string]any `json:"override"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%s: limits %s", what, body)
	}
	want, _ := json.Marshal(l)
	if !sameLimits(v.Override, want) {
		t.Errorf("%s: override %v, want %s", what, v.Override, want)
	}
}

// checkDeployment logs in to an On-Premises deployment with the file's
// password and checks its webhook URL and API key.
func (w *world) checkDeployment(t *testing.T, id string, o *OnPrem, apiKey string) {
	t.Helper()
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+o.AdminPassword))
	status, body := w.do(t, "POST", "/onprem/"+id+"/v1/users/login", map[string]string{"Authorization": basic}, "")
	if status != http.StatusOK {
		t.Fatalf("deployment %s: login with the file's password: %d %s", id, status, body)
	}
	bearer := map[string]string{"Authorization": "Bearer " + field(t, body, "users.0.token")}
	if _, body := w.do(t, "GET", "/onprem/"+id+"/v1/settings/application", bearer, ""); field(t, body, "settings.application.webhooks.url") != o.WebhookURL {
		t.Errorf("deployment %s: settings %s, want webhook %s", id, body, o.WebhookURL)
	}
	if status, body := w.do(t, "GET", "/onprem/"+id+"/v1/health", map[string]string{"Authorization": "Apikey " + apiKey}, ""); status != http.StatusOK {
		t.Errorf("deployment %s: the result's API key does not read its health: %d %s", id, status, body)
	}
}
