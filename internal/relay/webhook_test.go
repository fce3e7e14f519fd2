package relay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/seal"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// The upstream ids the fixtures in testdata/webhooks name, and the secrets of
// the two relays the tests set up: the demo's Cloud API number on upstream
// number fixtureNumber, and its On-Premises number on onPremUpstream.
const (
	fixtureNumber  = "106540352242922"
	fixtureWABA    = "102290129340398"
	onPremUpstream = "106540352242923"
	cloudSecret    = "upstream-app-secret"
	onPremSecret   = "other-upstream-app-secret"
	cloudVerify    = "upstream-verify"
	onPremVerify   = "other-upstream-verify"
)

// fixtureStart is the time of the fixtures' events, when the stack's clock
// starts.
var fixtureStart = time.Unix(1793620800, 0).UTC()

// hookStack is a wabi with the demo's two numbers on the relay, the webhook
// handler in front of it, and receivers for the webhooks wabi fans out: the
// demo app's (Cloud API, signed) and the On-Premises deployment's.
type hookStack struct {
	t      *testing.T
	s      *wabitest.Stack
	inbox  *Inbox
	srv    *httptest.Server
	cloud  chan hookReceived
	onprem chan hookReceived
	pn     string // the Cloud API number
	onPN   string // the On-Premises number
	// onToken is a session of the On-Premises number's deployment.
	onToken string
}

// hookReceived is one webhook wabi delivered.
type hookReceived struct {
	body []byte
	sig  string
}

