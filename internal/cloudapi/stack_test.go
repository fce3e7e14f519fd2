package cloudapi_test

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
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/blob"
	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
	"github.com/wabihq/wabi/internal/webhook"
)

// stack is the whole send path on a temp SQLite store: the Cloud API in front of the
// real platform, simulated network and webhook engine, with a webhook receiver.
type stack struct {
	t        testing.TB
	blobs    *blob.Store
	clock    *wabi.ManualClock
	store    *sqlite.Store
	p        *platform.Platform
	net      *sim.Network
	engine   *webhook.Engine
	api      *httptest.Server
	receiver *receiver
	demo     *platform.Demo
}

// nopNetwork takes messages and does nothing with them: no statuses, no webhooks.
// It isolates the send path in benchmarks.
type nopNetwork struct{}

func (nopNetwork) Deliver(context.Context, *wabi.Message) error { return nil }

func mustStack(t testing.TB) *stack { return mustStackOn(t, nil) }

// mustStackOn builds the stack; a nil network means the simulated one.
func mustStackOn(t testing.TB, net wabi.Network) *stack {
	t.Helper()
	// Made first so that it closes last, after the webhook engine has stopped.
	rc := mustReceiver(t)
	w := wabitest.New(t, wabitest.Options{Network: net, VerifyClient: http.DefaultClient})
	s := &stack{t: t, clock: w.Clock, store: w.Store, p: w.P, net: w.Net, engine: w.Engine,
		blobs: w.Blobs, demo: w.Demo, receiver: rc}
	if _, err := s.p.SetAppWebhook(context.Background(), platform.Admin, s.demo.App.ID, platform.WebhookConfig{
		CallbackURL: s.receiver.srv.URL, VerifyToken: "verify-me", Fields: []string{wabi.FieldMessages},
	}); err != nil {
		t.Fatal(err)
	}
	s.receiver.secret = s.demo.App.Secret
	s.api = httptest.NewServer(cloudapi.New(s.p))
	t.Cleanup(s.api.Close)
	return s
}

// call makes a Cloud API request with the demo token (unless token is set) and
// returns the status and body.
func (s *stack) call(method, path, token, body string) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// customerSays makes the demo customer send text to the demo number, opening the
// customer service window.
func (s *stack) customerSays(text string) *wabi.Message {
	s.t.Helper()
	m, err := s.net.Send(context.Background(), platform.DemoCustomerNumber, s.demo.Phone.ID,
		&wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: text}}})
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

// hook is one webhook POST as received.
type hook struct {
	body []byte
	sig  string
}

type receiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	hooks  []hook
	fail   bool
	// discard makes the receiver count webhooks without keeping them (benchmarks).
	discard bool
	count   int
}

func mustReceiver(t testing.TB) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet {
			if req.URL.Query().Get("hub.verify_token") != "verify-me" {
				http.Error(w, "bad token", http.StatusForbidden)
				return
			}
			io.WriteString(w, req.URL.Query().Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		r.count++
		if !r.discard {
			r.hooks = append(r.hooks, hook{body: b, sig: req.Header.Get("X-Hub-Signature-256")})
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// event is the part of a webhook the tests look at.
type event struct {
	Kind    string // "message" or the status
	ID      string
	Code    int // error code of a failed status
	Pricing bool
	Conv    bool
}

// events decodes every webhook received so far, checking each signature.
func (r *receiver) events(t testing.TB) []event {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event
	for _, h := range r.hooks {
		mac := hmac.New(sha256.New, []byte(r.secret))
		mac.Write(h.body)
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); h.sig != want {
			t.Fatalf("signature %q, want %q", h.sig, want)
		}
		var env struct {
			Entry []struct {
				Changes []struct {
					Value struct {
						Messages []struct{ ID string }
						Statuses []struct {
							ID, Status   string
							Pricing      *json.RawMessage
							Conversation *json.RawMessage
							Errors       []struct{ Code int }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(h.body, &env); err != nil {
			t.Fatalf("webhook body %s: %v", h.body, err)
		}
		v := env.Entry[0].Changes[0].Value
		for _, m := range v.Messages {
			out = append(out, event{Kind: "message", ID: m.ID})
		}
		for _, s := range v.Statuses {
			e := event{Kind: s.Status, ID: s.ID, Pricing: s.Pricing != nil, Conv: s.Conversation != nil}
			if len(s.Errors) > 0 {
				e.Code = s.Errors[0].Code
			}
			out = append(out, e)
		}
	}
	return out
}

// waitEvents waits until the receiver holds n events about id (all events when id
// is empty) and returns them.
func (s *stack) waitEvents(id string, n int) []event {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got []event
		for _, e := range s.receiver.events(s.t) {
			if id == "" || e.ID == id {
				got = append(got, e)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("got %d webhook events about %q, want %d: %+v", len(got), id, n, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// normalize replaces the values that change from run to run, for golden files.
func normalize(b []byte) []byte {
	b = regexp.MustCompile(`"fbtrace_id":"[^"]*"`).ReplaceAll(b, []byte(`"fbtrace_id":"TRACE"`))
	b = regexp.MustCompile(`wamid\.[A-Za-z0-9+/=]+`).ReplaceAll(b, []byte(`wamid.ID`))
	b = regexp.MustCompile(`'[0-9]{15,}'`).ReplaceAll(b, []byte(`'ID'`))
	return bytes.TrimSpace(b)
}

// mustOtherBusiness creates a second business with a token of its own, for tests
// of what a foreign token may not reach.
func (s *stack) mustOtherBusiness() (*wabi.Business, *wabi.Token) {
	s.t.Helper()
	ctx := context.Background()
	b, err := s.p.CreateBusiness(ctx, "Other Co")
	if err != nil {
		s.t.Fatal(err)
	}
	tok, err := s.p.CreateToken(ctx, platform.NewToken{BusinessID: b.ID, Name: "other"})
	if err != nil {
		s.t.Fatal(err)
	}
	return b, tok
}

// mustScopedToken issues a token of the demo business with only the scopes.
func (s *stack) mustScopedToken(scopes ...string) *wabi.Token {
	s.t.Helper()
	tok, err := s.p.CreateToken(context.Background(), platform.NewToken{BusinessID: s.demo.Business.ID, Scopes: scopes})
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}
