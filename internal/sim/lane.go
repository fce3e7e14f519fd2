package sim

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// A phone's statuses must reach the sink in the order its messages were handed
// over: the webhooks of one chat are promised in order, and the platform orders
// them by the order it records the statuses in. So every virtual phone with work
// has one lane: a queue of steps ordered by when they fall due, drained by at
// most one goroutine at a time. Lanes of different phones run concurrently; a
// lane with nothing to do has no goroutine and no timer, and is forgotten.

// action is what a step does to its message.
type action uint8

const (
	// advance moves a message on from the status it has: a new message is sent,
	// a recovered one picks up where it was.
	advance action = iota
	// arrive delivers a sent message: its delivery delay has passed, or its
	// phone came online.
	arrive
	// open reads a delivered message: its read delay has passed.
	open
)

// step is one thing to do for one message, once due.
type step struct {
	due time.Time
	// seq breaks ties between steps due at once: first pushed, first done.
	seq uint64
	m   *wabi.Message
	act action
	// late: a step a status_delayed fault put off; it is not put off again.
	late bool
}

// steps is a min-heap of steps by (due, seq).
type steps []step

func (s steps) Len() int { return len(s) }
func (s steps) Less(i, j int) bool {
	if !s[i].due.Equal(s[j].due) {
		return s[i].due.Before(s[j].due)
	}
	return s[i].seq < s[j].seq
}
func (s steps) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s *steps) Push(x any)   { *s = append(*s, x.(step)) }
func (s *steps) Pop() any {
	old := *s
	x := old[len(old)-1]
	old[len(old)-1] = step{} // let the message be collected
	*s = old[:len(old)-1]
	return x
}

// lane is the queue of one virtual phone. Fields other than rec are guarded by
// Network.mu.
type lane struct {
	waID  string
	steps steps
	// running: a worker goroutine drains the lane; only it pops steps.
	running bool
	// readers counts Read calls using the lane, which keep it from being forgotten.
	readers int
	// timer wakes the lane when its first step falls due; gen tells a stale
	// timer's call from the current one's.
	timer   wabi.Timer
	timerAt time.Time
	gen     uint64
	// rec is held while statuses of the phone are being recorded, so that the
	// worker's and Read's reports do not interleave.
	rec sync.Mutex
}

// maxBatch caps the statuses of one phone recorded in one write, so that one
// busy phone's write stays short.
const maxBatch = 256

// lane returns the lane of waID, making it if needed; called with mu held.
func (n *Network) lane(waID string) *lane {
	l := n.lanes[waID]
	if l == nil {
		l = &lane{waID: waID}
		n.lanes[waID] = l
	}
	return l
}

// push queues a step for m, due at due (now when zero), and sees that the lane
// runs when it falls due; late marks a step a fault put off. Nothing is queued
// once the network stopped: Recover hands unfinished messages back on the
// next start.
func (n *Network) push(m *wabi.Message, act action, due time.Time, late bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return
	}
	n.pushLocked(m, act, due, late)
}

// pushLocked is push with mu held and the network running.
func (n *Network) pushLocked(m *wabi.Message, act action, due time.Time, late bool) {
	if due.IsZero() {
		due = n.clock.Now()
	}
	l := n.lane(m.WaID)
	n.seq++
	heap.Push(&l.steps, step{due: due, seq: n.seq, m: m, act: act, late: late})
	n.kick(l)
}

// kick makes sure an idle lane with work either runs now or has a timer for when
// its first step falls due, and forgets a lane with nothing left; called with mu
// held.
func (n *Network) kick(l *lane) {
	if l.running {
		return
	}
	if len(l.steps) == 0 || n.stopped {
		n.stopTimer(l)
		if len(l.steps) == 0 && l.readers == 0 && n.lanes[l.waID] == l {
			delete(n.lanes, l.waID)
		}
		return
	}
	due := l.steps[0].due
	wait := due.Sub(n.clock.Now())
	if wait > 0 {
		if l.timer != nil && l.timerAt.Equal(due) {
			return
		}
		n.stopTimer(l)
		gen := l.gen
		l.timerAt = due
		l.timer = n.clock.AfterFunc(wait, func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			if l.gen != gen {
				return
			}
			l.timer = nil
			l.gen++
			n.kick(l)
		})
		return
	}
	n.stopTimer(l)
	l.running = true
	n.wg.Add(1)
	go n.work(l)
}

