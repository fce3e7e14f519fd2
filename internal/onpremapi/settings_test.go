package onpremapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

func TestApplicationSettings(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	r := s.do("GET", "/v1/settings/application", tok, nil)
	wantOK(t, r, http.StatusOK)
	for _, want := range []string{`"callback_persist":true`, `"callback_backoff_delay_ms":3000`, `"max_callback_backoff_delay_ms":900000`,
		`"max_concurrent_requests":6`, `"sent_status":false`, `"wa_id":"` + onPremNumber + `"`, `"auto_download":["audio","document","voice","video","image","sticker"]`} {
		if !strings.Contains(string(r.raw), want) {
			t.Errorf("default settings lack %s: %s", want, r.raw)
		}
	}
	// A partial update keeps the rest; delays may be strings of digits.
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"callback_backoff_delay_ms": "5000",
		"webhooks": map[string]any{"url": "https://hooks.example.com/wa", "max_concurrent_requests": 12}}), http.StatusOK)
	r = s.do("GET", "/v1/settings/application", tok, nil)
	for _, want := range []string{`"callback_backoff_delay_ms":5000`, `"url":"https://hooks.example.com/wa"`, `"max_concurrent_requests":12`, `"delivered":true`} {
		if !strings.Contains(string(r.raw), want) {
			t.Errorf("patched settings lack %s: %s", want, r.raw)
		}
	}
	for name, patch := range map[string]map[string]any{
		"unknown field":   {"no_such_setting": true},
		"read-only wa_id": {"wa_id": "123"},
		"bad concurrency": {"webhooks": map[string]any{"max_concurrent_requests": 7}},
		"bad url":         {"webhooks": map[string]any{"url": "ftp://x"}},
		"wrong type":      {"sent_status": "yes"},
		"bad media kind":  {"media": map[string]any{"auto_download": []string{"gif"}}},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, s.do("PATCH", "/v1/settings/application", tok, patch), http.StatusBadRequest, 1009)
		})
	}
	wantOK(t, s.do("DELETE", "/v1/settings/application", tok, nil), http.StatusOK)
	r = s.do("GET", "/v1/settings/application", tok, nil)
	if strings.Contains(string(r.raw), "hooks.example.com") || !strings.Contains(string(r.raw), `"callback_backoff_delay_ms":3000`) {
		t.Errorf("settings after reset: %s", r.raw)
	}
}

func TestMediaProviders(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	s.openWindow()
	// A link server that wants a bearer token.
	img := pngBytes(t, 32)
	links := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(img)
	}))
	defer links.Close()

	wantError(t, s.do("POST", "/v1/settings/application/media/providers", tok, []map[string]any{{"name": "bad name!", "type": "www", "config": map[string]string{"bearer": "x"}}}), http.StatusBadRequest, 1009)
	wantOK(t, s.do("POST", "/v1/settings/application/media/providers", tok, []map[string]any{{"name": "cdn", "type": "www", "config": map[string]string{"bearer": "s3cret"}}}), http.StatusOK)
	r := s.do("GET", "/v1/settings/application/media/providers", tok, nil)
	if !strings.Contains(string(r.raw), `"providers":[{"name":"cdn","type":"www","config":{"bearer":"s3cret"}}]`) {
		t.Errorf("providers: %s", r.raw)
	}

	send := func(provider string) string {
		img := map[string]any{"link": links.URL + "/pic.png"}
		if provider != "" {
			img["provider"] = map[string]string{"name": provider}
		}
		r := s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "type": "image", "image": img})
		wantOK(t, r, http.StatusOK)
		return r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
	}
	withAuth, without := send("cdn"), send("")
	for id, want := range map[string]wabi.Status{withAuth: wabi.StatusAccepted, without: wabi.StatusFailed} {
		m, err := s.Store.Message(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if (want == wabi.StatusFailed) != (m.Status == wabi.StatusFailed) {
			t.Errorf("message %s status %s, want failed = %v", id, m.Status, want == wabi.StatusFailed)
		}
	}
	wantOK(t, s.do("DELETE", "/v1/settings/application/media/providers/cdn", tok, nil), http.StatusOK)
	wantError(t, s.do("DELETE", "/v1/settings/application/media/providers/cdn", tok, nil), http.StatusNotFound, 1006)
}

