package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

func TestSign(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ secret, body string }{
		{"s3cret", `{"object":"whatsapp_business_account"}`},
		{"", ""},
		{"k", `{"text":"caf\u00e9 \/ <"}`},
	} {
		m := hmac.New(sha256.New, []byte(tc.secret))
		m.Write([]byte(tc.body))
		want := "sha256=" + hex.EncodeToString(m.Sum(nil))
		if got := Sign(tc.secret, []byte(tc.body)); got != want {
			t.Errorf("Sign(%q, %q) = %s, want %s", tc.secret, tc.body, got, want)
		}
	}
}

// A delivery reaches its receiver byte for byte, signed over those bytes, and its
// success is written to the log.
func TestDeliverSignedExactBody(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	r := mustReceiver(t, func(string, int) (int, string) { return http.StatusOK, "thanks" })
	clock := wabi.NewManualClock(start)
	e := NewEngine(s, toReceiver(r), clock)
	d := delivery(1, "app1", "15550001", clock.Now())
	mustCommit(t, s, d)
	e.Enqueue(d)
	mustRun(t, e)
	waitFor(t, "delivery", e.Idle)

	r.mu.Lock()
	hits := slices.Clone(r.hits)
	r.mu.Unlock()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hits))
	}
	h := hits[0]
	if !bytes.Equal(h.body, d.Body) {
		t.Errorf("body = %s, want exactly %s", h.body, d.Body)
	}
	m := hmac.New(sha256.New, []byte("secret-app1"))
	m.Write(d.Body)
	if got, want := h.header.Get("X-Hub-Signature-256"), "sha256="+hex.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	for k, want := range map[string]string{"Content-Type": "application/json", "User-Agent": "wabi-webhooks/1"} {
		if got := h.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if h.path != "/app1" {
		t.Errorf("path = %s, want /app1", h.path)
	}
	got := mustDelivery(t, s, d.ID)
	if got.State != wabi.DeliveryDelivered || got.Attempts != 1 || got.LastStatus != 200 || got.LastError != "" {
		t.Errorf("stored delivery = %+v, want delivered after 1 attempt with 200", got)
	}
	as := mustAttempts(t, s, d.ID)
	if len(as) != 1 || as[0].N != 1 || as[0].StatusCode != 200 || as[0].Response != "thanks" || as[0].URL != r.srv.URL+"/app1" {
		t.Errorf("attempts = %+v, want one 200 answered %q at %s/app1", as, "thanks", r.srv.URL)
	}
}

// A failing head holds back its own key only: the other contact's deliveries flow
// while the first waits for its retry, and then the first key drains in order.
func TestOrderPerKey(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	var a []*wabi.Delivery
	var b []*wabi.Delivery
	for i := range 3 {
		a = append(a, delivery(1+2*i, "app1", "alice", clock.Now()))
		b = append(b, delivery(2+2*i, "app1", "bob", clock.Now()))
	}
	r := mustReceiver(t, func(id string, n int) (int, string) {
		if id == a[0].ID && n == 1 {
			return http.StatusInternalServerError, "boom"
		}
		return http.StatusOK, ""
	})
	e := NewEngine(s, resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
		return wabi.WebhookTarget{URL: r.srv.URL + "/" + d.WaID, Secret: "k"}, nil
	}), clock)
	e.Workers = 4
	e.RetryBase = time.Minute
	all := append(slices.Clone(a), b...)
	mustCommit(t, s, all...)
	e.Enqueue(a[0], b[0], a[1], b[1], a[2], b[2])
	mustRun(t, e)

	waitFor(t, "bob's deliveries", func() bool { return len(r.ids("/bob")) == 3 })
	waitFor(t, "alice's first attempt to be recorded", func() bool { return mustDelivery(t, s, a[0].ID).Attempts == 1 })
	if got := r.ids("/alice"); !slices.Equal(got, []string{a[0].ID}) {
		t.Fatalf("alice got %v while her head failed, want only %s", got, a[0].ID)
	}
	if e.Idle() {
		t.Fatal("engine idle with alice's deliveries queued")
	}
	clock.Advance(2 * time.Minute)
	waitFor(t, "everything delivered", e.Idle)

	if got, want := r.ids("/alice"), []string{a[0].ID, a[0].ID, a[1].ID, a[2].ID}; !slices.Equal(got, want) {
		t.Errorf("alice got %v, want %v", got, want)
	}
	if got, want := r.ids("/bob"), []string{b[0].ID, b[1].ID, b[2].ID}; !slices.Equal(got, want) {
		t.Errorf("bob got %v, want %v", got, want)
	}
	var order []string
	for _, d := range all {
		order = append(order, string(mustDelivery(t, s, d.ID).State))
	}
	if slices.ContainsFunc(order, func(st string) bool { return st != string(wabi.DeliveryDelivered) }) {
		t.Errorf("stored states = %v, want all delivered", order)
	}
	as := mustAttempts(t, s, a[0].ID)
	if len(as) != 2 || as[0].StatusCode != 500 || as[0].Response != "boom" || as[0].Error == "" || as[1].StatusCode != 200 {
		t.Errorf("alice's first delivery attempts = %+v, want 500 boom then 200", as)
	}
}

