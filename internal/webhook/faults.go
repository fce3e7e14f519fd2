package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// The engine plays the injected faults of the webhook deliveries of a chat,
// matched on their business number and contact (webhooks about no chat, such
// as template and account updates, never meet a fault):
//
//   - webhook_delayed holds a delivery back before its first POST;
//   - webhook_reordered sends a delivery after the next one of its key: at
//     once when that one is queued, else once the fault's delay is over, if
//     one came meanwhile;
//   - webhook_duplicated POSTs a delivered delivery a second time.
//
// Every one shows in the delivery log as an attempt whose error starts with
// "wabi fault <id>": a delay or a hold is an attempt with no POST and no
// status code, a duplicate the second POST with the receiver's answer. The
// delivery's state is not changed by it: a duplicated delivery is delivered,
// a held one pending until its time.

// faultNote is the start of the error of an attempt a fault made.
func faultNote(f *wabi.Fault) string { return fmt.Sprintf("wabi fault %s (%s)", f.ID, f.Kind) }

// holdBack applies webhook_delayed and webhook_reordered to a delivery about
// to be tried, and reports whether it held it back instead.
func (e *Engine) holdBack(ctx context.Context, cfg *config, ent *entry) bool {
	if e.pendingBehind(cfg, ent) {
		return e.passBehind(cfg, ent)
	}
	d := ent.d
	if d.Attempts > 0 || d.WaID == "" {
		// Faults act on a delivery's first try, not on its retries, and on
		// the webhooks of a chat only.
		return false
	}
	fs := cfg.faults
	ev := wabi.FaultEvent{PhoneNumberID: d.PhoneNumberID, WaID: d.WaID, Where: d.ID}
	now := e.Clock.Now()
	if fs.Armed(wabi.FaultWebhookDelayed) {
		ev.Kind = wabi.FaultWebhookDelayed
		if f := fs.Fire(ctx, ev); f != nil {
			until := now.Add(time.Duration(f.Delay))
			e.hold(cfg, ent, f, fmt.Sprintf("%s: held back %s, until %s", faultNote(f), time.Duration(f.Delay), until.UTC().Format(time.RFC3339)), until, false)
			return true
		}
	}
	if fs.Armed(wabi.FaultWebhookReordered) {
		ev.Kind = wabi.FaultWebhookReordered
		if f := fs.Fire(ctx, ev); f != nil {
			e.mu.Lock()
			next := !cfg.shared && len(ent.q.entries) > 1 && ent.q.entries[0] == ent
			e.mu.Unlock()
			if next {
				e.hold(cfg, ent, f, faultNote(f)+": sent after the next delivery of its chat", now, true)
			} else {
				// Marked before the hold, which may make it due.
				e.mu.Lock()
				if cfg.shared {
					if e.behind == nil {
						e.behind = map[string]bool{}
					}
					e.behind[d.ID] = true
				} else {
					ent.behind = true
				}
				e.mu.Unlock()
				wait := time.Duration(f.Delay)
				e.hold(cfg, ent, f, fmt.Sprintf("%s: held back up to %s to be sent after the next delivery of its chat", faultNote(f), wait), now.Add(wait), false)
			}
			return true
		}
	}
	return false
}

