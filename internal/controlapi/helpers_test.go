package controlapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
	"github.com/wabihq/wabi/internal/webhook"
)

// start is where every test clock stands at first.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// hookToken is the verify token the test receiver accepts in the handshake.
const hookToken = "s3cret-verify"

// stack is the whole of wabi behind the control API: the real SQLite store and
// blob store, platform, simulated network and webhook engine, on a manual clock.
type stack struct {
	store  *sqlite.Store
	clock  *wabi.ManualClock
	p      *platform.Platform
	net    *sim.Network
	engine *webhook.Engine
	api    *API
	h      http.Handler
	hook   *receiver
	demo   *platform.Demo
	logs   *syncBuffer
}

// mustStack starts a stack with the demo tenancy, its app subscribed to a test
// receiver. Everything stops when the test ends.
func mustStack(t *testing.T, adminKey string) *stack {
	t.Helper()
	w := wabitest.New(t, wabitest.Options{Start: start, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s := &stack{store: w.Store, clock: w.Clock, p: w.P, net: w.Net, engine: w.Engine, demo: w.Demo,
		hook: mustReceiver(t), logs: &syncBuffer{}}
	s.api = &API{
		Platform: s.p, Sim: s.net, Webhooks: s.engine, AdminKey: adminKey,
		Links:  map[string]string{"api": "http://127.0.0.1:8080/v23.0", "console": "http://127.0.0.1:8080/"},
		Logger: slog.New(slog.NewTextHandler(s.logs, nil)),
	}
	s.h = s.api.Handler()
	if _, err := s.p.SetAppWebhook(context.Background(), platform.Admin, s.demo.App.ID, platform.WebhookConfig{
		CallbackURL: s.hook.srv.URL + "/hook", VerifyToken: hookToken,
	}); err != nil {
		t.Fatalf("demo webhook: %v", err)
	}
	return s
}

// syncBuffer is a log sink that goroutines may write to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// receiver is a webhook receiver: it passes the handshake for hookToken and
// records the bodies POSTed to it.
type receiver struct {
	srv *httptest.Server

	mu     sync.Mutex
	bodies [][]byte
}

func mustReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodGet {
			if q.Get("hub.verify_token") != hookToken {
				http.Error(w, "wrong verify token", http.StatusForbidden)
				return
			}
			io.WriteString(w, q.Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// count returns how many bodies mention s.
func (rc *receiver) count(s string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, b := range rc.bodies {
		if bytes.Contains(b, []byte(s)) {
			n++
		}
	}
	return n
}

// response is an answer of the control API.
type response struct {
	status int
	header http.Header
	raw    string
	body   any
}

// get returns the value at a dotted path of the JSON body: "data.0.id";
// "data.#" is the length of an array.
func (r response) get(path string) (any, bool) {
	v := r.body
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			if part == "#" {
				return float64(len(x)), true
			}
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// str returns the value at path as text ("" if absent).
func (r response) str(path string) string {
	v, ok := r.get(path)
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// do sends a request to the control API; body is raw JSON, other bytes (with
// their Content-Type in header) or "". A JSON answer is parsed; any other is
// left in raw.
func (s *stack) do(t *testing.T, method, path, body string, header map[string]string) response {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v\n%s", method, path, err, res.raw)
		}
	}
	return res
}

// step is one request of a scenario, with what it must answer and do.
type step struct {
	name   string
	method string
	// path and body may name saved values as {name}.
	path   string
	body   string
	header map[string]string
	status int
	// want maps JSON paths to the text str returns for them; "*" means any
	// non-empty value, "-" means absent.
	want map[string]string
	// save stores the text at a JSON path under a name for later steps.
	save map[string]string
	// then checks side effects.
	then func(t *testing.T, s *stack, r response, vars map[string]string)
}

// vars returns the names every scenario may use: the demo tenancy's ids.
func (s *stack) vars() map[string]string {
	return map[string]string{
		"business": s.demo.Business.ID, "waba": s.demo.WABA.ID, "phone_number": s.demo.Phone.ID,
		"app": s.demo.App.ID, "token": s.demo.Token.Value, "customer": s.demo.Customer.WaID,
	}
}

// run plays steps in order; a failed step ends the scenario.
func (s *stack) run(t *testing.T, vars map[string]string, steps []step) {
	t.Helper()
	fill := func(text string) string {
		for k, v := range vars {
			text = strings.ReplaceAll(text, "{"+k+"}", v)
		}
		return text
	}
	for i, st := range steps {
		ok := t.Run(fmt.Sprintf("%02d_%s", i+1, st.name), func(t *testing.T) {
			res := s.do(t, st.method, fill(st.path), fill(st.body), st.header)
			if res.status != st.status {
				t.Fatalf("status %d, want %d; body %s", res.status, st.status, res.raw)
			}
			for path, want := range st.want {
				got, present := res.get(path)
				switch want = fill(want); {
				case want == "-":
					if present {
						t.Errorf("%s = %v, want it absent; body %s", path, got, res.raw)
					}
				case want == "*":
					if res.str(path) == "" {
						t.Errorf("%s is empty, want a value; body %s", path, res.raw)
					}
				case res.str(path) != want:
					t.Errorf("%s = %q, want %q; body %s", path, res.str(path), want, res.raw)
				}
			}
			for name, path := range st.save {
				if vars[name] = res.str(path); vars[name] == "" {
					t.Fatalf("nothing at %s to save as %s; body %s", path, name, res.raw)
				}
			}
			if st.then != nil {
				st.then(t, s, res, vars)
			}
		})
		if !ok {
			t.FailNow()
		}
	}
}

// waitFor polls cond until it holds, for at most 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// mustMessage reads a message from the store.
func (s *stack) mustMessage(t *testing.T, id string) *wabi.Message {
	t.Helper()
	m, err := s.store.Message(context.Background(), id)
	if err != nil {
		t.Fatalf("message %s: %v", id, err)
	}
	return m
}

// waitStatus waits until a message has the status.
func (s *stack) waitStatus(t *testing.T, id string, want wabi.Status) {
	t.Helper()
	waitFor(t, fmt.Sprintf("message %s to be %s", id, want), func() bool {
		return s.mustMessage(t, id).Status == want
	})
}

// mustSendTemplate makes the business send the approved template "order_ready"
// (which needs no open window) to waID, and returns the wamid.
func (s *stack) mustSendTemplate(t *testing.T, waID string) string {
	t.Helper()
	ctx := context.Background()
	ts, err := s.store.Templates(ctx, s.demo.WABA.ID)
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	if !slices.ContainsFunc(ts, func(t *wabi.Template) bool { return t.Name == "order_ready" }) {
		if _, err := s.p.CreateTemplate(ctx, &wabi.Template{
			WABAID: s.demo.WABA.ID, Name: "order_ready", Language: "en_US", Category: wabi.CategoryUtility,
			Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Your order is ready."}},
		}); err != nil {
			t.Fatalf("create template: %v", err)
		}
	}
	res, err := s.p.Send(ctx, platform.Admin, platform.SendRequest{
		PhoneNumberID: s.demo.Phone.ID, To: waID,
		Message: &wabi.Message{Type: wabi.TypeTemplate, Content: wabi.Content{Template: &wabi.TemplateSend{
			Name: "order_ready", Language: &wabi.TemplateLanguage{Code: "en_US"},
		}}},
	})
	if err != nil {
		t.Fatalf("send template to %s: %v", waID, err)
	}
	return res.MessageID
}