func TestBusinessProfile(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	wantOK(t, s.do("POST", "/v1/settings/business/profile", tok, map[string]any{"address": "1 Main St", "description": "Plants",
		"email": "hi@example.com", "vertical": "Shopping and Retail", "websites": []string{"https://example.com"}}), http.StatusOK)
	r := s.do("GET", "/v1/settings/business/profile", tok, nil)
	if want := `"settings":{"business":{"profile":{"address":"1 Main St","description":"Plants","email":"hi@example.com","vertical":"Shopping and Retail","websites":["https://example.com"]}}}`; !strings.Contains(string(r.raw), want) {
		t.Errorf("profile: %s\nwant %s", r.raw, want)
	}
	// Partial: only the address changes.
	wantOK(t, s.do("POST", "/v1/settings/business/profile", tok, map[string]any{"address": "2 Main St"}), http.StatusOK)
	prof, err := s.P.BusinessProfile(context.Background(), platform.Admin, s.pn.ID)
	if err != nil || prof.Address != "2 Main St" || prof.Vertical != "RETAIL" || prof.Email != "hi@example.com" {
		t.Errorf("profile in the store: %+v %v", prof, err)
	}
	for name, body := range map[string]map[string]any{
		"vertical":    {"vertical": "Spaceships"},
		"description": {"description": strings.Repeat("d", 257)},
		"email":       {"email": "not an email"},
		"websites":    {"websites": []string{"a", "b", "c"}},
	} {
		t.Run(name, func(t *testing.T) {
			wantError(t, s.do("POST", "/v1/settings/business/profile", tok, body), http.StatusBadRequest, 1009)
		})
	}
	wantError(t, s.do("PATCH", "/v1/settings/profile/about", tok, map[string]string{"text": ""}), http.StatusBadRequest, 1009)
	wantOK(t, s.do("PATCH", "/v1/settings/profile/about", tok, map[string]string{"text": "Open 9 to 5"}), http.StatusOK)
	r = s.do("GET", "/v1/settings/profile/about", tok, nil)
	if !strings.Contains(string(r.raw), `"settings":{"profile":{"about":{"text":"Open 9 to 5"}}}`) {
		t.Errorf("about: %s", r.raw)
	}
}

func TestContacts(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	ctx := context.Background()
	if _, err := s.P.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "15550002001", ProfileName: "Offline Olga", Behaviour: wabi.Behaviour{NotOnWhatsApp: true}}); err != nil {
		t.Fatal(err)
	}
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"webhooks": map[string]any{"url": s.rcv.srv.URL}}), http.StatusOK)
	r := s.do("POST", "/v1/contacts", tok, map[string]any{"blocking": "wait", "contacts": []string{"+1 555-000-2000", "15550002001", "12"}})
	wantOK(t, r, http.StatusOK)
	want := `"contacts":[{"input":"+1 555-000-2000","status":"valid","wa_id":"15550002000"},{"input":"15550002001","status":"invalid"},{"input":"12","status":"invalid"}]`
	if !strings.Contains(string(r.raw), want) {
		t.Errorf("wait check: %s\nwant %s", r.raw, want)
	}
	// Cached for seven days: Olga joining WhatsApp is seen only with force_check.
	if _, err := s.P.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "15550002001", ProfileName: "Offline Olga"}); err != nil {
		t.Fatal(err)
	}
	r = s.do("POST", "/v1/contacts", tok, map[string]any{"blocking": "wait", "contacts": []string{"15550002001"}})
	if !strings.Contains(string(r.raw), `"status":"invalid"`) {
		t.Errorf("cached check: %s", r.raw)
	}
	r = s.do("POST", "/v1/contacts", tok, map[string]any{"blocking": "wait", "force_check": true, "contacts": []string{"15550002001"}})
	if !strings.Contains(string(r.raw), `"status":"valid","wa_id":"15550002001"`) {
		t.Errorf("forced check: %s", r.raw)
	}
	// no_wait: unknown numbers answer processing, the result comes by webhook.
	r = s.do("POST", "/v1/contacts", tok, map[string]any{"contacts": []string{"15550002999"}})
	if !strings.Contains(string(r.raw), `{"input":"15550002999","status":"processing","wa_id":"15550002999"}`) {
		t.Errorf("no_wait check: %s", r.raw)
	}
	s.rcv.waitFor(t, `{"contacts":[{"input":"15550002999","status":"invalid"}]}`)
	wantError(t, s.do("POST", "/v1/contacts", tok, map[string]any{"contacts": []string{}}), http.StatusBadRequest, 1008)
	wantError(t, s.do("POST", "/v1/contacts", tok, map[string]any{"blocking": "soon", "contacts": []string{"1"}}), http.StatusBadRequest, 1009)

	// Identity: a hash that can be acknowledged.
	r = s.do("GET", "/v1/contacts/"+platform.DemoCustomerNumber+"/identity", tok, nil)
	wantOK(t, r, http.StatusOK)
	hash, _ := r.body["contacts"].(map[string]any)["hash"].(string)
	if hash == "" {
		t.Fatalf("identity: %s", r.raw)
	}
	wantOK(t, s.do("PUT", "/v1/contacts/"+platform.DemoCustomerNumber+"/identity", tok, map[string]string{"hash": hash}), http.StatusOK)
	wantError(t, s.do("PUT", "/v1/contacts/"+platform.DemoCustomerNumber+"/identity", tok, map[string]string{"hash": "AAAA"}), http.StatusBadRequest, 1009)
}

