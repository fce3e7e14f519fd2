package webhook

import (
	"context"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Redeliver sends any delivery again, whatever its state, after the ones queued
// before it.
func TestRedeliver(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// fail makes the receiver answer 500 to the first attempt.
		fail bool
		// inFlight calls Redeliver while the first POST is being answered.
		inFlight bool
		want     wabi.DeliveryState // state before Redeliver
	}{
		{name: "delivered", want: wabi.DeliveryDelivered},
		{name: "failed", fail: true, want: wabi.DeliveryFailed},
		{name: "in flight", inFlight: true, want: wabi.DeliveryPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustStore(t)
			clock := wabi.NewManualClock(start)
			d1 := delivery(1, "app1", "alice", clock.Now())
			d2 := delivery(2, "app1", "alice", clock.Now())
			arrived, release := make(chan struct{}), make(chan struct{})
			r := mustReceiver(t, func(id string, n int) (int, string) {
				if id != d1.ID || n != 1 {
					return http.StatusOK, ""
				}
				if tc.inFlight {
					close(arrived)
					<-release
				}
				if tc.fail {
					return http.StatusInternalServerError, ""
				}
				return http.StatusOK, ""
			})
			e := NewEngine(s, toReceiver(r), clock)
			e.RetryFor = time.Second // the first failure is final
			mustCommit(t, s, d1)
			e.Enqueue(d1)
			mustRun(t, e)
			if tc.inFlight {
				<-arrived
				mustCommit(t, s, d2)
				e.Enqueue(d2)
			} else {
				waitFor(t, "first attempt", e.Idle)
				mustCommit(t, s, d2)
				e.Enqueue(d2)
				waitFor(t, "second delivery", e.Idle)
			}
			if got := mustDelivery(t, s, d1.ID); got.State != tc.want {
				t.Fatalf("before Redeliver the delivery is %s, want %s", got.State, tc.want)
			}

			clock.Advance(time.Hour)
			got, err := e.Redeliver(context.Background(), d1.ID)
			if err != nil {
				t.Fatalf("Redeliver: %v", err)
			}
			if got.State != wabi.DeliveryPending || !got.NextAttemptAt.Equal(clock.Now()) {
				t.Errorf("Redeliver returned %s due %v, want pending due now", got.State, got.NextAttemptAt)
			}
			if tc.inFlight {
				close(release)
			}
			waitFor(t, "redelivery", e.Idle)
			if got, want := r.ids("/app1"), []string{d1.ID, d2.ID, d1.ID}; !slices.Equal(got, want) {
				t.Errorf("receiver got %v, want %v", got, want)
			}
			if got := mustDelivery(t, s, d1.ID); got.State != wabi.DeliveryDelivered || got.Attempts != 2 {
				t.Errorf("stored = %s after %d attempts, want delivered after 2", got.State, got.Attempts)
			}
			if as := mustAttempts(t, s, d1.ID); len(as) != 2 || as[1].N != 2 || as[1].StatusCode != 200 {
				t.Errorf("attempts = %+v, want a second one answered 200", as)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		e := NewEngine(mustStore(t), toReceiver(mustReceiver(t, nil)), wabi.NewManualClock(start))
		if _, err := e.Redeliver(context.Background(), "404"); wabi.ErrorCode(err) != wabi.ENotFound {
			t.Errorf("Redeliver of an unknown id: %v, want ENotFound", err)
		}
	})
}

// The same delivery enqueued twice, and also found in the store at start, is sent
// once.
func TestEnqueueDeduplicates(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	r := mustReceiver(t, nil)
	e := NewEngine(s, toReceiver(r), clock)
	d := delivery(1, "app1", "alice", clock.Now())
	mustCommit(t, s, d)
	e.Enqueue(d, d)
	e.Enqueue(d)
	mustRun(t, e)
	waitFor(t, "delivery", e.Idle)
	e.Enqueue(d)
	waitFor(t, "delivery", e.Idle)
	if n := r.count(d.ID); n != 1 {
		t.Errorf("receiver got the delivery %d times, want 1", n)
	}
}

// What the store holds as pending when Run starts is delivered, in order, and a
// late Enqueue of the same rows does not send them twice.
func TestRestartFromStore(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	var down atomic.Bool
	down.Store(true)
	r := mustReceiver(t, func(string, int) (int, string) {
		if down.Load() {
			return http.StatusBadGateway, ""
		}
		return http.StatusOK, ""
	})
	var ds []*wabi.Delivery
	for i := range 3 {
		ds = append(ds, delivery(i+1, "app1", "alice", clock.Now()))
	}
	mustCommit(t, s, ds...)

	first := NewEngine(s, toReceiver(r), clock)
	first.Enqueue(ds...)
	stop := mustRun(t, first)
	waitFor(t, "a failed attempt", func() bool { return mustDelivery(t, s, ds[0].ID).Attempts == 1 })
	stop()

	down.Store(false)
	clock.Advance(time.Hour)
	second := NewEngine(s, toReceiver(r), clock)
	mustRun(t, second)
	waitFor(t, "the backlog", func() bool { return len(r.ids("/app1")) == 4 })
	waitFor(t, "the writes", second.Idle)
	second.Enqueue(ds...)
	if !second.Idle() {
		t.Error("Enqueue after the start queued deliveries the store had already given")
	}
	if got, want := r.ids("/app1"), []string{ds[0].ID, ds[0].ID, ds[1].ID, ds[2].ID}; !slices.Equal(got, want) {
		t.Errorf("receiver got %v, want %v", got, want)
	}
	if as := mustAttempts(t, s, ds[0].ID); len(as) != 2 || as[1].N != 2 {
		t.Errorf("attempts = %+v, want the count to go on across the restart", as)
	}
	if got := mustDelivery(t, s, ds[2].ID); got.State != wabi.DeliveryDelivered {
		t.Errorf("last delivery %s, want delivered", got.State)
	}
}

// Stopping lets a POST in flight finish and records it.
func TestRunWaitsForInFlight(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	arrived, release := make(chan struct{}), make(chan struct{})
	r := mustReceiver(t, func(string, int) (int, string) {
		close(arrived)
		<-release
		return http.StatusOK, ""
	})
	e := NewEngine(s, toReceiver(r), clock)
	d := delivery(1, "app1", "alice", clock.Now())
	mustCommit(t, s, d)
	e.Enqueue(d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	<-arrived
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned %v with a POST in flight", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := mustDelivery(t, s, d.ID); got.State != wabi.DeliveryDelivered {
		t.Errorf("stored %s, want delivered", got.State)
	}
}

// Redelivering a delivery that is still queued moves it behind the others of its
// key.
func TestRedeliverQueuedMovesToTail(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	clock := wabi.NewManualClock(start)
	ds := []*wabi.Delivery{
		delivery(1, "app1", "alice", clock.Now()),
		delivery(2, "app1", "alice", clock.Now()),
		delivery(3, "app1", "alice", clock.Now()),
	}
	r := mustReceiver(t, func(id string, n int) (int, string) {
		if id == ds[0].ID && n == 1 {
			return http.StatusServiceUnavailable, ""
		}
		return http.StatusOK, ""
	})
	e := NewEngine(s, toReceiver(r), clock)
	e.RetryBase = time.Minute
	mustCommit(t, s, ds...)
	e.Enqueue(ds...)
	mustRun(t, e)
	waitFor(t, "the failed head", func() bool { return mustDelivery(t, s, ds[0].ID).Attempts == 1 })
	if _, err := e.Redeliver(context.Background(), ds[1].ID); err != nil {
		t.Fatalf("Redeliver: %v", err)
	}
	clock.Advance(2 * time.Minute)
	waitFor(t, "the backlog", e.Idle)
	if got, want := r.ids("/app1"), []string{ds[0].ID, ds[0].ID, ds[2].ID, ds[1].ID}; !slices.Equal(got, want) {
		t.Errorf("receiver got %v, want %v", got, want)
	}
}
