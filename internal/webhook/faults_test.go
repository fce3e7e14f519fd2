package webhook

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// fakeFaults fires one kind of fault once on each delivery id it is given.
type fakeFaults struct {
	kind  wabi.FaultKind
	delay time.Duration

	mu sync.Mutex
	on map[string]bool
}

func newFakeFaults(kind wabi.FaultKind, delay time.Duration, ids ...string) *fakeFaults {
	f := &fakeFaults{kind: kind, delay: delay, on: map[string]bool{}}
	for _, id := range ids {
		f.on[id] = true
	}
	return f
}

func (f *fakeFaults) Armed(k wabi.FaultKind) bool { return k == f.kind }

func (f *fakeFaults) Fire(_ context.Context, ev wabi.FaultEvent) *wabi.Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ev.Kind != f.kind || !f.on[ev.Where] || ev.PhoneNumberID != "p1" || ev.WaID == "" {
		return nil
	}
	delete(f.on, ev.Where)
	return &wabi.Fault{ID: "f1", Kind: f.kind, Delay: wabi.Duration(f.delay)}
}

// faultEngines are the engines a fault test runs on: one node's own engine on
// SQLite, and shared engines on each backend.
var faultEngines = []string{"local", "sqlite", "postgres"}

// onFaultEngines runs test with a fresh receiver, store, clock and engine of
// each kind, the engine not yet running.
func onFaultEngines(t *testing.T, test func(t *testing.T, r *receiver, s testStore, c *wabi.ManualClock, e *Engine)) {
	for _, kind := range faultEngines {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			r := mustReceiver(t, nil)
			c := wabi.NewManualClock(start)
			var s testStore
			var e *Engine
			if kind == "local" {
				s = mustStore(t)
				e = NewEngine(s, toReceiver(r), c)
			} else {
				s = mustSharedStores(t, kind, 1)[0]
				e = sharedEngine(s, toReceiver(r), c, "a")
			}
			test(t, r, s, c, e)
		})
	}
}

// A delayed delivery is held back before its first POST, with an attempt that
// says so, and sent once the delay is over.
func TestFaultWebhookDelayed(t *testing.T) {
	t.Parallel()
	onFaultEngines(t, func(t *testing.T, r *receiver, s testStore, c *wabi.ManualClock, e *Engine) {
		d := delivery(1, "app1", "alice", c.Now())
		e.Faults = newFakeFaults(wabi.FaultWebhookDelayed, time.Minute, d.ID)
		mustCommit(t, s, d)
		mustRun(t, e)
		e.Enqueue(d)
		// A local engine keeps the held delivery queued: the store says when it is held.
		waitFor(t, "the hold", func() bool { return len(mustAttempts(t, s, d.ID)) == 1 })
		got := mustDelivery(t, s, d.ID)
		if got.State != wabi.DeliveryPending || !got.NextAttemptAt.Equal(start.Add(time.Minute)) || r.count(d.ID) != 0 {
			t.Fatalf("held delivery: %+v, posted %d times", got, r.count(d.ID))
		}
		if a := mustAttempts(t, s, d.ID)[0]; a.StatusCode != 0 || a.URL != "" || !strings.HasPrefix(a.Error, "wabi fault f1 (webhook_delayed): held back 1m0s") {
			t.Errorf("the hold's attempt: %+v", a)
		}
		c.Advance(time.Minute)
		waitFor(t, "the delivery", func() bool { return mustDelivery(t, s, d.ID).State == wabi.DeliveryDelivered })
		if as := mustAttempts(t, s, d.ID); len(as) != 2 || as[1].StatusCode != 200 || r.count(d.ID) != 1 {
			t.Errorf("attempts after the delay: %+v; posted %d times", as, r.count(d.ID))
		}
	})
}