// hold records a fault's attempt that POSTed nothing: the delivery stays
// pending, due at until, and with behind it goes after the next delivery of
// its key (which must be queued, on an engine that is not shared).
func (e *Engine) hold(cfg *config, ent *entry, f *wabi.Fault, note string, until time.Time, behind bool) {
	e.mu.Lock()
	q, d := ent.q, ent.d
	q.inflight = false
	e.active--
	now := e.Clock.Now()
	a := &wabi.Attempt{DeliveryID: d.ID, N: d.Attempts + 1, At: now, Error: note}
	d.Attempts, d.UpdatedAt, d.LastStatus, d.LastError = a.N, now, 0, note
	d.State, d.NextAttemptAt = wabi.DeliveryPending, until
	// A redelivery asked for meanwhile wins: due now, at the tail of its key.
	requeue := ent.requeue
	ent.requeue = false
	if requeue {
		d.NextAttemptAt, behind = now, false
	}
	switch {
	case requeue && !cfg.shared:
		e.remove(ent)
		q = e.queue(q.key)
		ent.q = q
		q.entries = append(q.entries, ent)
		e.byID[d.ID] = ent
	case cfg.shared:
		e.remove(ent)
		e.giveBack(q)
		if until.After(now) {
			e.wakeAt(d.ID, until)
		}
	case behind:
		e.putBehind(q, ent)
	}
	snap := *d
	e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap, Attempt: a, Requeue: requeue})
	e.signal(e.flushSig)
	e.schedule(q)
	hook := e.cfg.onAttempt
	e.mu.Unlock()
	e.logger().Info("webhook: injected fault", "fault", f.ID, "kind", string(f.Kind), "delivery", d.ID, "until", until)
	if hook != nil {
		dc, ac := snap, *a
		hook(&dc, &ac)
	}
}

// putBehind moves the head of q behind the next entry; called with mu held.
func (e *Engine) putBehind(q *keyQueue, ent *entry) {
	if len(q.entries) < 2 || q.entries[0] != ent {
		return
	}
	q.entries[0], q.entries[1] = q.entries[1], ent
	// The one now ahead keeps its place: later ids queue behind both.
	q.entries[0].pinned = true
}

// pendingBehind reports whether ent was held back for the next delivery of its
// key and is due now.
func (e *Engine) pendingBehind(cfg *config, ent *entry) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cfg.shared {
		return e.behind[ent.d.ID]
	}
	return ent.behind
}

// passBehind lets the next delivery of ent's key go first, if there is one, and
// reports whether it did; else ent is sent now. On a shared engine the store
// knows what is next: ent is written back behind the pending deliveries of its
// key, and sent once it leads again.
func (e *Engine) passBehind(cfg *config, ent *entry) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	q, d := ent.q, ent.d
	if cfg.shared {
		delete(e.behind, d.ID)
		q.inflight = false
		e.active--
		now := e.Clock.Now()
		d.NextAttemptAt, d.UpdatedAt = now, now
		snap := *d
		e.remove(ent)
		e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap, Requeue: true})
		e.giveBack(q)
		e.signal(e.flushSig)
		return true
	}
	ent.behind = false
	if len(q.entries) < 2 || q.entries[0] != ent {
		return false
	}
	q.inflight = false
	e.active--
	e.putBehind(q, ent)
	e.schedule(q)
	return true
}

// duplicate POSTs a delivered delivery a second time if a webhook_duplicated
// fault fires on it, and returns that attempt, nil otherwise.
func (e *Engine) duplicate(ctx context.Context, cfg *config, d *wabi.Delivery, t *wabi.WebhookTarget, a *wabi.Attempt) *wabi.Attempt {
	if cfg.faults == nil || a.Error != "" || d.WaID == "" || !cfg.faults.Armed(wabi.FaultWebhookDuplicated) {
		return nil
	}
	f := cfg.faults.Fire(ctx, wabi.FaultEvent{Kind: wabi.FaultWebhookDuplicated, PhoneNumberID: d.PhoneNumberID, WaID: d.WaID, Where: d.ID})
	if f == nil {
		return nil
	}
	dup := &wabi.Attempt{DeliveryID: d.ID, N: a.N + 1, At: e.Clock.Now(), URL: t.URL}
	post(ctx, cfg, d.Body, t, dup)
	note := faultNote(f) + ": the delivered webhook POSTed again"
	if dup.Error != "" {
		note += "; that POST failed: " + dup.Error
	}
	dup.Error = note
	e.logger().Info("webhook: injected fault", "fault", f.ID, "kind", string(f.Kind), "delivery", d.ID)
	return dup
}
