package sim_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// callSink records each UpdateStatuses call as the statuses it carried.
type callSink struct {
	sink
	cmu   sync.Mutex
	calls [][]wabi.Status
}

func (s *callSink) UpdateStatuses(ctx context.Context, us []wabi.StatusUpdate) []error {
	call := make([]wabi.Status, len(us))
	errs := make([]error, len(us))
	for i, u := range us {
		call[i] = u.Status
		errs[i] = s.UpdateStatus(ctx, u)
	}
	s.cmu.Lock()
	s.calls = append(s.calls, call)
	s.cmu.Unlock()
	return errs
}

func (s *callSink) got() string {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return fmt.Sprint(s.calls)
}

// TestNoDelayChainsStatuses checks that what a phone does without delay is
// reported with the status before it, in the same write and in order: sent and
// delivered together, and read too when the phone reads at once; what waits
// for a delay, or for a status_delayed fault that may fire, comes on its own.
func TestNoDelayChainsStatuses(t *testing.T) {
	for _, c := range []struct {
		name    string
		b       wabi.Behaviour
		armed   bool
		advance time.Duration
		want    string
	}{
		{"reads at once", wabi.Behaviour{AutoRead: true}, false, 0, "[[sent delivered read]]"},
		{"waits to be told to read", wabi.Behaviour{}, false, 0, "[[sent delivered]]"},
		{"reads later", wabi.Behaviour{AutoRead: true, ReadDelay: wabi.Duration(time.Second)}, false, time.Second,
			"[[sent delivered] [read]]"},
		{"delivered later", wabi.Behaviour{AutoRead: true, DeliveryDelay: wabi.Duration(time.Second)}, false, time.Second,
			"[[sent] [delivered read]]"},
		{"a status_delayed fault is armed", wabi.Behaviour{AutoRead: true}, true, 0, "[[sent] [delivered] [read]]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := mustHarness(t)
			h.mustPut(t, phone("1001", c.b))
			cs := &callSink{}
			h.sink = &cs.sink
			h.run(t)
			h.net.Sink = cs
			if c.armed {
				// Armed, but firing on nothing.
				h.net.Faults = &faults{kind: wabi.FaultStatusDelayed, on: map[string]bool{}}
			}
			h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
			if c.advance > 0 {
				waitFor(t, "a timer", func() bool { return h.clock.Pending() == 1 })
				h.clock.Advance(c.advance)
			}
			want := 3
			if !c.b.AutoRead {
				want = 2
			}
			h.waitUpdates(t, want)
			waitFor(t, "the phone to go idle", func() bool { return h.net.Active() == 0 })
			if got := cs.got(); got != c.want {
				t.Errorf("calls %s, want %s", got, c.want)
			}
			h.wantStatuses(t, "wamid.1", []wabi.Status{sent, delivered, read}[:want]...)
		})
	}
}

// TestChainStopsAtRefusal checks that when the sink refuses a status, the
// statuses chained after it are not reported: a read never stands without its
// delivered.
func TestChainStopsAtRefusal(t *testing.T) {
	h := mustHarness(t)
	h.mustPut(t, phone("1001", wabi.Behaviour{AutoRead: true}))
	h.sink.fail = func(u wabi.StatusUpdate) error {
		if u.Status == delivered {
			return fmt.Errorf("disk full")
		}
		return nil
	}
	h.run(t)
	h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
	waitFor(t, "the phone to go idle", func() bool { return h.net.Active() == 0 })
	h.stop(t)
	if got := h.sink.statuses("wamid.1"); !slices.Equal(got, []wabi.Status{sent}) {
		t.Errorf("statuses %v, want [sent]", got)
	}
}
