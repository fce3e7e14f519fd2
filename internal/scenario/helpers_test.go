package scenario

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/controlapi"
	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// world is a whole wabi (the demo tenancy in it) behind its three APIs, and an
// applier on its control and On-Premises APIs.
type world struct {
	*wabitest.Stack
	// h serves /api/, /onprem/, /v1/ and the Cloud API, as wabi serve does.
	h       http.Handler
	applier *Applier
}

func mustWorld(t *testing.T, adminKey string) *world {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := wabitest.New(t, wabitest.Options{Logger: quiet})
	control := &controlapi.API{Platform: st.P, Sim: st.Net, Webhooks: st.Engine, AdminKey: adminKey, Logger: quiet}
	onprem := onpremapi.New(st.P)
	onprem.Logger = quiet
	cloud := cloudapi.New(st.P)
	cloud.Logger = quiet
	mux := http.NewServeMux()
	mux.Handle("/api/", control.Handler())
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if onpremapi.Owns(r.URL.Path) {
			onprem.ServeHTTP(w, r)
			return
		}
		cloud.ServeHTTP(w, r)
	}))
	return &world{Stack: st, h: mux, applier: &Applier{Handler: mux, AdminKey: adminKey, Logger: quiet}}
}

// mustApply parses and applies a scenario, failing the test on an error.
func (w *world) mustApply(t *testing.T, file string, getenv func(string) string) *Result {
	t.Helper()
	s, err := Parse("test.yaml", []byte(file), getenv)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.applier.Apply(context.Background(), s, "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// do sends a request to the world's APIs and returns the status and the body.
func (w *world) do(t *testing.T, method, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// sendText sends a text through the Cloud API with a token and returns the
// status and the body.
func (w *world) sendText(t *testing.T, token, phoneNumberID, to string) (int, string) {
	t.Helper()
	return w.do(t, http.MethodPost, "/v23.0/"+phoneNumberID+"/messages", map[string]string{"Authorization": "Bearer " + token},
		`{"messaging_product":"whatsapp","to":"`+to+`","type":"text","text":{"body":"hello from CI"}}`)
}

// receiver is a webhook receiver for one verify token and one app secret: it
// answers the handshake once it is ready, and keeps the bodies POSTed to it
// whose signature is right.
type receiver struct {
	srv    *httptest.Server
	ready  atomic.Bool
	token  string
	secret string

	mu        sync.Mutex
	bodies    []string
	badSigned int
}

func mustReceiver(t *testing.T, token, secret string) *receiver {
	t.Helper()
	rc := &receiver{token: token, secret: secret}
	rc.ready.Store(true)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			q := r.URL.Query()
			if !rc.ready.Load() {
				http.Error(w, "starting", http.StatusServiceUnavailable)
				return
			}
			if q.Get("hub.verify_token") != rc.token {
				http.Error(w, "wrong verify token", http.StatusForbidden)
				return
			}
			io.WriteString(w, q.Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte(rc.secret))
		m.Write(b)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if r.Header.Get("X-Hub-Signature-256") != "sha256="+hex.EncodeToString(m.Sum(nil)) {
			rc.badSigned++
			return
		}
		rc.bodies = append(rc.bodies, string(b))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// waitBody waits for a well-signed body that holds s.
func (rc *receiver) waitBody(t *testing.T, s string) {
	t.Helper()
	waitFor(t, "a webhook with "+s, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, b := range rc.bodies {
			if strings.Contains(b, s) {
				return true
			}
		}
		return false
	})
}

// waitFor polls cond until it holds, for at most 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// field reads a dotted path ("users.0.token") of a JSON body.
func field(t *testing.T, body, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(bytes.Trim(b, `"`))
}
