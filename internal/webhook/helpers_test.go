package webhook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// start is where every test clock stands at first.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testStore is the store the tests run on: a real one (SQLite unless a test
// runs on several backends), filled through Commit as the platform fills it.
type testStore = wabi.Store

// mustStore opens a SQLite store in a fresh directory, closed when the test ends.
func mustStore(t testing.TB) testStore {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// hit is one request a receiver got.
type hit struct {
	path   string
	id     string
	header http.Header
	body   []byte
}

// receiver is a webhook receiver that records what it gets and answers as told.
type receiver struct {
	srv *httptest.Server
	// answer gives the status and body for the nth request (from 1) carrying id.
	answer func(id string, n int) (int, string)

	mu   sync.Mutex
	hits []hit
	seen map[string]int
}

func mustReceiver(t testing.TB, answer func(id string, n int) (int, string)) *receiver {
	t.Helper()
	r := &receiver{answer: answer, seen: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := bodyID(body)
	r.mu.Lock()
	r.hits = append(r.hits, hit{path: req.URL.Path, id: id, header: req.Header.Clone(), body: body})
	r.seen[id]++
	n := r.seen[id]
	r.mu.Unlock()
	status, text := http.StatusOK, "ok"
	if r.answer != nil {
		status, text = r.answer(id, n)
	}
	w.WriteHeader(status)
	io.WriteString(w, text)
}

// ids returns the ids received on path, in arrival order.
func (r *receiver) ids(path string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, h := range r.hits {
		if h.path == path {
			ids = append(ids, h.id)
		}
	}
	return ids
}

func (r *receiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[id]
}

// bodyID pulls the delivery id out of a test body.
func bodyID(b []byte) string {
	s, ok := strings.CutPrefix(string(b), `{"id":"`)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(s, `"`)
	return id
}

// resolveFunc adapts a function to Resolver.
type resolveFunc func(ctx context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error)

func (f resolveFunc) Resolve(ctx context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
	return f(ctx, d)
}

// toReceiver sends each target's deliveries to /<target> on r, signed with
// "secret-<target>".
func toReceiver(r *receiver) Resolver {
	return resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
		return wabi.WebhookTarget{URL: r.srv.URL + "/" + d.TargetID, Secret: "secret-" + d.TargetID}, nil
	})
}

// delivery returns pending delivery number n for the key (target, "p1", waID),
// created and due at now.
func delivery(n int, target, waID string, now time.Time) *wabi.Delivery {
	id := fmt.Sprintf("%016d", 1e15+n)
	return &wabi.Delivery{
		ID: id, Dialect: wabi.DialectCloud, TargetID: target, PhoneNumberID: "p1", WaID: waID,
		Event: "message", Body: []byte(`{"id":"` + id + `","text":"caf\u00e9 \/ <ok>"}`),
		State: wabi.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
	}
}

// mustCommit writes deliveries to the store as the platform does.
func mustCommit(t testing.TB, s testStore, ds ...*wabi.Delivery) {
	t.Helper()
	if err := s.Commit(context.Background(), &wabi.Batch{Deliveries: ds}); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// mustRun runs e until the test ends, and checks that Run then returns nil.
func mustRun(t testing.TB, e *Engine) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing the test after a few seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func mustDelivery(t testing.TB, s testStore, id string) *wabi.Delivery {
	t.Helper()
	d, err := s.Delivery(context.Background(), id)
	if err != nil {
		t.Fatalf("delivery %s: %v", id, err)
	}
	return d
}

func mustAttempts(t testing.TB, s testStore, id string) []*wabi.Attempt {
	t.Helper()
	as, err := s.Attempts(context.Background(), id)
	if err != nil {
		t.Fatalf("attempts of %s: %v", id, err)
	}
	return as
}
