package relay

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// step is one scripted answer of the fake upstream.
type step struct {
	status  int
	fixture string // file in testdata; "" for an empty body
	echo    bool   // echo the Idempotency-Key header
	hangup  bool   // close the connection after reading the request
}

// seen is one request the fake upstream got.
type seen struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// upstream is a fake Graph API that answers with a script of recorded
// exchanges, repeating the last step when the script runs out.
type upstream struct {
	t     *testing.T
	srv   *httptest.Server
	mu    sync.Mutex
	steps []step
	got   []seen
}

func newUpstream(t *testing.T, steps ...step) *upstream {
	u := &upstream{t: t, steps: steps}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.got = append(u.got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	s := u.steps[min(len(u.got), len(u.steps))-1]
	u.mu.Unlock()
	if s.hangup {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	if s.echo {
		w.Header().Set(IdempotencyHeader, r.Header.Get(IdempotencyHeader))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	if s.fixture != "" {
		_, _ = w.Write(fixture(u.t, s.fixture))
	}
}

func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.got...)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const upstreamToken = "EAAGupstreamsecret"

func (u *upstream) config() *wabi.RelayConfig {
	return &wabi.RelayConfig{PhoneNumberID: "900", BaseURL: u.srv.URL, APIVersion: "v23.0",
		UpstreamNumberID: "106540352242922", UpstreamWABAID: "102290129340398",
		AccessToken: upstreamToken, AppSecret: "upstream-app-secret", VerifyToken: "upstream-verify"}
}

// testClient returns a client whose waits are counted, not slept, and
// whose exchanges are kept.
type testClient struct {
	*Client
	mu    sync.Mutex
	waits []time.Duration
	log   []wabi.RelayExchange
}

func newTestClient(u *upstream) *testClient {
	tc := &testClient{}
	tc.Client = &Client{HTTP: u.srv.Client(),
		Sleep: func(_ context.Context, d time.Duration) error {
			tc.mu.Lock()
			tc.waits = append(tc.waits, d)
			tc.mu.Unlock()
			return nil
		},
		Log: func(_ context.Context, x wabi.RelayExchange) {
			tc.mu.Lock()
			tc.log = append(tc.log, x)
			tc.mu.Unlock()
		},
	}
	return tc
}

func textMessage() *wabi.Message {
	return &wabi.Message{WaID: "16505551234", Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello"}}}
}

// TestSend checks a send's request (path, token, Idempotency-Key, Cloud API
// body) and that the upstream's wamid comes back, and that the exchange log
// holds no secret.
func TestSend(t *testing.T) {
	u := newUpstream(t, step{status: 200, fixture: "send_ok.json"})
	c := newTestClient(u)
	m := textMessage()
	m.Template = nil
	m.Context = &wabi.Context{MessageID: "wamid.quoted", From: "15550001000"}
	wamid, err := c.Send(context.Background(), u.config(), m)
	if err != nil {
		t.Fatal(err)
	}
	if wamid != "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA" {
		t.Errorf("wamid %q, want the upstream's", wamid)
	}
	reqs := u.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != "POST" || r.path != "/v23.0/106540352242922/messages" {
		t.Errorf("request %s %s", r.method, r.path)
	}
	if got := r.header.Get("Authorization"); got != "Bearer "+upstreamToken {
		t.Errorf("Authorization %q", got)
	}
	if r.header.Get(IdempotencyHeader) == "" {
		t.Error("no Idempotency-Key sent")
	}
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if body["messaging_product"] != "whatsapp" || body["to"] != "16505551234" || body["type"] != "text" {
		t.Errorf("body %s", r.body)
	}
	if ctx, _ := body["context"].(map[string]any); ctx["from"] != nil || ctx["message_id"] != "wamid.quoted" {
		t.Errorf("context sent as %v, want the quoted id only", body["context"])
	}
	if len(c.log) != 1 || c.log[0].Status != 200 || c.log[0].Direction != "out" || !strings.Contains(c.log[0].Request, "hello") {
		t.Fatalf("exchange log %+v", c.log)
	}
	for _, x := range c.log {
		if b, _ := json.Marshal(x); strings.Contains(string(b), upstreamToken) {
			t.Errorf("the exchange log holds the token: %s", b)
		}
	}
}

// TestGraphErrors checks that the upstream's Graph errors come back with
// Meta's code and wabi's domain code, and are not tried again.
func TestGraphErrors(t *testing.T) {
	for _, c := range []struct {
		fixture string
		status  int
		code    wabi.Code
		meta    int
	}{
		{"error_131047.json", 400, wabi.EOutsideWindow, 131047},
		{"error_131026.json", 400, wabi.ENotOnWhatsApp, 131026},
		{"error_unknown_131999.json", 400, wabi.EInvalidParam, 131999},
	} {
		u := newUpstream(t, step{status: c.status, fixture: c.fixture})
		tc := newTestClient(u)
		_, err := tc.Send(context.Background(), u.config(), textMessage())
		e := wabi.AsError(err)
		if e == nil || e.Code != c.code || e.Meta == nil || e.Meta.Code != c.meta || e.Meta.Status != c.status {
			t.Errorf("%s: %#v, want %s with Meta code %d", c.fixture, e, c.code, c.meta)
			continue
		}
		if strings.HasPrefix(e.Meta.Title, "(#") || e.Message == "" {
			t.Errorf("%s: title %q, details %q", c.fixture, e.Meta.Title, e.Message)
		}
		if n := len(u.requests()); n != 1 {
			t.Errorf("%s: %d tries, want 1", c.fixture, n)
		}
	}
}

// TestRetries checks what is tried again: a 429 and an is_transient error
// always, a plain 5xx only once the upstream has echoed Idempotency-Key, and
// never more than three tries.
func TestRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("429 then sent", func(t *testing.T) {
		u := newUpstream(t, step{status: 429, fixture: "error_130429.json"}, step{status: 200, fixture: "send_ok.json"})
		c := newTestClient(u)
		if _, err := c.Send(ctx, u.config(), textMessage()); err != nil {
			t.Fatal(err)
		}
		reqs := u.requests()
		if len(reqs) != 2 || len(c.waits) != 1 {
			t.Fatalf("%d tries, %d waits; want 2 and 1", len(reqs), len(c.waits))
		}
		if a, b := reqs[0].header.Get(IdempotencyHeader), reqs[1].header.Get(IdempotencyHeader); a == "" || a != b {
			t.Errorf("Idempotency-Key %q then %q: want one key for both tries", a, b)
		}
	})
	t.Run("429 three times", func(t *testing.T) {
		u := newUpstream(t, step{status: 429, fixture: "error_130429.json"})
		c := newTestClient(u)
		_, err := c.Send(ctx, u.config(), textMessage())
		if e := wabi.AsError(err); e == nil || e.Code != wabi.ERateLimit || e.Meta == nil || e.Meta.Code != 130429 {
			t.Fatalf("error %#v, want rate_limit with 130429", e)
		}
		if n := len(u.requests()); n != maxTries {
			t.Errorf("%d tries, want %d", n, maxTries)
		}
	})
	t.Run("transient 500", func(t *testing.T) {
		u := newUpstream(t, step{status: 500, fixture: "error_transient_500.json"}, step{status: 200, fixture: "send_ok.json"})
		c := newTestClient(u)
		if _, err := c.Send(ctx, u.config(), textMessage()); err != nil {
			t.Fatal(err)
		}
		if n := len(u.requests()); n != 2 {
			t.Errorf("%d tries, want 2", n)
		}
	})
	t.Run("plain 500 without echo", func(t *testing.T) {
		u := newUpstream(t, step{status: 500}, step{status: 200, fixture: "send_ok.json"})
		c := newTestClient(u)
		_, err := c.Send(ctx, u.config(), textMessage())
		if err == nil {
			t.Fatal("a plain 500 of an upstream that echoes no key was tried again")
		}
		if n := len(u.requests()); n != 1 {
			t.Errorf("%d tries, want 1", n)
		}
	})
	t.Run("plain 500 with echo", func(t *testing.T) {
		u := newUpstream(t, step{status: 200, fixture: "send_ok.json", echo: true},
			step{status: 500, echo: true}, step{status: 200, fixture: "send_ok.json", echo: true})
		c := newTestClient(u)
		for range 2 {
			if _, err := c.Send(ctx, u.config(), textMessage()); err != nil {
				t.Fatal(err)
			}
		}
		reqs := u.requests()
		if len(reqs) != 3 {
			t.Fatalf("%d requests, want 3", len(reqs))
		}
		if reqs[1].header.Get(IdempotencyHeader) != reqs[2].header.Get(IdempotencyHeader) {
			t.Error("the repeated send carried another key")
		}
	})
	t.Run("hang-up after sending", func(t *testing.T) {
		u := newUpstream(t, step{hangup: true}, step{status: 200, fixture: "send_ok.json"})
		c := newTestClient(u)
		_, err := c.Send(ctx, u.config(), textMessage())
		if wabi.ErrorCode(err) != wabi.EInternal {
			t.Fatalf("error %v, want internal (the send may have been done)", err)
		}
		if n := len(u.requests()); n != 1 {
			t.Errorf("%d tries, want 1", n)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		u := newUpstream(t, step{status: 200})
		cfg := u.config()
		u.srv.Close()
		c := newTestClient(u)
		_, err := c.Send(ctx, cfg, textMessage())
		if wabi.ErrorCode(err) != wabi.EUnavailable {
			t.Fatalf("error %v, want unavailable", err)
		}
		if len(c.waits) != maxTries-1 {
			t.Errorf("%d waits, want %d: a request never sent is tried again", len(c.waits), maxTries-1)
		}
	})
	t.Run("token refused", func(t *testing.T) {
		u := newUpstream(t, step{status: 401, fixture: "error_190.json"})
		c := newTestClient(u)
		_, err := c.Send(ctx, u.config(), textMessage())
		if e := wabi.AsError(err); e == nil || e.Code != wabi.EUnavailable || e.Meta != nil {
			t.Fatalf("error %#v, want unavailable without Meta's 190: the client's token is not at fault", e)
		}
	})
}

// TestUploadMedia checks the multipart upload and the upstream's id.
func TestUploadMedia(t *testing.T) {
	u := newUpstream(t, step{status: 503}, step{status: 200, fixture: "media_upload.json"})
	c := newTestClient(u)
	mf := &wabi.MediaFile{ID: "local-1", MimeType: "image/png", Filename: "pic.png", Size: 4}
	id, err := c.UploadMedia(context.Background(), u.config(), mf, strings.NewReader("\x89PNG"))
	if err != nil {
		t.Fatal(err)
	}
	if id != "1037543291543636" {
		t.Errorf("id %q", id)
	}
	reqs := u.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d tries, want 2 (an upload is safe to repeat)", len(reqs))
	}
	r := reqs[1]
	if r.path != "/v23.0/106540352242922/media" {
		t.Errorf("path %s", r.path)
	}
	_, ps, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(strings.NewReader(string(r.body)), ps["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if form.Value["messaging_product"][0] != "whatsapp" || form.Value["type"][0] != "image/png" || len(form.File["file"]) != 1 {
		t.Fatalf("form %v", form.Value)
	}
	f, _ := form.File["file"][0].Open()
	b, _ := io.ReadAll(f)
	if string(b) != "\x89PNG" {
		t.Errorf("file %q: the second try must send the whole file again", b)
	}
}

// TestMarkRead checks the read receipt's body.
func TestMarkRead(t *testing.T) {
	u := newUpstream(t, step{status: 200, fixture: "mark_read.json"})
	c := newTestClient(u)
	if err := c.MarkRead(context.Background(), u.config(), "wamid.in", true); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal(u.requests()[0].body, &body)
	if body["status"] != "read" || body["message_id"] != "wamid.in" || body["typing_indicator"] == nil {
		t.Errorf("body %v", body)
	}
}

// TestRedact checks that the exchange log loses the relay's secrets and
// token-like fields.
func TestRedact(t *testing.T) {
	cfg := &wabi.RelayConfig{AccessToken: upstreamToken, AppSecret: "s3cret-app", VerifyToken: "verify-me"}
	in := `{"access_token":"abc","note":"EAAGupstreamsecret and s3cret-app"} next=https://x/y?access_token=zzz&a=1`
	out := Redact(in, cfg)
	for _, s := range []string{upstreamToken, "s3cret-app", `"abc"`, "zzz"} {
		if strings.Contains(out, s) {
			t.Errorf("Redact left %q in %s", s, out)
		}
	}
	if got := RedactURL("https://graph.example/v23.0/1?access_token=zzz&limit=2"); strings.Contains(got, "zzz") || !strings.Contains(got, "limit=2") {
		t.Errorf("RedactURL: %s", got)
	}
	if long := Redact(strings.Repeat("x", 10000), nil); len(long) > logLimit+4 {
		t.Errorf("Redact kept %d bytes", len(long))
	}
}
