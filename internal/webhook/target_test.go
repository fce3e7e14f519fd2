package webhook

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/wabi"
)

// onPrem returns the target an On-Premises deployment resolves to: r's /<target>,
// unsigned, retried every step more up to limit, and delivered only on a 200.
func onPrem(r *receiver, step, limit time.Duration) Resolver {
	return resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
		return wabi.WebhookTarget{URL: r.srv.URL + "/" + d.TargetID, RetryStep: step, RetryCap: limit, OnlyOK: true}, nil
	})
}

// gaps follows the attempts at the delivery id through e.OnAttempt, advancing the
// clock to each retry, and returns the delays between attempts and the final state.
// It must be called before Run.
func gaps(t *testing.T, e *Engine, clock *wabi.ManualClock, id string) func() ([]time.Duration, wabi.DeliveryState) {
	t.Helper()
	seen := make(chan wabi.Delivery, 100)
	e.OnAttempt = func(d *wabi.Delivery, _ *wabi.Attempt) {
		if d.ID == id {
			seen <- *d
		}
	}
	return func() ([]time.Duration, wabi.DeliveryState) {
		t.Helper()
		var gs []time.Duration
		for {
			var d wabi.Delivery
			select {
			case d = <-seen:
			case <-time.After(5 * time.Second):
				t.Fatalf("no attempt after %d", len(gs)+1)
			}
			if d.State != wabi.DeliveryPending {
				return gs, d.State
			}
			g := d.NextAttemptAt.Sub(clock.Now())
			gs = append(gs, g)
			clock.Advance(g)
		}
	}
}

// An unsigned target gets no signature header at all; a signed one, on the same
// engine, gets the HMAC of the body under its secret.
func TestUnsignedTarget(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	r := mustReceiver(t, nil)
	clock := wabi.NewManualClock(start)
	e := NewEngine(s, resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
		tg := wabi.WebhookTarget{URL: r.srv.URL + "/" + d.TargetID}
		if d.TargetID == "app1" {
			tg.Secret = "s3cret"
		}
		return tg, nil
	}), clock)
	signed := delivery(1, "app1", "alice", clock.Now())
	unsigned := delivery(2, "pn1", "alice", clock.Now())
	unsigned.Dialect = wabi.DialectOnPrem
	mustCommit(t, s, signed, unsigned)
	e.Enqueue(signed, unsigned)
	mustRun(t, e)
	waitFor(t, "both deliveries", e.Idle)

	r.mu.Lock()
	hits := slices.Clone(r.hits)
	r.mu.Unlock()
	if len(hits) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(hits))
	}
	for _, h := range hits {
		sig, has := h.header["X-Hub-Signature-256"]
		switch h.path {
		case "/app1":
			if want := Sign("s3cret", signed.Body); len(sig) != 1 || sig[0] != want {
				t.Errorf("signed delivery has X-Hub-Signature-256 %q, want %s", sig, want)
			}
		case "/pn1":
			if has {
				t.Errorf("unsigned delivery has X-Hub-Signature-256 %q, want none", sig)
			}
			if got := h.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("unsigned delivery Content-Type = %q, want application/json", got)
			}
		default:
			t.Errorf("request on %s", h.path)
		}
	}
}

// A linear target is retried after step, 2×step, ... up to its cap, exactly, and
// the retry period still ends it.
func TestLinearBackoff(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	r := mustReceiver(t, func(string, int) (int, string) { return http.StatusServiceUnavailable, "" })
	clock := wabi.NewManualClock(start)
	e := NewEngine(s, onPrem(r, 3*time.Second, 10*time.Second), clock)
	// The exponential policy would wait an hour: any gap that long is the wrong one.
	e.RetryBase, e.RetryFor = time.Hour, 40*time.Second
	d := delivery(1, "pn1", "alice", clock.Now())
	follow := gaps(t, e, clock, d.ID)
	mustCommit(t, s, d)
	e.Enqueue(d)
	mustRun(t, e)

	// Attempts at 0, 3, 9, 18, 28 and 38s; a retry at 48s would pass the period.
	got, state := follow()
	want := []time.Duration{3 * time.Second, 6 * time.Second, 9 * time.Second, 10 * time.Second, 10 * time.Second}
	if !slices.Equal(got, want) || state != wabi.DeliveryFailed {
		t.Errorf("retried after %v then %s, want %v then failed", got, state, want)
	}
	waitFor(t, "the writes", e.Idle)
	if as := mustAttempts(t, s, d.ID); len(as) != len(want)+1 {
		t.Errorf("%d attempts recorded, want %d", len(as), len(want)+1)
	}
}

