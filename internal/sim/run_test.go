package sim_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestRunStops checks that Run returns once its context ends, and that the
// network then starts nothing: neither new messages nor timers already set.
func TestRunStops(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("1001", wabi.Behaviour{DeliveryDelay: wabi.Duration(time.Second), AutoRead: true}))
	h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
	h.waitUpdates(t, 1)
	h.waitPending(t, 1)
	h.stop(t)

	h.mustDeliver(t, "wamid.2", "1001", wabi.StatusAccepted)
	h.clock.Advance(time.Hour)
	// The fired timer runs in a goroutine of the clock's; give it the time it
	// would need to (wrongly) report, then look.
	waitFor(t, "the timer to fire", func() bool { return h.clock.Pending() == 0 })
	time.Sleep(20 * time.Millisecond)
	if us := h.sink.all(); len(us) != 1 {
		t.Errorf("after stop the sink took %+v, want only the first sent", us)
	}
}

// blockingSink holds every status update until released.
type blockingSink struct {
	sink
	entered chan struct{}
	release chan struct{}
}

func (s *blockingSink) UpdateStatus(ctx context.Context, u wabi.StatusUpdate) error {
	s.entered <- struct{}{}
	<-s.release
	return s.sink.UpdateStatus(ctx, u)
}

// TestRunWaitsForReports checks that Run does not return while a status is being
// recorded, so a shutdown does not cut a store write short.
func TestRunWaitsForReports(t *testing.T) {
	h := mustHarness(t)
	// The delay keeps "delivered" on a timer that never fires.
	h.mustPut(t, phone("1001", wabi.Behaviour{DeliveryDelay: wabi.Duration(time.Second)}))
	bs := &blockingSink{entered: make(chan struct{}, 1), release: make(chan struct{})}
	net := sim.New(h.store, h.clock)
	net.Sink = bs
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- net.Run(ctx) }()
	t.Cleanup(cancel)

	if err := net.Deliver(ctx, &wabi.Message{ID: "wamid.1", WaID: "1001", Status: wabi.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	<-bs.entered
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while a status was being recorded")
	case <-time.After(30 * time.Millisecond):
	}
	close(bs.release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return")
	}
	if got := bs.statuses("wamid.1"); !slices.Equal(got, []wabi.Status{sent}) {
		t.Errorf("statuses = %v, want [sent] and nothing after the stop", got)
	}
}
