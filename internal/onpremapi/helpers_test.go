package onpremapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// stack is wabi with the demo's On-Premises number: both APIs behind one
// server, as wabi serve mounts them, and a webhook receiver.
type stack struct {
	*wabitest.Stack
	t testing.TB
	// pn is the On-Premises number, registered; its deployment's admin still
	// has the default password.
	pn  *wabi.PhoneNumber
	api *onpremapi.API
	srv *httptest.Server
	rcv *receiver
}

// onPremNumber is the display number of the stack's On-Premises number.
const onPremNumber = platform.DemoOnPremNumber

// newPassword is what tests set the admin password to.
const newPassword = "N3w-Passw0rd!"

func newStack(t testing.TB) *stack {
	t.Helper()
	ws := wabitest.New(t, wabitest.Options{})
	pn := ws.Demo.OnPremPhone
	if pn == nil {
		t.Fatal("the demo has no On-Premises number")
	}
	api := onpremapi.New(ws.P)
	cloud := cloudapi.New(ws.P)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if onpremapi.Owns(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		cloud.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &stack{Stack: ws, t: t, pn: pn, api: api, srv: srv, rcv: newReceiver(t)}
}

// resp is an answer: status and decoded body.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with a bearer token (if not "") and a JSON body (if not nil;
// a string is sent as is).
func (s *stack) do(method, path, token string, body any) resp {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.send(req)
}

func (s *stack) send(req *http.Request) resp {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			s.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", req.Method, req.URL.Path, err, raw)
		}
	}
	return out
}

// login logs in with basic auth and an optional body.
func (s *stack) login(prefix, user, password string, body any) resp {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(http.MethodPost, s.srv.URL+prefix+"/v1/users/login", rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.send(req)
}

// mustAdmin logs the admin in for the first time, setting newPassword, and
// returns the token.
func (s *stack) mustAdmin() string {
	s.t.Helper()
	r := s.login("", "admin", "secret", map[string]string{"new_password": newPassword})
	if r.status != http.StatusOK {
		s.t.Fatalf("first admin login: %d %s", r.status, r.raw)
	}
	return tokenOf(s.t, r)
}

func tokenOf(t testing.TB, r resp) string {
	t.Helper()
	users, _ := r.body["users"].([]any)
	if len(users) != 1 {
		t.Fatalf("login answer has no users[0]: %s", r.raw)
	}
	tok, _ := users[0].(map[string]any)["token"].(string)
	if tok == "" {
		t.Fatalf("login answer has no token: %s", r.raw)
	}
	return tok
}

// errorCode returns errors[0].code of an answer, or 0.
func errorCode(r resp) int {
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		return 0
	}
	c, _ := errs[0].(map[string]any)["code"].(float64)
	return int(c)
}

// wantError checks an answer's status and errors[0].code.
func wantError(t testing.TB, r resp, status, code int) {
	t.Helper()
	if r.status != status || errorCode(r) != code {
		t.Fatalf("got %d with code %d, want %d with code %d: %s", r.status, errorCode(r), status, code, r.raw)
	}
	if _, ok := r.body["meta"].(map[string]any); !ok {
		t.Fatalf("error answer without meta: %s", r.raw)
	}
}

// wantOK checks an answer's status and that it carries meta.
func wantOK(t testing.TB, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d, want %d: %s", r.status, status, r.raw)
	}
	if _, ok := r.body["meta"].(map[string]any); !ok {
		t.Fatalf("answer without meta: %s", r.raw)
	}
}

// receiver is a webhook endpoint that records every body and answers 200.
type receiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []post
	got   chan struct{}
}

type post struct {
	header http.Header
	body   []byte
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{got: make(chan struct{}, 1000)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if c := req.URL.Query().Get("hub.challenge"); req.Method == http.MethodGet && c != "" {
			io.WriteString(w, c) // the Cloud API's callback handshake
			return
		}
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.posts = append(r.posts, post{req.Header.Clone(), b})
		r.mu.Unlock()
		r.got <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// waitFor waits until a received body contains every one of the strings and
// returns it.
func (r *receiver) waitFor(t testing.TB, subs ...string) post {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		for _, p := range r.posts {
			if containsAll(string(p.body), subs) {
				r.mu.Unlock()
				return p
			}
		}
		r.mu.Unlock()
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("no webhook with %q; got %d others", subs, r.count())
		}
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posts)
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// snapshot returns the posts received so far.
func (r *receiver) snapshot() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.posts...)
}
