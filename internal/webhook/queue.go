package webhook

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// entry is a queued delivery. The engine owns d: it is a copy of what was enqueued,
// changed only under Engine.mu, and not at all while the delivery is in flight.
type entry struct {
	d *wabi.Delivery
	q *keyQueue
	// pinned entries keep their place: they were tried already or put at the tail
	// by Redeliver, so a delivery inserted later in id order does not pass them.
	pinned bool
	// requeue asks for the in-flight delivery to go to the tail again, pending,
	// whatever the attempt's outcome (Redeliver during a POST).
	requeue bool
	// step and limit are the linear retry policy of the target resolved at the last
	// attempt; zero step means the engine's exponential backoff.
	step, limit time.Duration
	// behind: a webhook_reordered fault holds the delivery back until the next
	// of its key is queued, or until it falls due again (faults.go).
	behind bool
	// leaseUntil is when a shared engine's lease of the delivery runs out.
	leaseUntil time.Time
}

// keyQueue is the deliveries of one ordering key; only its head is ever sent.
type keyQueue struct {
	key     string
	entries []*entry
	// inflight: the head is being sent. ready: the key waits in Engine.ready.
	inflight bool
	ready    bool
	// timer wakes the key when its head falls due; gen tells a stale timer's call
	// from the current one's.
	timer   wabi.Timer
	timerAt int64
	gen     uint64
}

// idLess orders ids as numbers when they look like the time-ordered decimal ids
// the platform makes (shorter is smaller), and as strings otherwise.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Enqueue queues deliveries that were just committed to the store. It never blocks
// on I/O. Deliveries already queued (by id) and deliveries that are not pending
// are ignored; the engine keeps its own copies.
//
// A Shared engine keeps no copies: Enqueue wakes it to claim from the store,
// where the deliveries already are, and calls Announce.
func (e *Engine) Enqueue(ds ...*wabi.Delivery) {
	if e.Shared {
		e.Wake()
		if e.Announce != nil && len(ds) > 0 {
			e.Announce()
		}
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range ds {
		if d == nil || (d.State != wabi.DeliveryPending && d.State != "") || e.byID[d.ID] != nil || e.loaded[d.ID] {
			continue
		}
		e.insert(d)
	}
}

// load queues what the store says is pending; called with mu held.
func (e *Engine) load(ds []*wabi.Delivery) {
	e.loaded = make(map[string]bool, len(ds))
	for _, d := range ds {
		e.loaded[d.ID] = true
		if d.State != wabi.DeliveryPending || e.byID[d.ID] != nil {
			continue
		}
		e.insert(d)
	}
}

// insert adds a copy of d to its key in id order and schedules the key; called
// with mu held. Ids mostly arrive in order, so the scan from the tail is short.
func (e *Engine) insert(d *wabi.Delivery) {
	c := *d
	c.State = wabi.DeliveryPending
	q := e.queue(c.Key())
	ent := &entry{d: &c, q: q}
	i := len(q.entries)
	for i > 0 && !q.entries[i-1].pinned && idLess(c.ID, q.entries[i-1].d.ID) {
		i--
	}
	q.entries = append(q.entries, nil)
	copy(q.entries[i+1:], q.entries[i:])
	q.entries[i] = ent
	e.byID[c.ID] = ent
	e.schedule(q)
}

// queue returns the queue of key, making it if needed; called with mu held.
func (e *Engine) queue(key string) *keyQueue {
	q := e.keys[key]
	if q == nil {
		q = &keyQueue{key: key}
		e.keys[key] = q
	}
	return q
}

// remove takes ent out of its queue and the index; called with mu held.
func (e *Engine) remove(ent *entry) {
	q := ent.q
	if len(q.entries) > 0 && q.entries[0] == ent {
		// The usual case, and cheap even for a long backlog behind a dead receiver.
		q.entries[0] = nil
		q.entries = q.entries[1:]
	} else {
		e.removeAt(q, ent)
	}
	delete(e.byID, ent.d.ID)
	if len(q.entries) == 0 && !q.inflight {
		e.stopTimer(q)
		if e.keys[q.key] == q {
			delete(e.keys, q.key)
		}
	}
}

func (e *Engine) removeAt(q *keyQueue, ent *entry) {
	for i, x := range q.entries {
		if x == ent {
			copy(q.entries[i:], q.entries[i+1:])
			q.entries[len(q.entries)-1] = nil
			q.entries = q.entries[:len(q.entries)-1]
			return
		}
	}
}

// schedule makes sure an idle key with work is either ready or has a timer for
// when its head falls due; called with mu held.
func (e *Engine) schedule(q *keyQueue) {
	if q.inflight || q.ready || len(q.entries) == 0 {
		return
	}
	due := q.entries[0].d.NextAttemptAt
	wait := due.Sub(e.Clock.Now())
	if wait <= 0 {
		e.stopTimer(q)
		e.markReady(q)
		return
	}
	if q.timer != nil && q.timerAt == due.UnixNano() {
		return
	}
	e.stopTimer(q)
	gen := q.gen
	q.timerAt = due.UnixNano()
	q.timer = e.Clock.AfterFunc(wait, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if q.gen != gen {
			return
		}
		q.timer = nil
		q.gen++
		if !q.inflight && !q.ready && len(q.entries) > 0 {
			e.markReady(q)
		}
	})
}

