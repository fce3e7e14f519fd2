package sim_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/wabi"
)

// gateSink holds its first two UpdateStatuses calls until gate closes, and
// records the messages each call carried.
type gateSink struct {
	sink
	cmu     sync.Mutex
	calls   [][]string
	entered chan struct{}
	gate    chan struct{}
}

func (s *gateSink) UpdateStatuses(ctx context.Context, us []wabi.StatusUpdate) []error {
	s.cmu.Lock()
	n := len(s.calls)
	var ids []string
	for _, u := range us {
		if !slices.Contains(ids, u.MessageID) {
			ids = append(ids, u.MessageID)
		}
	}
	s.calls = append(s.calls, ids)
	s.cmu.Unlock()
	if n < 2 {
		s.entered <- struct{}{}
		<-s.gate
	}
	errs := make([]error, len(us))
	for i, u := range us {
		errs[i] = s.UpdateStatus(ctx, u)
	}
	return errs
}

// TestPhonesJoinInOneCall checks that phones reporting while the sink is busy
// have their statuses joined into one call, each phone's in order, and that
// every phone goes on once its own are recorded.
func TestPhonesJoinInOneCall(t *testing.T) {
	h := mustHarness(t)
	for i := range 4 {
		h.mustPut(t, phone(fmt.Sprint(1001+i), wabi.Behaviour{AutoRead: true}))
	}
	gs := &gateSink{entered: make(chan struct{}), gate: make(chan struct{})}
	h.sink = &gs.sink
	h.run(t)
	h.net.Sink = gs
	// Two calls in progress, held: the next two phones' reports wait.
	h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
	<-gs.entered
	h.mustDeliver(t, "wamid.2", "1002", wabi.StatusAccepted)
	<-gs.entered
	h.mustDeliver(t, "wamid.3", "1003", wabi.StatusAccepted)
	h.mustDeliver(t, "wamid.4", "1004", wabi.StatusAccepted)
	waitFor(t, "the waiting reports", func() bool { return sim.Waiting(h.net) == 2 })
	close(gs.gate)
	h.waitUpdates(t, 12)
	waitFor(t, "the phones to go idle", func() bool { return h.net.Active() == 0 })
	h.stop(t)
	for i := range 4 {
		h.wantStatuses(t, fmt.Sprint("wamid.", i+1), sent, delivered, read)
	}
	gs.cmu.Lock()
	defer gs.cmu.Unlock()
	joined := false
	for _, c := range gs.calls[2:] {
		joined = joined || len(c) > 1
	}
	if len(gs.calls) != 3 || !joined {
		t.Errorf("calls %v: want the held two and one with both waiting phones", gs.calls)
	}
}
