package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// A shared engine (Engine.Shared) keeps in memory only what it claimed: the
// store decides which node sends what, and in which order, through leases.
// What it claims are heads of their keys, each with a run of the deliveries
// right behind it (Engine.ClaimRun), so the queues of queue.go hold a key's run
// in the store's order and nothing else. A delivered head leaves its queue and
// the next of the run goes at once; an attempt's write ends its lease. A head
// that is not delivered (a retry, a redelivery, a fault's hold) gives the rest
// of its run back (giveBack), so that the store, not this engine, says what
// of the key goes next and who sends it.

// Wake tells a shared engine that there may be deliveries to claim: other nodes
// queued some, or finished what held a key back. It never blocks, and wakes
// that come while a claim runs make one more claim, not one each. An engine that
// is not Shared ignores it.
func (e *Engine) Wake() { e.signal(e.claimSig) }

// claimLoop claims whenever woken, and every Poll when nothing woke it, until
// ctx is done.
func (e *Engine) claimLoop(ctx context.Context, cfg *config) {
	for {
		poll := e.Clock.AfterFunc(cfg.poll, e.Wake)
		select {
		case <-e.claimSig:
		case <-ctx.Done():
			poll.Stop()
			return
		}
		poll.Stop()
		err := e.claim(ctx, cfg)
		if err == nil || ctx.Err() != nil {
			continue
		}
		e.logger().Error("webhook: claiming deliveries failed; will retry", "err", err)
		retry := make(chan struct{})
		t := e.Clock.AfterFunc(flushRetry, func() { close(retry) })
		select {
		case <-retry:
			e.Wake()
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// claim leases the runs of as many keys as there are workers without one and
// queues them. What a failing store returns with its error is queued all the
// same: it is leased.
func (e *Engine) claim(ctx context.Context, cfg *config) error {
	e.mu.Lock()
	room := cfg.workers - len(e.keys)
	e.mu.Unlock()
	if room <= 0 {
		// A finishing attempt wakes the claimer again once its write is done.
		return nil
	}
	now := e.Clock.Now()
	ds, err := e.Store.ClaimDeliveries(ctx, cfg.node, now, cfg.lease, room, cfg.claimRun)
	e.mu.Lock()
	for _, d := range ds {
		// A delivery still held is one whose lease ran out during a slow POST:
		// the claim renewed it, and the attempt goes on.
		if ent := e.byID[d.ID]; ent != nil {
			ent.leaseUntil = now.Add(cfg.lease)
			continue
		}
		e.append(d, now.Add(cfg.lease))
	}
	e.mu.Unlock()
	return err
}

// append queues a copy of a claimed delivery at the tail of its key, where the
// store's order puts it, leased until until; called with mu held.
func (e *Engine) append(d *wabi.Delivery, until time.Time) {
	c := *d
	c.State = wabi.DeliveryPending
	q := e.queue(c.Key())
	ent := &entry{d: &c, q: q, pinned: true, leaseUntil: until}
	q.entries = append(q.entries, ent)
	e.byID[c.ID] = ent
	e.schedule(q)
}

// giveBack hands the deliveries queued in q, none of them in flight, back to
// the store unsent: their writes end their leases, and the next claim, by any
// node, takes the key from its head again. Called with mu held.
func (e *Engine) giveBack(q *keyQueue) {
	if len(q.entries) == 0 {
		return
	}
	for _, ent := range slices.Clone(q.entries) {
		snap := *ent.d
		e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap})
		e.remove(ent)
	}
	e.signal(e.flushSig)
}

// wakeAt makes a shared engine claim when the retry of delivery id falls due at
// t; called with mu held. Other nodes find the retry by polling, this one
// right away.
func (e *Engine) wakeAt(id string, t time.Time) {
	if old := e.retryWake[id]; old != nil {
		old.Stop()
	}
	var timer wabi.Timer
	timer = e.Clock.AfterFunc(t.Sub(e.Clock.Now()), func() {
		e.mu.Lock()
		if e.retryWake[id] == timer {
			delete(e.retryWake, id)
		}
		e.mu.Unlock()
		e.Wake()
	})
	e.retryWake[id] = timer
}

// release hands back what a stopping shared engine claimed but did not send: it
// queues writes of the deliveries as they were claimed, which end their leases
// so that other nodes need not wait for them to run out. It also stops the
// retry timers. Called once the workers are done.
func (e *Engine) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, t := range e.retryWake {
		t.Stop()
		delete(e.retryWake, id)
	}
	for _, ent := range e.byID {
		snap := *ent.d
		e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap})
		e.remove(ent)
	}
	clear(e.ready)
	e.ready = e.ready[:0]
}

// randomNode returns a fresh node id for an engine whose Node is not set.
func randomNode() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