func newHookStack(t *testing.T, upstreamBase string) *hookStack {
	t.Helper()
	h := &hookStack{t: t, cloud: make(chan hookReceived, 64), onprem: make(chan hookReceived, 64)}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		ch := h.cloud
		if r.URL.Path == "/onprem" {
			ch = h.onprem
		}
		ch <- hookReceived{body: b, sig: r.Header.Get("X-Hub-Signature-256")}
	}))
	t.Cleanup(rcv.Close)
	h.s = wabitest.New(t, wabitest.Options{Start: fixtureStart, VerifyClient: http.DefaultClient})
	ring, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	p := h.s.P
	p.Seal = ring
	ctx := context.Background()
	h.pn, h.onPN = h.s.Demo.Phone.ID, h.s.Demo.OnPremPhone.ID
	if _, err := p.SetAppWebhook(ctx, platform.Admin, h.s.Demo.App.ID, platform.WebhookConfig{CallbackURL: rcv.URL + "/cloud",
		VerifyToken: "v", Fields: []string{wabi.FieldMessages, wabi.FieldMessageTemplateStatusUpdate}}); err != nil {
		t.Fatal(err)
	}
	token, _, err := p.Login(ctx, h.onPN, "admin", platform.DefaultAdminPassword, "Relay-Test-1!")
	if err != nil {
		t.Fatal(err)
	}
	h.onToken = token
	c, err := p.AuthenticateSession(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PatchAppSettings(ctx, c, json.RawMessage(`{"webhooks":{"url":"`+rcv.URL+`/onprem"}}`)); err != nil {
		t.Fatal(err)
	}
	for _, r := range []wabi.RelayConfig{
		{PhoneNumberID: h.pn, BaseURL: upstreamBase, UpstreamNumberID: fixtureNumber, UpstreamWABAID: fixtureWABA,
			AccessToken: "EAAG-cloud-token", AppSecret: cloudSecret, VerifyToken: cloudVerify},
		{PhoneNumberID: h.onPN, BaseURL: upstreamBase, UpstreamNumberID: onPremUpstream,
			AccessToken: "EAAG-onprem-token", AppSecret: onPremSecret, VerifyToken: onPremVerify},
	} {
		if _, err := p.PutRelay(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	h.inbox = NewInbox(p)
	h.srv = httptest.NewServer(&Webhook{P: p, Inbox: h.inbox})
	t.Cleanup(h.srv.Close)
	return h
}

// hookFixture reads a recorded webhook body.
func hookFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

func hookSign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post posts a webhook body with the signature header sig ("" for none).
func (h *hookStack) post(body []byte, sig string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+WebhookPath, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// deliver posts a fixture signed by secret, wants 200, and applies the inbox.
func (h *hookStack) deliver(body []byte, secret string) {
	h.t.Helper()
	if code, answer := h.post(body, hookSign(body, secret)); code != http.StatusOK {
		h.t.Fatalf("POST %s: %d %s, want 200", WebhookPath, code, answer)
	}
	if _, err := h.inbox.Drain(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	if n := h.inboxLen(); n != 0 {
		h.t.Fatalf("%d webhooks left in the inbox after a drain", n)
	}
}

func (h *hookStack) inboxLen() int {
	h.t.Helper()
	recs, err := h.s.Store.Records(context.Background(), "", recInbox, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return len(recs)
}

// next waits for the next webhook on ch. A Cloud API webhook must be signed
// with the demo app's secret.
func (h *hookStack) next(ch chan hookReceived) map[string]any {
	h.t.Helper()
	select {
	case r := <-ch:
		if ch == h.cloud {
			if want := hookSign(r.body, h.s.Demo.App.Secret); r.sig != want {
				h.t.Fatalf("webhook signature %q, want %q", r.sig, want)
			}
		}
		var v map[string]any
		if err := json.Unmarshal(r.body, &v); err != nil {
			h.t.Fatalf("webhook body %s: %v", r.body, err)
		}
		return v
	case <-time.After(10 * time.Second):
		h.t.Fatal("no webhook came")
		return nil
	}
}

// jsonAt reads a path of keys and indexes from a decoded JSON value.
func jsonAt(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// hookValue is the first change's value of a Cloud API webhook.
func hookValue(v map[string]any) any { return jsonAt(v, "entry", 0, "changes", 0, "value") }

func TestWebhookHandshake(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	for _, c := range []struct {
		name, mode, token string
		want              int
	}{
		{"the first relay's token", "subscribe", cloudVerify, http.StatusOK},
		{"the second relay's token", "subscribe", onPremVerify, http.StatusOK},
		{"a wrong token", "subscribe", "nope", http.StatusForbidden},
		{"no token", "subscribe", "", http.StatusForbidden},
		{"another mode", "unsubscribe", cloudVerify, http.StatusForbidden},
	} {
		q := url.Values{"hub.mode": {c.mode}, "hub.verify_token": {c.token}, "hub.challenge": {"1158201444"}}
		resp, err := http.Get(h.srv.URL + WebhookPath + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, b, c.want)
		}
		if c.want == http.StatusOK && string(b) != "1158201444" {
			t.Errorf("%s: body %q, want the challenge", c.name, b)
		}
	}
}

func TestWebhookSignature(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	body := hookFixture(t, "inbound_text.json")
	for _, c := range []struct {
		name string
		body []byte
		sig  string
		want int
	}{
		{"no signature", body, "", http.StatusUnauthorized},
		{"signed by another relay's secret", body, hookSign(body, onPremSecret), http.StatusUnauthorized},
		{"a signature of other bytes", body, hookSign(append([]byte(" "), body...), cloudSecret), http.StatusUnauthorized},
		{"a malformed signature", body, "sha1=abc", http.StatusUnauthorized},
		{"not JSON", []byte("hello"), hookSign([]byte("hello"), cloudSecret), http.StatusBadRequest},
		{"a number no relay carries", bytes.ReplaceAll(body, []byte(fixtureNumber), []byte("999")),
			hookSign(bytes.ReplaceAll(body, []byte(fixtureNumber), []byte("999")), cloudSecret), http.StatusNotFound},
	} {
		code, answer := h.post(c.body, c.sig)
		if code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, answer, c.want)
		}
		if !strings.Contains(answer, `"error"`) {
			t.Errorf("%s: answer %s has no error", c.name, answer)
		}
		if n := h.inboxLen(); n != 0 {
			t.Fatalf("%s: %d webhooks stored, want none", c.name, n)
		}
	}

	// A body naming both relays' numbers must verify for each: one
	// signature cannot.
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	other := bytes.ReplaceAll(body, []byte(fixtureNumber), []byte(onPremUpstream))
	var otherEnv map[string]any
	if err := json.Unmarshal(other, &otherEnv); err != nil {
		t.Fatal(err)
	}
	env["entry"] = append(env["entry"].([]any), otherEnv["entry"].([]any)...)
	mixed, _ := json.Marshal(env)
	for _, secret := range []string{cloudSecret, onPremSecret} {
		if code, answer := h.post(mixed, hookSign(mixed, secret)); code != http.StatusUnauthorized {
			t.Errorf("a body naming two relays signed with one's secret: %d %s, want 401", code, answer)
		}
	}

	if code, answer := h.post(body, hookSign(body, cloudSecret)); code != http.StatusOK {
		t.Fatalf("a signed webhook: %d %s, want 200", code, answer)
	}
	if n := h.inboxLen(); n != 1 {
		t.Fatalf("%d webhooks stored, want 1 before any drain", n)
	}
	xs, err := h.s.P.RelayExchanges(context.Background(), h.pn, 0)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[int]int{}
	for _, x := range xs {
		if x.Direction != "in" || x.URL != WebhookPath {
			t.Errorf("exchange %+v: want an incoming one at %s", x, WebhookPath)
		}
		statuses[x.Status]++
	}
	if statuses[http.StatusOK] != 1 || statuses[http.StatusUnauthorized] == 0 {
		t.Errorf("logged exchanges by status %v: want one 200 and the 401s", statuses)
	}
}

// TestInboxSurvivesCrash checks that a stored webhook outlives a processor
// that fails on it, or dies holding it: the next processor applies it.
func TestInboxSurvivesCrash(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	ctx := context.Background()
	body := hookFixture(t, "inbound_text.json")
	const id = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
	if code, answer := h.post(body, hookSign(body, cloudSecret)); code != http.StatusOK {
		t.Fatalf("POST: %d %s", code, answer)
	}
	failing := NewInbox(h.s.P)
	failing.apply = func(context.Context, []byte) error { return errRetry }
	if n, err := failing.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("failing drain: %d, %v; want nothing done and no error", n, err)
	}
	if n := h.inboxLen(); n != 1 {
		t.Fatalf("%d webhooks stored after a failed apply, want 1", n)
	}
	if _, err := h.s.Store.Message(ctx, id); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Fatalf("message after a failed apply: %v, want not found", err)
	}

	// A processor that claimed the webhook and died holds it until its
	// lease runs out; then another applies it.
	recs, err := h.s.Store.Records(ctx, "", recInbox, "")
	if err != nil {
		t.Fatal(err)
	}
	var it inboxItem
	if err := json.Unmarshal(recs[0].Value, &it); err != nil {
		t.Fatal(err)
	}
	it.Claim, it.Until = "dead-node", fixtureStart.Add(DefaultInboxLease)
	v, _ := json.Marshal(it)
	if err := h.s.Store.SwapRecord(ctx, &wabi.Record{Kind: recInbox, Key: recs[0].Key, Value: v}, recs[0].Value); err != nil {
		t.Fatal(err)
	}
	// A second webhook waits behind the held one: webhooks are applied in
	// the order they came.
	later := hookFixture(t, "inbound_image.json")
	if code, answer := h.post(later, hookSign(later, cloudSecret)); code != http.StatusOK {
		t.Fatalf("POST: %d %s", code, answer)
	}
	fresh := NewInbox(h.s.P)
	if n, err := fresh.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("drain while another node holds the first webhook: %d, %v; want both left alone", n, err)
	}
	h.s.Clock.Advance(DefaultInboxLease)
	if n, err := fresh.Drain(ctx); err != nil || n != 2 {
		t.Fatalf("drain after the lease: %d, %v; want both webhooks applied", n, err)
	}
	m, err := h.s.Store.Message(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Direction != wabi.Inbound || m.Text == nil || m.PhoneNumberID != h.pn {
		t.Errorf("stored message %+v: want the inbound text on %s", m, h.pn)
	}
	if n := h.inboxLen(); n != 0 {
		t.Errorf("%d webhooks left after they were applied", n)
	}
	h.next(h.cloud)
}

// TestInboxAloneTakesOverItsClaims checks that on a store no other node
// shares, a claim left by the server's previous life (killed while applying)
// does not hold the webhook: the restarted server applies it at once.
func TestInboxAloneTakesOverItsClaims(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	ctx := context.Background()
	body := hookFixture(t, "inbound_text.json")
	if code, answer := h.post(body, hookSign(body, cloudSecret)); code != http.StatusOK {
		t.Fatalf("POST: %d %s", code, answer)
	}
	recs, err := h.s.Store.Records(ctx, "", recInbox, "")
	if err != nil || len(recs) != 1 {
		t.Fatalf("inbox: %d records, %v", len(recs), err)
	}
	var it inboxItem
	if err := json.Unmarshal(recs[0].Value, &it); err != nil {
		t.Fatal(err)
	}
	it.Claim, it.Until = "previous-life", fixtureStart.Add(DefaultInboxLease)
	v, _ := json.Marshal(it)
	if err := h.s.Store.SwapRecord(ctx, &wabi.Record{Kind: recInbox, Key: recs[0].Key, Value: v}, recs[0].Value); err != nil {
		t.Fatal(err)
	}
	h.s.P.Alone = true
	if n, err := NewInbox(h.s.P).Drain(ctx); err != nil || n != 1 {
		t.Fatalf("drain of a server alone on its store: %d, %v; want the webhook applied at once", n, err)
	}
}
