package sim

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// The network plays two kinds of injected faults: a message that fails
// instead of being sent (delivery_failed), and a status that is reported late
// (status_delayed). A late status holds back its own message's later
// statuses, which come after it, but not other messages' of the same phone:
// those may overtake it, as late statuses do at Meta.

// deliveryFault returns the error m fails with if a delivery_failed fault
// fires on it, nil otherwise.
func deliveryFault(ctx context.Context, fs wabi.FaultSource, m *wabi.Message) *wabi.Error {
	if fs == nil || !fs.Armed(wabi.FaultDeliveryFailed) {
		return nil
	}
	f := fs.Fire(ctx, wabi.FaultEvent{Kind: wabi.FaultDeliveryFailed, PhoneNumberID: m.PhoneNumberID, WaID: m.WaID, Where: m.ID})
	if f == nil {
		return nil
	}
	if f.Failure != nil {
		return f.Failure
	}
	return wabi.Errorf(wabi.EInternal, "Injected by wabi fault %s (delivery_failed).", f.ID)
}

// statusDelay returns how late status of m is reported if a status_delayed
// fault fires on it.
func statusDelay(ctx context.Context, fs wabi.FaultSource, m *wabi.Message, status wabi.Status) (time.Duration, bool) {
	if fs == nil || !fs.Armed(wabi.FaultStatusDelayed) {
		return 0, false
	}
	f := fs.Fire(ctx, wabi.FaultEvent{Kind: wabi.FaultStatusDelayed, PhoneNumberID: m.PhoneNumberID, WaID: m.WaID, Status: status, Where: m.ID})
	if f == nil {
		return 0, false
	}
	return time.Duration(f.Delay), true
}