func (e *Engine) stopTimer(q *keyQueue) {
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
	q.gen++
}

// markReady puts q on the ready queue and wakes a worker; called with mu held.
func (e *Engine) markReady(q *keyQueue) {
	q.ready = true
	e.ready = append(e.ready, q)
	e.signal(e.wake)
}

func (e *Engine) signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// take returns the next due head to send and marks it in flight, or nil.
func (e *Engine) take() *entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.ready) > 0 {
		q := e.ready[0]
		e.ready[0] = nil
		e.ready = e.ready[1:]
		q.ready = false
		if len(q.entries) == 0 || q.inflight || e.keys[q.key] != q {
			continue
		}
		head := q.entries[0]
		now := e.Clock.Now()
		if head.d.NextAttemptAt.After(now) {
			// The head changed since the key became ready, or the timer beat the
			// clock by a hair: wait for it.
			e.schedule(q)
			continue
		}
		if e.cfg.shared && head.leaseUntil.Sub(now) < e.cfg.lease/2 {
			// Claimed with a run whose earlier deliveries took long: its lease
			// might run out during the POST, and another node send it too.
			e.giveBack(q)
			continue
		}
		q.inflight = true
		head.pinned = true
		e.active++
		if len(e.ready) > 0 {
			// Chain the wake-up so idle workers fan out over the ready keys.
			e.signal(e.wake)
		}
		return head
	}
	return nil
}

// Redeliver sends a delivery again, whatever its state: it becomes pending, due
// now, at the tail of its key, and this is written to the store before Redeliver
// returns. It returns a copy of the delivery's new state; ENotFound if no such
// delivery exists.
//
// On a Shared engine the delivery goes back to the store, behind the pending
// ones of its key, for any node to claim; if this engine has it in flight, the
// write waits for the attempt to end, so that no other node sends it meanwhile.
func (e *Engine) Redeliver(ctx context.Context, id string) (*wabi.Delivery, error) {
	if e.Shared {
		return e.redeliverShared(ctx, id)
	}
	e.mu.Lock()
	ent := e.byID[id]
	e.mu.Unlock()
	if ent == nil {
		// Write what is pending first, so the store's copy is current.
		if err := e.flush(ctx); err != nil {
			return nil, err
		}
		d, err := e.Store.Delivery(ctx, id)
		if err != nil {
			return nil, err
		}
		e.mu.Lock()
		if ent = e.byID[id]; ent == nil {
			c := *d
			ent = &entry{d: &c, q: e.queue(c.Key())}
			ent.q.entries = append(ent.q.entries, ent)
			e.byID[id] = ent
		}
	} else {
		e.mu.Lock()
		if e.byID[id] != ent {
			// It finished between the two locks; start over with the store's copy.
			e.mu.Unlock()
			return e.Redeliver(ctx, id)
		}
	}
	now := e.Clock.Now()
	snap := *ent.d
	snap.State, snap.NextAttemptAt, snap.UpdatedAt = wabi.DeliveryPending, now, now
	if ent.q.inflight && ent.q.entries[0] == ent {
		// The worker owns d until the POST ends; it will requeue it.
		ent.requeue = true
	} else {
		*ent.d = snap
		q := ent.q
		e.remove(ent)
		q = e.queue(q.key)
		ent.q = q
		ent.pinned = true
		q.entries = append(q.entries, ent)
		e.byID[id] = ent
		e.schedule(q)
	}
	e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap, Requeue: true})
	e.mu.Unlock()
	if err := e.flush(ctx); err != nil {
		return nil, err
	}
	return &snap, nil
}

// redeliverShared is Redeliver on a shared engine.
func (e *Engine) redeliverShared(ctx context.Context, id string) (*wabi.Delivery, error) {
	e.mu.Lock()
	if ent := e.byID[id]; ent != nil {
		if ent.q.inflight && ent.q.entries[0] == ent {
			ent.requeue = true
			now := e.Clock.Now()
			snap := *ent.d
			snap.State, snap.NextAttemptAt, snap.UpdatedAt = wabi.DeliveryPending, now, now
			e.mu.Unlock()
			return &snap, nil
		}
		// Claimed but not yet sent: the requeue below hands it back.
		e.remove(ent)
	}
	e.mu.Unlock()
	// Write what is pending first, so the store's copy is current.
	if err := e.flush(ctx); err != nil {
		return nil, err
	}
	d, err := e.Store.Delivery(ctx, id)
	if err != nil {
		return nil, err
	}
	now := e.Clock.Now()
	d.State, d.NextAttemptAt, d.UpdatedAt = wabi.DeliveryPending, now, now
	snap := *d
	e.mu.Lock()
	e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap, Requeue: true})
	e.mu.Unlock()
	if err := e.flush(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Idle reports whether nothing is queued, in flight or waiting to be written.
func (e *Engine) Idle() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.byID) == 0 && e.active == 0 && len(e.writes) == 0 && !e.flushing
}