// stopTimer cancels the lane's timer, if any; called with mu held.
func (n *Network) stopTimer(l *lane) {
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.gen++
}

// work drains a lane: it takes the steps that are due, in order, a batch at a
// time, until none is due or the network stops.
func (n *Network) work(l *lane) {
	defer n.wg.Done()
	batch := make([]step, 0, 16)
	for {
		n.mu.Lock()
		batch = batch[:0]
		if !n.stopped {
			now := n.clock.Now()
			for len(l.steps) > 0 && len(batch) < maxBatch && !l.steps[0].due.After(now) {
				batch = append(batch, heap.Pop(&l.steps).(step))
			}
		}
		if len(batch) == 0 {
			l.running = false
			n.kick(l)
			n.mu.Unlock()
			return
		}
		ctx := n.ctx
		n.mu.Unlock()
		n.run(ctx, l, batch)
		clear(batch)
	}
}

// outcome is what one step of a batch comes to: a status to report (or none),
// and what follows once it is recorded.
type outcome struct {
	m      *wabi.Message
	status wabi.Status // "": nothing to report
	err    *wabi.Error
	then   action
	after  time.Duration
	// hold: park the message until its phone comes online; next: queue then
	// after the delay; neither: the message is done for now.
	hold, next bool
	// late: a status_delayed fault put the step off until lateAt; nothing is
	// reported now.
	late   bool
	lateAt time.Time
	act    action
	// chain is the statuses reported right after status, in the same write: a
	// phone with no delay receives (and reads) a message the moment it is sent.
	chain []wabi.Status
}

// chained are the statuses a sent message goes on to at once, by what its phone
// does without delay: delivered, and read too if it reads at once.
var (
	chainDelivered = []wabi.Status{wabi.StatusDelivered}
	chainRead      = []wabi.Status{wabi.StatusDelivered, wabi.StatusRead}
)

// run plays one batch of a lane's steps: it reads the phone once, works out each
// step's status, records them all in order, then queues what follows.
func (n *Network) run(ctx context.Context, l *lane, batch []step) {
	vp, gen, err := n.phone(ctx, l.waID)
	if err != nil {
		n.logError(ctx, "sim: read virtual phone", "wa_id", l.waID, "messages", len(batch), "err", err)
		return
	}
	gone := vp == nil || vp.Behaviour.NotOnWhatsApp
	faults := n.faultSource()
	// A late status holds its message's later ones back, so a message's
	// statuses are chained only while no status_delayed fault is armed.
	chain := !gone && (faults == nil || !faults.Armed(wabi.FaultStatusDelayed))
	outs := make([]outcome, len(batch))
	for i, s := range batch {
		o := &outs[i]
		o.m, o.act = s.m, s.act
		if gone && s.act != open {
			o.status, o.err = wabi.StatusFailed, notOnWhatsApp(s.m)
			continue
		}
		if s.act == advance && s.m.Status == wabi.StatusAccepted && !s.late {
			if err := deliveryFault(ctx, faults, s.m); err != nil {
				o.status, o.err = wabi.StatusFailed, err
				continue
			}
		}
		switch {
		case s.act == open:
			o.status = wabi.StatusRead
		case s.act == arrive || s.m.Status == wabi.StatusSent || s.m.Status == wabi.StatusAccepted:
			if s.act == advance && s.m.Status == wabi.StatusAccepted {
				o.status = wabi.StatusSent
			}
			switch {
			case s.act == advance:
				// Sent (now or before a restart): on its way to the phone.
				o.then, o.after = arrive, time.Duration(vp.Behaviour.DeliveryDelay)
				o.hold, o.next = vp.Behaviour.Offline, !vp.Behaviour.Offline
			case vp.Behaviour.Offline:
				o.hold = true
			default:
				o.status = wabi.StatusDelivered
				o.then, o.after, o.next = open, time.Duration(vp.Behaviour.ReadDelay), vp.Behaviour.AutoRead
			}
		case s.m.Status == wabi.StatusDelivered:
			o.then, o.after, o.next = open, time.Duration(vp.Behaviour.ReadDelay), vp.Behaviour.AutoRead
		}
		if o.status != "" && !s.late {
			if d, ok := statusDelay(ctx, faults, s.m, o.status); ok {
				// The step is played again once the delay is over, and then
				// reports its status and goes on as it would have now.
				*o = outcome{m: s.m, act: s.act, late: true, lateAt: n.clock.Now().Add(d)}
			}
		}
		if chain && o.status == wabi.StatusSent && o.next && o.after <= 0 {
			// Delivered at once, and read at once if it reads on its own: all
			// in this write, with their webhooks, in the order they happen.
			b := vp.Behaviour
			o.chain, o.then, o.after, o.next = chainDelivered, open, time.Duration(b.ReadDelay), b.AutoRead
			if b.AutoRead && b.ReadDelay <= 0 {
				o.chain, o.next = chainRead, false
			}
		} else if chain && o.status == wabi.StatusDelivered && o.next && o.after <= 0 {
			// Delivered (late, or on coming online) to a phone that reads at once.
			o.chain, o.next = chainRead[1:], false
		}
	}

	at := n.clock.Now()
	l.rec.Lock()
	errs := n.report(ctx, outs, at)
	l.rec.Unlock()

	n.mu.Lock()
	defer n.mu.Unlock()
	for i, o := range outs {
		if errs[i] != nil || n.stopped {
			continue
		}
		if o.status != "" {
			o.m.Status = o.status
		}
		if len(o.chain) > 0 {
			o.m.Status = o.chain[len(o.chain)-1]
		}
		switch {
		case o.late:
			n.pushLocked(o.m, o.act, o.lateAt, true)
		case o.hold:
			n.holdLocked(o.m, gen)
		case o.next:
			n.pushLocked(o.m, o.then, at.Add(o.after), false)
		}
	}
}