// A receiver that keeps failing is retried ever more slowly, up to the cap, until
// the retry period ends; then the delivery fails and the next one goes out.
func TestBackoffThenGiveUp(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	d1 := delivery(1, "app1", "alice", clock.Now())
	d2 := delivery(2, "app1", "alice", clock.Now())
	r := mustReceiver(t, func(id string, _ int) (int, string) {
		if id == d1.ID {
			return http.StatusServiceUnavailable, "try later"
		}
		return http.StatusOK, ""
	})
	e := NewEngine(s, toReceiver(r), clock)
	e.RetryBase, e.RetryCap, e.RetryFor = time.Minute, 10*time.Minute, time.Hour
	attempts := make(chan wabi.Delivery, 100)
	e.OnAttempt = func(d *wabi.Delivery, _ *wabi.Attempt) {
		if d.ID == d1.ID {
			attempts <- *d
		}
	}
	mustCommit(t, s, d1, d2)
	e.Enqueue(d1, d2)
	mustRun(t, e)

	var gaps []time.Duration
	var last wabi.Delivery
	for last.State != wabi.DeliveryFailed {
		select {
		case last = <-attempts:
		case <-time.After(5 * time.Second):
			t.Fatalf("no attempt after %d", len(gaps))
		}
		if last.State != wabi.DeliveryPending {
			break
		}
		gap := last.NextAttemptAt.Sub(clock.Now())
		want := min(time.Minute<<len(gaps), 10*time.Minute)
		if gap < want*8/10 || gap > min(want*12/10, 10*time.Minute) {
			t.Errorf("retry %d after %v, want %v ±20%% and at most the cap", len(gaps)+1, gap, want)
		}
		if n := len(gaps); n > 0 && want < 10*time.Minute && gap <= gaps[n-1] {
			t.Errorf("retry %d after %v, not later than the one before (%v)", n+1, gap, gaps[n-1])
		}
		gaps = append(gaps, gap)
		if r.count(d2.ID) != 0 {
			t.Fatal("second delivery sent while the first one is retried")
		}
		clock.Advance(gap)
	}
	waitFor(t, "the second delivery", func() bool { return r.count(d2.ID) == 1 })
	waitFor(t, "the writes", e.Idle)

	if clock.Now().After(d1.CreatedAt.Add(time.Hour)) {
		t.Errorf("last attempt at %v, after the retry period", clock.Now())
	}
	if len(gaps) < 6 {
		t.Errorf("gave up after %d attempts within an hour, want at least 7", len(gaps)+1)
	}
	got := mustDelivery(t, s, d1.ID)
	if got.State != wabi.DeliveryFailed || got.Attempts != len(gaps)+1 || got.LastStatus != 503 {
		t.Errorf("stored = %+v, want failed after %d attempts with 503", got, len(gaps)+1)
	}
	as := mustAttempts(t, s, d1.ID)
	if len(as) != len(gaps)+1 {
		t.Fatalf("%d attempts recorded, want %d", len(as), len(gaps)+1)
	}
	for i, a := range as {
		if a.N != i+1 || a.StatusCode != 503 || a.Response != "try later" || a.Error != "HTTP 503 Service Unavailable" {
			t.Errorf("attempt %d = %+v, want n=%d 503 %q", i, a, i+1, "try later")
		}
	}
	if got := mustDelivery(t, s, d2.ID); got.State != wabi.DeliveryDelivered {
		t.Errorf("second delivery %s, want delivered", got.State)
	}
}