// The backoff follows the target of the last attempt: a failed Resolve waits the
// engine's exponential delay, and the linear step applies again from the next
// attempt on, counted from the first.
func TestBackoffFollowsLastTarget(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	var up atomic.Bool
	r := mustReceiver(t, func(string, int) (int, string) {
		if up.Load() {
			return http.StatusOK, ""
		}
		return http.StatusBadGateway, ""
	})
	clock := wabi.NewManualClock(start)
	var calls atomic.Int32
	linear := onPrem(r, 3*time.Second, time.Minute)
	e := NewEngine(s, resolveFunc(func(ctx context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
		if calls.Add(1) == 1 {
			return wabi.WebhookTarget{}, wabi.Errorf(wabi.EInvalidParam, "no webhooks.url")
		}
		return linear.Resolve(ctx, d)
	}), clock)
	e.RetryBase = time.Minute
	d := delivery(1, "pn1", "alice", clock.Now())
	seen := make(chan wabi.Delivery, 10)
	e.OnAttempt = func(d *wabi.Delivery, _ *wabi.Attempt) { seen <- *d }
	mustCommit(t, s, d)
	e.Enqueue(d)
	mustRun(t, e)

	next := func() wabi.Delivery {
		t.Helper()
		select {
		case d := <-seen:
			return d
		case <-time.After(5 * time.Second):
			t.Fatal("no attempt")
		}
		return wabi.Delivery{}
	}
	g := next().NextAttemptAt.Sub(clock.Now())
	if g < 48*time.Second || g > 72*time.Second {
		t.Fatalf("retry after a failed Resolve in %v, want the exponential minute ±20%%", g)
	}
	clock.Advance(g)
	if g := next().NextAttemptAt.Sub(clock.Now()); g != 6*time.Second {
		t.Fatalf("retry after the second attempt in %v, want 2 × 3s", g)
	}
	up.Store(true)
	clock.Advance(6 * time.Second)
	if got := next(); got.State != wabi.DeliveryDelivered || got.Attempts != 3 {
		t.Errorf("third attempt left %s after %d attempts, want delivered after 3", got.State, got.Attempts)
	}
	waitFor(t, "the writes", e.Idle)
}

// OnlyOK targets count only a 200 as delivered; other targets take any 2xx.
func TestOnlyOK(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		onlyOK bool
		status int
		// attempts is how many attempts deliver it: the receiver answers status
		// first and 200 after.
		attempts int
	}{
		{"onprem 204 retried", true, http.StatusNoContent, 2},
		{"onprem 201 retried", true, http.StatusCreated, 2},
		{"onprem 200", true, http.StatusOK, 1},
		{"cloud 204", false, http.StatusNoContent, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustStore(t)
			r := mustReceiver(t, func(_ string, n int) (int, string) {
				if n == 1 {
					return tc.status, ""
				}
				return http.StatusOK, ""
			})
			clock := wabi.NewManualClock(start)
			e := NewEngine(s, resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
				return wabi.WebhookTarget{URL: r.srv.URL, RetryStep: 3 * time.Second, RetryCap: time.Minute, OnlyOK: tc.onlyOK}, nil
			}), clock)
			d := delivery(1, "pn1", "alice", clock.Now())
			mustCommit(t, s, d)
			e.Enqueue(d)
			mustRun(t, e)
			waitFor(t, "the first attempt", func() bool { return mustDelivery(t, s, d.ID).Attempts == 1 })
			if tc.attempts > 1 {
				got := mustDelivery(t, s, d.ID)
				if got.State != wabi.DeliveryPending || got.LastStatus != tc.status || got.LastError == "" {
					t.Fatalf("after a %d the delivery is %s (%d %q), want pending with an error", tc.status, got.State, got.LastStatus, got.LastError)
				}
				clock.Advance(3 * time.Second)
			}
			waitFor(t, "delivery", e.Idle)
			got := mustDelivery(t, s, d.ID)
			if got.State != wabi.DeliveryDelivered || got.Attempts != tc.attempts {
				t.Errorf("stored %s after %d attempts, want delivered after %d", got.State, got.Attempts, tc.attempts)
			}
			if n := r.count(d.ID); n != tc.attempts {
				t.Errorf("receiver got %d requests, want %d", n, tc.attempts)
			}
		})
	}
}

// Deliveries go through the server's guard: a target that is wabi's own
// listener is never POSTed to, whatever the deployment's webhook URL says, and
// the attempt says why.
func TestDeliveryNeverReachesWabi(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	self := mustReceiver(t, nil)
	g, err := fetch.NewGuard([]net.Addr{self.srv.Listener.Addr()}, "")
	if err != nil {
		t.Fatal(err)
	}
	clock := wabi.NewManualClock(start)
	e := NewEngine(s, toReceiver(self), clock)
	e.Client = g.MustClient(fetch.Policy{Internal: true}, fetch.ClientOptions{Conns: 1})
	d := delivery(1, "pn1", "alice", clock.Now())
	mustCommit(t, s, d)
	e.Enqueue(d)
	mustRun(t, e)
	waitFor(t, "the attempt", func() bool { return len(mustAttempts(t, s, d.ID)) == 1 })
	if n := self.count(d.ID); n != 0 {
		t.Fatalf("wabi's own listener got the delivery %d times", n)
	}
	a := mustAttempts(t, s, d.ID)[0]
	if a.StatusCode != 0 || !strings.Contains(a.Error, "wabi's own listener") {
		t.Fatalf("attempt = %d %q, want a refusal naming wabi's own listener", a.StatusCode, a.Error)
	}
}
