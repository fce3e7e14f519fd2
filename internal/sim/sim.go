// Package sim is wabi's simulated WhatsApp network: virtual consumer phones that
// receive business messages after a delivery delay, read them (on their own after a
// read delay, or when told to), go offline, are not on WhatsApp, and send messages of
// their own to business numbers. Each phone plays out its messages in the order
// they were handed over, so the statuses of one chat are recorded in send order;
// different phones play concurrently.
package sim

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Phones is what the network reads about virtual phones and their messages.
type Phones interface {
	VirtualPhone(ctx context.Context, waID string) (*wabi.VirtualPhone, error)
	Messages(ctx context.Context, f wabi.MessageFilter) ([]*wabi.Message, error)
}

// Network is the simulated network. It implements wabi.Network.
type Network struct {
	phones Phones
	clock  wabi.Clock

	// Sink receives statuses and inbound messages. Required; set it before the
	// first Deliver. A sink that is also a wabi.BatchSink gets the statuses a
	// phone has ready in one call, in order.
	Sink wabi.NetworkSink
	// Logger logs statuses that could not be recorded. Default slog.Default().
	Logger *slog.Logger
	// Faults decides which messages fail on purpose (delivery_failed) and which
	// statuses come late (status_delayed). Default: the Sink, when it is a
	// wabi.FaultSource; else none.
	Faults wabi.FaultSource

	mu      sync.Mutex
	phoneAt map[string]cachedPhone     // wa_id → phone as last read
	held    map[string][]*wabi.Message // wa_id → messages waiting for the phone to come online
	lanes   map[string]*lane           // wa_id → the phone's queue of steps, while it has work
	seq     uint64                     // steps pushed so far
	// gen counts PhoneChanged calls. A phone read before a change must neither
	// be cached nor park a message in held: the change may already have released
	// what was held, and the message would wait for a wake-up that never comes.
	gen     uint64
	wg      sync.WaitGroup
	stopped bool
	ctx     context.Context

	// jmu guards the lanes' reports waiting to be joined (join.go).
	jmu     sync.Mutex
	jqueue  []*joined
	joiners int
}

var _ wabi.Network = (*Network)(nil)

// New returns a simulated network over the given phone book.
func New(phones Phones, clock wabi.Clock) *Network {
	return &Network{phones: phones, clock: clock, held: map[string][]*wabi.Message{},
		phoneAt: map[string]cachedPhone{}, lanes: map[string]*lane{}, ctx: context.Background()}
}

// phoneTTL is how long the network trusts a phone it read; PhoneChanged drops it
// at once.
const phoneTTL = time.Second

type cachedPhone struct {
	vp  *wabi.VirtualPhone // nil: no such phone
	exp time.Time
}

// phone reads a virtual phone, nil if there is none, with the generation it was
// read at (see hold).
func (n *Network) phone(ctx context.Context, waID string) (*wabi.VirtualPhone, uint64, error) {
	now := n.clock.Now()
	n.mu.Lock()
	c, ok := n.phoneAt[waID]
	gen := n.gen
	n.mu.Unlock()
	if ok && now.Before(c.exp) {
		return c.vp, gen, nil
	}
	vp, err := n.phones.VirtualPhone(ctx, waID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		vp, err = nil, nil
	}
	if err != nil {
		return nil, 0, err
	}
	n.mu.Lock()
	if n.gen == gen {
		if len(n.phoneAt) > 100_000 {
			clear(n.phoneAt)
		}
		n.phoneAt[waID] = cachedPhone{vp: vp, exp: now.Add(phoneTTL)}
	}
	n.mu.Unlock()
	return vp, gen, nil
}

// Run keeps the network going until ctx ends, then waits for the statuses being
// recorded. Steps still queued or waiting on a timer die with the process;
// Platform.Recover hands their messages back on the next start, or another node
// sharing the store adopts them.
func (n *Network) Run(ctx context.Context) error {
	n.mu.Lock()
	n.ctx = ctx
	n.mu.Unlock()
	<-ctx.Done()
	n.mu.Lock()
	n.stopped = true
	for _, l := range n.lanes {
		n.stopTimer(l)
	}
	n.mu.Unlock()
	n.wg.Wait()
	return nil
}

func (n *Network) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.Default()
}

// Deliver takes an outbound message and plays out its fate in the background:
// sent at once, delivered after the phone's delivery delay (or when it comes
// online), read after the read delay if the phone reads on its own. The statuses
// of one phone's messages are recorded in the order Deliver was called. A
// message committed at a later status (see Instant) picks up from there; one
// already read or failed has nothing left to happen, and costs nothing.
func (n *Network) Deliver(ctx context.Context, m *wabi.Message) error {
	switch m.Status {
	case wabi.StatusRead, wabi.StatusFailed:
		return nil
	case wabi.StatusSent, wabi.StatusDelivered:
		if n.place(ctx, m) {
			return nil
		}
	}
	n.push(m, advance, time.Time{}, false)
	return nil
}

