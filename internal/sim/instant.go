package sim

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// A message to a phone with nothing else on the way reaches its first statuses
// the moment it is sent: sent, and delivered and read too when the phone has
// no delay. Its lane would report them in one write right after the send's
// own; Instant tells the platform so, and the platform commits them with the
// message instead. The lane then takes the message from the status it was
// committed at, as it takes a recovered one.

var _ wabi.InstantNetwork = (*Network)(nil)

// Instant returns the statuses m reaches the moment it is sent: sent for a
// phone that is offline or receives after a delay; sent and delivered for one
// that receives at once; and read too when it also reads at once. It returns
// none, leaving the statuses to the lane, when their outcome is not certain
// or their order could change:
//   - m is not a new message, the phone does not exist or is not on WhatsApp,
//     or the network stopped;
//   - a delivery_failed or status_delayed fault is armed (either may fire on m);
//   - the phone's lane is running, has a step due already, or is being used by
//     Read: some status of the phone may still be waiting to be recorded, and
//     m's must come after it.
func (n *Network) Instant(ctx context.Context, m *wabi.Message) []wabi.Status {
	if m.Status != wabi.StatusAccepted || m.Direction != wabi.Outbound {
		return nil
	}
	if f := n.faultSource(); f != nil && (f.Armed(wabi.FaultDeliveryFailed) || f.Armed(wabi.FaultStatusDelayed)) {
		return nil
	}
	vp, _, err := n.phone(ctx, m.WaID)
	if err != nil || vp == nil || vp.Behaviour.NotOnWhatsApp || !n.idle(m.WaID) {
		return nil
	}
	b := vp.Behaviour
	switch {
	case b.Offline || b.DeliveryDelay > 0:
		return []wabi.Status{wabi.StatusSent}
	case b.AutoRead && b.ReadDelay <= 0:
		return []wabi.Status{wabi.StatusSent, wabi.StatusDelivered, wabi.StatusRead}
	default:
		return []wabi.Status{wabi.StatusSent, wabi.StatusDelivered}
	}
}

// idle reports whether nothing of a phone waits to be recorded now: the
// network runs, and the phone's lane, if it has one, is neither running nor
// used by Read and has no step due yet. Steps due later (delays) are fine:
// a status reported now comes before them in the lane as well.
func (n *Network) idle(waID string) bool {
	now := n.clock.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return false
	}
	return !n.busyLocked(waID, now)
}

// busyLocked reports whether the lane of waID has work that comes before a
// status reported at now: it runs, Read uses it, or a step is due. Called
// with mu held.
func (n *Network) busyLocked(waID string, now time.Time) bool {
	l := n.lanes[waID]
	return l != nil && (l.running || l.readers > 0 || len(l.steps) > 0 && !l.steps[0].due.After(now))
}