func TestAccountAndBackup(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	// Shards.
	r := s.do("GET", "/v1/account/shards", tok, nil)
	if !strings.Contains(string(r.raw), `"account":{"shards":1}`) {
		t.Errorf("shards: %s", r.raw)
	}
	shards := map[string]any{"cc": "1", "phone_number": onPremNumber[1:], "shards": 4, "cert": "Y2VydA=="}
	wantOK(t, s.do("POST", "/v1/account/shards", tok, shards), http.StatusCreated)
	shards["shards"] = 3
	wantError(t, s.do("POST", "/v1/account/shards", tok, shards), http.StatusBadRequest, 1009)

	// Two-step: once set, the PIN is needed; DELETE turns it off.
	wantError(t, s.do("POST", "/v1/settings/account/two-step", tok, map[string]string{"pin": "12"}), http.StatusBadRequest, 1009)
	wantOK(t, s.do("POST", "/v1/settings/account/two-step", tok, map[string]string{"pin": "111111"}), http.StatusOK)
	shards["shards"] = 8
	wantError(t, s.do("POST", "/v1/account/shards", tok, shards), http.StatusBadRequest, 1008)

	// Backup, change everything, restore: the backup's settings come back.
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"webhooks": map[string]any{"url": "https://a.example.com"}}), http.StatusOK)
	r = s.do("POST", "/v1/settings/backup", tok, map[string]string{"password": "pw"})
	wantOK(t, r, http.StatusOK)
	data := r.body["settings"].(map[string]any)["data"].(string)
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"webhooks": map[string]any{"url": "https://b.example.com"}}), http.StatusOK)
	wantOK(t, s.do("DELETE", "/v1/settings/account/two-step", tok, nil), http.StatusOK)
	wantError(t, s.do("POST", "/v1/settings/restore", tok, map[string]string{"password": "nope", "data": data}), http.StatusBadRequest, 1009)
	wantError(t, s.do("POST", "/v1/settings/restore", tok, map[string]string{"password": "pw", "data": "bm90IGEgYmFja3Vw"}), http.StatusBadRequest, 1009)
	wantOK(t, s.do("POST", "/v1/settings/restore", tok, map[string]string{"password": "pw", "data": data}), http.StatusOK)
	r = s.do("GET", "/v1/settings/application", tok, nil)
	if !strings.Contains(string(r.raw), "https://a.example.com") {
		t.Errorf("settings after restore: %s", r.raw)
	}
	pn, err := s.Store.PhoneNumber(context.Background(), s.pn.ID)
	if err != nil || pn.PINHash == "" {
		t.Errorf("two-step PIN not restored: %v", err)
	}
	r = s.do("GET", "/v1/account/shards", tok, nil)
	if !strings.Contains(string(r.raw), `"shards":4`) {
		t.Errorf("shards after restore: %s", r.raw)
	}
}
