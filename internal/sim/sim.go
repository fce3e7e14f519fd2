// Package sim is wabi's simulated WhatsApp network: virtual consumer phones that
// receive business messages after a delivery delay, read them (on their own after a
// read delay, or when told to), go offline, are not on WhatsApp, and send messages of
// their own to business numbers.
package sim

import (
	"context"
	"log/slog"
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
	// first Deliver.
	Sink wabi.NetworkSink
	// Logger logs statuses that could not be recorded. Default slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex
	phoneAt map[string]cachedPhone     // wa_id → phone as last read
	held    map[string][]*wabi.Message // wa_id → messages waiting for the phone to come online
	// gen counts PhoneChanged calls. A phone read before a change must neither
	// be cached nor park a message in held: the change may already have released
	// what was held, and the message would wait for a wake-up that never comes.
	gen     uint64
	wg      sync.WaitGroup
	stopped bool
	ctx     context.Context
}

var _ wabi.Network = (*Network)(nil)

// New returns a simulated network over the given phone book.
func New(phones Phones, clock wabi.Clock) *Network {
	return &Network{phones: phones, clock: clock, held: map[string][]*wabi.Message{},
		phoneAt: map[string]cachedPhone{}, ctx: context.Background()}
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
// recorded. Pending timers die with the process; Platform.Recover hands their
// messages back on the next start.
func (n *Network) Run(ctx context.Context) error {
	n.mu.Lock()
	n.ctx = ctx
	n.mu.Unlock()
	<-ctx.Done()
	n.mu.Lock()
	n.stopped = true
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
// online), read after the read delay if the phone reads on its own.
func (n *Network) Deliver(_ context.Context, m *wabi.Message) error {
	n.spawn(func(ctx context.Context) { n.advance(ctx, m) })
	return nil
}

// spawn runs f in the background unless the network stopped.
func (n *Network) spawn(f func(ctx context.Context)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return
	}
	ctx := n.ctx
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f(ctx)
	}()
}

// after runs f once d has passed (at once when d is 0).
func (n *Network) after(d time.Duration, f func(ctx context.Context)) {
	if d <= 0 {
		n.spawn(f)
		return
	}
	n.clock.AfterFunc(d, func() { n.spawn(f) })
}

// recipient reads the phone a message is for. A phone that does not exist or is
// not on WhatsApp fails the message; ok is false then, or when the read failed.
func (n *Network) recipient(ctx context.Context, m *wabi.Message) (vp *wabi.VirtualPhone, gen uint64, ok bool) {
	vp, gen, err := n.phone(ctx, m.WaID)
	if err != nil {
		n.logError(ctx, "sim: read virtual phone", "wa_id", m.WaID, "err", err)
		return nil, 0, false
	}
	if vp == nil || vp.Behaviour.NotOnWhatsApp {
		n.fail(ctx, m)
		return nil, 0, false
	}
	return vp, gen, true
}

// advance moves a message one step on from the status it has.
func (n *Network) advance(ctx context.Context, m *wabi.Message) {
	vp, gen, ok := n.recipient(ctx, m)
	if !ok {
		return
	}
	switch m.Status {
	case wabi.StatusAccepted:
		if !n.report(ctx, m, wabi.StatusSent, nil) {
			return
		}
		m.Status = wabi.StatusSent
		fallthrough
	case wabi.StatusSent:
		if vp.Behaviour.Offline {
			n.hold(m, gen)
			return
		}
		n.after(time.Duration(vp.Behaviour.DeliveryDelay), func(ctx context.Context) { n.deliverNow(ctx, m) })
	case wabi.StatusDelivered:
		if vp.Behaviour.AutoRead {
			n.after(time.Duration(vp.Behaviour.ReadDelay), func(ctx context.Context) { n.report(ctx, m, wabi.StatusRead, nil) })
		}
	}
}

// deliverNow delivers a sent message unless its phone went offline meanwhile
// (or left WhatsApp, which fails it).
func (n *Network) deliverNow(ctx context.Context, m *wabi.Message) {
	vp, gen, ok := n.recipient(ctx, m)
	if !ok {
		return
	}
	if vp.Behaviour.Offline {
		n.hold(m, gen)
		return
	}
	if !n.report(ctx, m, wabi.StatusDelivered, nil) {
		return
	}
	m.Status = wabi.StatusDelivered
	if vp.Behaviour.AutoRead {
		n.after(time.Duration(vp.Behaviour.ReadDelay), func(ctx context.Context) { n.report(ctx, m, wabi.StatusRead, nil) })
	}
}

// fail reports that m cannot reach its phone.
func (n *Network) fail(ctx context.Context, m *wabi.Message) {
	n.report(ctx, m, wabi.StatusFailed, wabi.Errorf(wabi.ENotOnWhatsApp,
		"Message Undeliverable: %s is not a WhatsApp user on the simulated network.", m.WaID))
}

// hold parks a sent message until its phone comes online. If a phone changed
// since the offline phone was read at gen, the change may have released the held
// messages already, so m is tried again instead.
func (n *Network) hold(m *wabi.Message, gen uint64) {
	n.mu.Lock()
	stale := n.gen != gen
	if !stale {
		n.held[m.WaID] = append(n.held[m.WaID], m)
	}
	n.mu.Unlock()
	if stale {
		n.spawn(func(ctx context.Context) { n.deliverNow(ctx, m) })
	}
}

// report tells the sink about a status; it reports whether the sink took it.
func (n *Network) report(ctx context.Context, m *wabi.Message, s wabi.Status, e *wabi.Error) bool {
	err := n.Sink.UpdateStatus(ctx, wabi.StatusUpdate{MessageID: m.ID, Status: s, Timestamp: n.clock.Now(), Error: e})
	if err != nil {
		n.logError(ctx, "sim: record status", "wamid", m.ID, "status", s, "err", err)
		return false
	}
	return true
}

// logError logs unless the network is shutting down, when errors are expected.
func (n *Network) logError(ctx context.Context, msg string, args ...any) {
	if ctx.Err() == nil {
		n.logger().Error(msg, args...)
	}
}

// PhoneChanged tells the network a phone's behaviour changed: a phone that is now
// online receives what was held for it.
func (n *Network) PhoneChanged(vp *wabi.VirtualPhone) {
	n.mu.Lock()
	n.gen++
	delete(n.phoneAt, vp.WaID)
	var ms []*wabi.Message
	if !vp.Behaviour.Offline {
		ms = n.held[vp.WaID]
		delete(n.held, vp.WaID)
	}
	n.mu.Unlock()
	for _, m := range ms {
		n.spawn(func(ctx context.Context) { n.deliverNow(ctx, m) })
	}
}

// Held returns how many messages wait for a phone to come online.
func (n *Network) Held(waID string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.held[waID])
}

// Read makes a phone open its delivered messages from a business number: the ones
// named, or all when ids is empty. It returns how many were marked read.
func (n *Network) Read(ctx context.Context, waID, phoneNumberID string, ids []string) (int, error) {
	ms, err := n.phones.Messages(ctx, wabi.MessageFilter{PhoneNumberID: phoneNumberID, WaID: waID, Direction: wabi.Outbound, Limit: 1000})
	if err != nil {
		return 0, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	read := 0
	for _, m := range ms {
		if m.Status != wabi.StatusDelivered || (len(ids) > 0 && !want[m.ID]) {
			continue
		}
		if err := n.Sink.UpdateStatus(ctx, wabi.StatusUpdate{MessageID: m.ID, Status: wabi.StatusRead, Timestamp: n.clock.Now()}); err != nil {
			return read, err
		}
		read++
	}
	return read, nil
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