// A duplicated delivery is POSTed twice; both POSTs are attempts, the second
// naming the fault; the delivery is delivered, once in the store.
func TestFaultWebhookDuplicated(t *testing.T) {
	t.Parallel()
	onFaultEngines(t, func(t *testing.T, r *receiver, s testStore, c *wabi.ManualClock, e *Engine) {
		d := delivery(1, "app1", "alice", c.Now())
		e.Faults = newFakeFaults(wabi.FaultWebhookDuplicated, 0, d.ID)
		var seen []int
		var mu sync.Mutex
		e.OnAttempt = func(_ *wabi.Delivery, a *wabi.Attempt) { mu.Lock(); seen = append(seen, a.N); mu.Unlock() }
		mustCommit(t, s, d)
		mustRun(t, e)
		e.Enqueue(d)
		waitFor(t, "both attempts", func() bool { return len(mustAttempts(t, s, d.ID)) == 2 && e.Idle() })
		as := mustAttempts(t, s, d.ID)
		if r.count(d.ID) != 2 || as[0].Error != "" || as[1].StatusCode != 200 ||
			as[1].Error != "wabi fault f1 (webhook_duplicated): the delivered webhook POSTed again" {
			t.Errorf("posted %d times; attempts %+v %+v", r.count(d.ID), as[0], as[1])
		}
		if got := mustDelivery(t, s, d.ID); got.State != wabi.DeliveryDelivered || got.Attempts != 2 || got.LastError != "" {
			t.Errorf("the duplicated delivery: %+v", got)
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(seen, []int{1, 2}) {
			t.Errorf("live view saw attempts %v, want 1 and 2", seen)
		}
	})
}

// A reordered delivery is held until the next of its key is queued, and sent
// after it; the other keys are not held up.
func TestFaultWebhookReordered(t *testing.T) {
	t.Parallel()
	onFaultEngines(t, func(t *testing.T, r *receiver, s testStore, c *wabi.ManualClock, e *Engine) {
		target := "app1"
		first, second := delivery(1, target, "alice", c.Now()), delivery(2, target, "alice", c.Now())
		other := delivery(3, target, "bob", c.Now())
		e.Faults = newFakeFaults(wabi.FaultWebhookReordered, 10*time.Second, first.ID)
		mustCommit(t, s, first, other)
		mustRun(t, e)
		e.Enqueue(first, other)
		waitFor(t, "the hold and the other key", func() bool {
			return len(mustAttempts(t, s, first.ID)) == 1 && r.count(other.ID) == 1
		})
		mustCommit(t, s, second)
		e.Enqueue(second)
		time.Sleep(10 * time.Millisecond)
		if n := r.count(second.ID); n != 0 {
			t.Fatalf("the next delivery passed the held head at once (%d POSTs)", n)
		}
		c.Advance(10 * time.Second)
		waitFor(t, "both deliveries", func() bool { return r.count(first.ID) == 1 && r.count(second.ID) == 1 })
		if got := r.ids("/" + target); !slices.Equal(got, []string{other.ID, second.ID, first.ID}) {
			t.Errorf("received %v, want %v", got, []string{other.ID, second.ID, first.ID})
		}
		waitFor(t, "the writes", func() bool { return mustDelivery(t, s, first.ID).State == wabi.DeliveryDelivered && e.Idle() })
		if as := mustAttempts(t, s, first.ID); len(as) != 2 || !strings.HasPrefix(as[0].Error, "wabi fault f1 (webhook_reordered): held back up to 10s") {
			t.Errorf("attempts of the reordered delivery: %+v", as)
		}
	})
}

// On one node's engine, a delivery whose next is queued already goes behind
// it at once.
func TestFaultWebhookReorderedQueued(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	c := wabi.NewManualClock(start)
	r := mustReceiver(t, nil)
	first, second := delivery(1, "app1", "alice", c.Now()), delivery(2, "app1", "alice", c.Now())
	mustCommit(t, s, first, second)
	e := NewEngine(s, toReceiver(r), c)
	e.Faults = newFakeFaults(wabi.FaultWebhookReordered, time.Hour, first.ID)
	mustRun(t, e) // loads both from the store
	waitFor(t, "both deliveries", func() bool { return r.count(first.ID) == 1 && r.count(second.ID) == 1 })
	if got := r.ids("/app1"); !slices.Equal(got, []string{second.ID, first.ID}) {
		t.Errorf("received %v, want the second first", got)
	}
	waitFor(t, "the writes", func() bool { return e.Idle() })
	if as := mustAttempts(t, s, first.ID); len(as) != 2 || as[0].Error != "wabi fault f1 (webhook_reordered): sent after the next delivery of its chat" {
		t.Errorf("attempts of the reordered delivery: %+v", as)
	}
}