// An unknown target fails the attempt like an unreachable receiver does.
func TestResolveErrorRetries(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	r := mustReceiver(t, nil)
	var gone atomic.Bool
	gone.Store(true)
	resolved := make(chan struct{}, 10)
	e := NewEngine(s, resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
		defer func() { resolved <- struct{}{} }()
		if gone.Load() {
			return wabi.WebhookTarget{}, wabi.Errorf(wabi.ENotFound, "app %s not found", d.TargetID)
		}
		return wabi.WebhookTarget{URL: r.srv.URL, Secret: "k"}, nil
	}), clock)
	e.RetryBase = time.Second
	d := delivery(1, "app1", "alice", clock.Now())
	mustCommit(t, s, d)
	e.Enqueue(d)
	mustRun(t, e)
	<-resolved
	waitFor(t, "the failed attempt", func() bool { return len(mustAttempts(t, s, d.ID)) == 1 })
	gone.Store(false)
	clock.Advance(2 * time.Second)
	waitFor(t, "delivery", e.Idle)
	as := mustAttempts(t, s, d.ID)
	if len(as) != 2 || as[0].Error != "no target: app app1 not found" || as[0].URL != "" || as[1].StatusCode != 200 {
		t.Errorf("attempts = %+v, want a resolve failure then 200", as)
	}
}

// At most Workers POSTs are in flight; the other keys wait their turn.
func TestWorkersCapConcurrency(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	arrived, release := make(chan string, 3), make(chan struct{})
	r := mustReceiver(t, func(id string, _ int) (int, string) {
		arrived <- id
		<-release
		return http.StatusOK, ""
	})
	e := NewEngine(s, toReceiver(r), clock)
	e.Workers = 2
	ds := []*wabi.Delivery{
		delivery(1, "app1", "alice", clock.Now()),
		delivery(2, "app1", "bob", clock.Now()),
		delivery(3, "app1", "carol", clock.Now()),
	}
	mustCommit(t, s, ds...)
	e.Enqueue(ds...)
	mustRun(t, e)
	<-arrived
	<-arrived
	waitFor(t, "the third key to wait", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return len(e.ready) == 1 && e.active == 2
	})
	if n := len(r.ids("/app1")); n != 2 {
		t.Errorf("%d POSTs in flight with 2 workers", n)
	}
	close(release)
	waitFor(t, "all deliveries", e.Idle)
	if n := len(r.ids("/app1")); n != 3 {
		t.Errorf("receiver got %d deliveries, want 3", n)
	}
}

// A delivery enqueued without being committed is sent, but its missing row does
// not keep the other deliveries' attempts from being written.
func TestUncommittedDeliveryDoesNotBlockLog(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	r := mustReceiver(t, nil)
	e := NewEngine(s, toReceiver(r), clock)
	e.Logger = slog.New(slog.DiscardHandler)
	stray := delivery(1, "app1", "alice", clock.Now())
	ds := []*wabi.Delivery{stray}
	for i := range 20 {
		ds = append(ds, delivery(i+2, "app1", fmt.Sprintf("bob%d", i), clock.Now()))
	}
	mustCommit(t, s, ds[1:]...)
	e.Enqueue(ds...)
	mustRun(t, e)
	waitFor(t, "all writes", e.Idle)
	for _, d := range ds[1:] {
		if got := mustDelivery(t, s, d.ID); got.State != wabi.DeliveryDelivered {
			t.Errorf("delivery %s is %s, want delivered", d.ID, got.State)
		}
	}
	if _, err := s.Delivery(context.Background(), stray.ID); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("stray delivery in the store: %v", err)
	}
}