// place puts a message committed at sent or delivered (see Instant) where the
// lane's advance step would put it, without the step: held for an offline
// phone, or queued for its delivery or read when that falls due. It reports
// false, leaving m to the lane, when the phone cannot be read or is not on
// WhatsApp, or when its lane has work due now, which must come first.
func (n *Network) place(ctx context.Context, m *wabi.Message) bool {
	vp, gen, err := n.phone(ctx, m.WaID)
	if err != nil || vp == nil || vp.Behaviour.NotOnWhatsApp {
		return false
	}
	b := vp.Behaviour
	now := n.clock.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		// Recover hands it back on the next start.
		return true
	}
	if n.busyLocked(m.WaID, now) {
		return false
	}
	switch {
	case m.Status == wabi.StatusDelivered:
		if b.AutoRead {
			n.pushLocked(m, open, now.Add(time.Duration(b.ReadDelay)), false)
		}
	case b.Offline:
		n.holdLocked(m, gen)
	default:
		n.pushLocked(m, arrive, now.Add(time.Duration(b.DeliveryDelay)), false)
	}
	return true
}

// holdLocked parks a sent message until its phone comes online; called with mu
// held. If a phone changed since the offline phone was read at gen, the change
// may have released the held messages already, so m is tried again instead.
func (n *Network) holdLocked(m *wabi.Message, gen uint64) {
	if n.gen != gen {
		n.pushLocked(m, arrive, time.Time{}, false)
		return
	}
	n.held[m.WaID] = append(n.held[m.WaID], m)
}

// logError logs unless the network is shutting down, when errors are expected.
func (n *Network) logError(ctx context.Context, msg string, args ...any) {
	if ctx.Err() == nil {
		n.logger().Error(msg, args...)
	}
}

// PhoneChanged tells the network a phone's behaviour changed: a phone that is now
// online receives what was held for it, in the order it was held.
func (n *Network) PhoneChanged(vp *wabi.VirtualPhone) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.gen++
	delete(n.phoneAt, vp.WaID)
	if vp.Behaviour.Offline {
		return
	}
	ms := n.held[vp.WaID]
	delete(n.held, vp.WaID)
	if n.stopped {
		return
	}
	for _, m := range ms {
		n.pushLocked(m, arrive, time.Time{}, false)
	}
}

// Active returns how many phones have steps queued or being played. A phone with
// nothing left to do has no queue, goroutine or timer.
func (n *Network) Active() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.lanes)
}

// Held returns how many messages wait for a phone to come online.
func (n *Network) Held(waID string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.held[waID])
}

// Read makes a phone open its delivered messages from a business number: the ones
// named, or all when ids is empty, oldest first. It returns how many were marked
// read and the first error of those that were not.
func (n *Network) Read(ctx context.Context, waID, phoneNumberID string, ids []string) (int, error) {
	ms, err := n.phones.Messages(ctx, wabi.MessageFilter{PhoneNumberID: phoneNumberID, WaID: waID, Direction: wabi.Outbound, Limit: 1000})
	if err != nil {
		return 0, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	now := n.clock.Now()
	var us []wabi.StatusUpdate
	late := 0
	faults := n.faultSource()
	// The store lists newest first; the phone reads in the order messages came.
	for _, m := range slices.Backward(ms) {
		if m.Status != wabi.StatusDelivered || (len(ids) > 0 && !want[m.ID]) {
			continue
		}
		if d, ok := statusDelay(ctx, faults, m, wabi.StatusRead); ok {
			// Read now, reported late: its lane reports it when the delay is over.
			n.push(m, open, now.Add(d), true)
			late++
			continue
		}
		us = append(us, wabi.StatusUpdate{MessageID: m.ID, Status: wabi.StatusRead, Timestamp: now})
	}
	if len(us) == 0 {
		return late, nil
	}
	// Record under the phone's lane, so that these reads do not interleave with
	// the statuses its worker records.
	n.mu.Lock()
	l := n.lane(waID)
	l.readers++
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		l.readers--
		n.kick(l)
		n.mu.Unlock()
	}()
	l.rec.Lock()
	errs := n.record(ctx, us)
	l.rec.Unlock()
	read, first := late, error(nil)
	for _, err := range errs {
		switch {
		case err == nil:
			read++
		case first == nil:
			first = err
		}
	}
	return read, first
}

// faultSource returns where the network's faults come from, nil for nowhere.
func (n *Network) faultSource() wabi.FaultSource {
	if n.Faults != nil {
		return n.Faults
	}
	f, _ := n.Sink.(wabi.FaultSource)
	return f
}

// Send makes a virtual phone send a message to a business number. The phone must
// exist and be on WhatsApp and online.
func (n *Network) Send(ctx context.Context, waID, phoneNumberID string, m *wabi.Message) (*wabi.Message, error) {
	vp, err := n.phones.VirtualPhone(ctx, waID)
	if err != nil {
		return nil, err
	}
	if vp.Behaviour.NotOnWhatsApp {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Virtual phone %s is not on WhatsApp, so it cannot send.", waID)
	}
	if vp.Behaviour.Offline {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Virtual phone %s is offline; bring it online to send.", waID)
	}
	m.WaID, m.PhoneNumberID = waID, phoneNumberID
	return n.Sink.Receive(ctx, m)
}

var _ wabi.Directory = (*Network)(nil)

// OnWhatsApp reports whether a number is a virtual phone that has WhatsApp.
func (n *Network) OnWhatsApp(ctx context.Context, waID string) (bool, error) {
	vp, _, err := n.phone(ctx, waID)
	return err == nil && vp != nil && !vp.Behaviour.NotOnWhatsApp, err
}
