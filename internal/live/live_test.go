package live

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// recv reads the next event, failing the test if none comes within a second.
func recv(t *testing.T, ch <-chan Event) (Event, bool) {
	t.Helper()
	select {
	case e, ok := <-ch:
		return e, ok
	case <-time.After(time.Second):
		t.Fatal("no event within a second")
		return Event{}, false
	}
}

// wantClosed checks that ch is closed with nothing left in it.
func wantClosed(t *testing.T, ch <-chan Event) {
	t.Helper()
	if e, ok := recv(t, ch); ok {
		t.Fatalf("got %+v, want the channel closed", e)
	}
}

// TestFanOut checks that every subscriber gets every event, in order, and the
// typed helpers' data.
func TestFanOut(t *testing.T) {
	t.Parallel()
	var h Hub
	h.Publish(Event{Type: "before"}) // no subscriber yet: dropped, no panic
	ctx := t.Context()
	a, b := h.Subscribe(ctx), h.Subscribe(ctx)
	if n := h.Subscribers(); n != 2 {
		t.Fatalf("Subscribers = %d, want 2", n)
	}
	m := &wabi.Message{ID: "wamid.1", Status: wabi.StatusSent}
	d := &wabi.Delivery{ID: "d1", State: wabi.DeliveryPending}
	at := &wabi.Attempt{DeliveryID: "d1", N: 1, StatusCode: 500}
	h.Message(m)
	h.Deliveries([]*wabi.Delivery{d})
	h.Delivery(d, at)
	for _, ch := range []<-chan Event{a, b} {
		e, _ := recv(t, ch)
		if e.Type != TypeMessage || e.Data != m {
			t.Errorf("first event %+v, want the message", e)
		}
		e, _ = recv(t, ch)
		if c, ok := e.Data.(*DeliveryChange); e.Type != TypeDelivery || !ok || c.Delivery != d || c.Attempt != nil {
			t.Errorf("second event %+v, want the queued delivery", e)
		}
		e, _ = recv(t, ch)
		if c, ok := e.Data.(*DeliveryChange); !ok || c.Attempt != at {
			t.Errorf("third event %+v, want the attempt", e)
		}
	}
}

// TestSlowSubscriber checks that a subscriber that stops reading neither blocks
// Publish nor holds back one that keeps up: it gets what fit in its buffer,
// then an overflow event, then its channel closes.
func TestSlowSubscriber(t *testing.T) {
	t.Parallel()
	h := Hub{Buffer: 4}
	ctx := t.Context()
	slow, fast := h.Subscribe(ctx), h.Subscribe(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			h.Publish(Event{Type: "n", Data: i})
			if e := <-fast; e.Data != i {
				t.Errorf("fast subscriber got %+v, want event %d", e, i)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a slow subscriber")
	}
	for i := range 4 {
		if e, _ := recv(t, slow); e.Data != i {
			t.Fatalf("slow subscriber event %d is %+v", i, e)
		}
	}
	if e, _ := recv(t, slow); e.Type != TypeOverflow {
		t.Fatalf("after its buffer the slow subscriber got %+v, want overflow", e)
	}
	wantClosed(t, slow)
	if n := h.Subscribers(); n != 1 {
		t.Errorf("Subscribers = %d after the overflow, want 1", n)
	}
}

// TestEnd checks the three ways a subscription ends: its context, the hub's
// Close, and a context that ended before Subscribe.
func TestEnd(t *testing.T) {
	t.Parallel()
	var h Hub
	ctx, cancel := context.WithCancel(t.Context())
	gone, stays := h.Subscribe(ctx), h.Subscribe(t.Context())
	cancel()
	wantClosed(t, gone)
	h.Publish(Event{Type: "after cancel"})
	if e, _ := recv(t, stays); e.Type != "after cancel" {
		t.Fatalf("remaining subscriber got %+v", e)
	}
	wantClosed(t, h.Subscribe(ctx))

	h.Close()
	wantClosed(t, stays)
	wantClosed(t, h.Subscribe(t.Context()))
	if n := h.Subscribers(); n != 0 {
		t.Errorf("Subscribers = %d after Close, want 0", n)
	}
	h.Publish(Event{Type: "after close"}) // must not panic on closed channels
}

// TestConcurrent publishes from many goroutines while subscribers come and go;
// it is for the race detector, and checks that each subscriber that keeps up
// gets every event published while it listens exactly once.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	h := Hub{Buffer: 10000}
	ctx := t.Context()
	whole := h.Subscribe(ctx)
	var wg sync.WaitGroup
	// Subscribed before publishing starts, each gets its 10 events, then leaves
	// while publishing goes on.
	for range 8 {
		c, cancel := context.WithCancel(ctx)
		ch := h.Subscribe(c)
		wg.Go(func() {
			for range 10 {
				<-ch
			}
			cancel()
			for range ch { // drains to the close
			}
		})
	}
	for p := range 8 {
		wg.Go(func() {
			for i := range 500 {
				h.Publish(Event{Type: "n", Data: fmt.Sprint(p, "/", i)})
			}
		})
	}
	seen := map[any]bool{}
	for len(seen) < 8*500 {
		e, ok := recv(t, whole)
		if !ok || seen[e.Data] {
			t.Fatalf("event %+v (open %v) twice or after close", e, ok)
		}
		seen[e.Data] = true
	}
	wg.Wait()
}