// report records the statuses of a batch in order, all in one write when the
// sink can, and returns each one's error (nil for outcomes with nothing to
// report). Failures are logged.
func (n *Network) report(ctx context.Context, outs []outcome, at time.Time) []error {
	errs := make([]error, len(outs))
	us := make([]wabi.StatusUpdate, 0, len(outs))
	idx := make([]int, 0, len(outs))
	for i, o := range outs {
		if o.status != "" {
			us = append(us, wabi.StatusUpdate{MessageID: o.m.ID, Status: o.status, Timestamp: at, Error: o.err})
			idx = append(idx, i)
			for _, st := range o.chain {
				us = append(us, wabi.StatusUpdate{MessageID: o.m.ID, Status: st, Timestamp: at})
				idx = append(idx, i)
			}
		}
	}
	for j, err := range n.recordJoined(ctx, us) {
		if err != nil {
			i := idx[j]
			if errs[i] == nil {
				errs[i] = err
				n.logError(ctx, "sim: record status", "wamid", outs[i].m.ID, "status", us[j].Status, "err", err)
			}
		}
	}
	return errs
}

// record hands status updates to the sink in order and returns each one's error.
// A sink that records batches is trusted, as the platform does, to refuse the
// later updates of a message whose earlier update it refused.
func (n *Network) record(ctx context.Context, us []wabi.StatusUpdate) []error {
	if len(us) == 0 {
		return nil
	}
	if b, ok := n.Sink.(wabi.BatchSink); ok {
		return b.UpdateStatuses(ctx, us)
	}
	errs := make([]error, len(us))
	var failed map[string]error
	for i, u := range us {
		// A message's status is not reported after an earlier one of its own
		// was refused: a read must not stand without its delivered.
		if err := failed[u.MessageID]; err != nil {
			errs[i] = err
			continue
		}
		if errs[i] = n.Sink.UpdateStatus(ctx, u); errs[i] != nil {
			if failed == nil {
				failed = map[string]error{}
			}
			failed[u.MessageID] = errs[i]
		}
	}
	return errs
}

// notOnWhatsApp is the error of a message whose phone is not on WhatsApp.
func notOnWhatsApp(m *wabi.Message) *wabi.Error {
	return wabi.Errorf(wabi.ENotOnWhatsApp,
		"Message Undeliverable: %s is not a WhatsApp user on the simulated network.", m.WaID)
}
