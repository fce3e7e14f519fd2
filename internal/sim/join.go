package sim

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// Phones record their statuses concurrently, each lane in its own call, and
// each call is a write of its own: under load with many phones most of them
// carry a handful of statuses, and the per-call cost (a store request, its
// transaction slot, a wake-up) outweighs the rows. So the lanes' reports to a
// BatchSink are joined: a report that finds maxJoiners calls in progress waits
// for the next, which takes every report that waited, in the order they came.
// Each lane still waits for its own statuses to be recorded before it goes on,
// so a phone's statuses stay in order; reports of different phones were never
// ordered against each other.

// maxJoiners is how many joined calls may be in progress at once: two keep
// both cores busy preparing a call while the store writes the other.
const maxJoiners = 2

// joined is one lane's report waiting to be joined into a call.
type joined struct {
	us   []wabi.StatusUpdate
	errs []error
	done chan struct{}
}

// recordJoined records us as record does, joined with the reports of other
// lanes made meanwhile.
func (n *Network) recordJoined(ctx context.Context, us []wabi.StatusUpdate) []error {
	b, ok := n.Sink.(wabi.BatchSink)
	if !ok || len(us) == 0 {
		return n.record(ctx, us)
	}
	j := &joined{us: us, done: make(chan struct{})}
	n.jmu.Lock()
	n.jqueue = append(n.jqueue, j)
	lead := n.joiners < maxJoiners
	if lead {
		n.joiners++
	}
	n.jmu.Unlock()
	if lead {
		// The caller makes the call itself, with whatever waited: alone, a
		// report costs no hand-over to another goroutine.
		n.join(ctx, b, j)
	}
	<-j.done
	return j.errs
}

// join makes calls of the waiting reports until none is left, or, for a
// caller's own report (own), until that one is recorded: a goroutine of its
// own then takes over what waits meanwhile. join is called holding one of the
// maxJoiners slots and gives it back (or over) when it returns.
func (n *Network) join(ctx context.Context, b wabi.BatchSink, own *joined) {
	for {
		n.jmu.Lock()
		js := n.jqueue
		n.jqueue = nil
		if len(js) == 0 {
			n.joiners--
			n.jmu.Unlock()
			return
		}
		n.jmu.Unlock()
		ownDone := false
		all := js[0].us
		if len(js) > 1 {
			total := 0
			for _, j := range js {
				total += len(j.us)
			}
			all = make([]wabi.StatusUpdate, 0, total)
			for _, j := range js {
				all = append(all, j.us...)
			}
		}
		errs := b.UpdateStatuses(ctx, all)
		for _, j := range js {
			j.errs, errs = errs[:len(j.us):len(j.us)], errs[len(j.us):]
			ownDone = ownDone || j == own
			close(j.done)
		}
		if ownDone {
			n.jmu.Lock()
			if len(n.jqueue) == 0 {
				n.joiners--
			} else {
				go n.join(ctx, b, nil)
			}
			n.jmu.Unlock()
			return
		}
	}
}
