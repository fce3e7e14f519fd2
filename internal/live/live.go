// Package live carries what changes in wabi to live views, such as the console:
// messages created or changed and webhook deliveries queued or tried. A Hub
// fans events out to subscribers in process. Publishing never waits for a
// subscriber: one that falls behind loses its subscription, is told so by a
// last "overflow" event, and reloads what it shows. Nothing is stored or
// replayed; a view that (re)connects reads the current state first.
//
// On several nodes that share a store, a hub with a Bus also relays its
// events to the hubs of the other nodes (see Join), so that a view on one
// node shows what happens on all of them.
package live

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/wabihq/wabi/internal/wabi"
)

// Event types.
const (
	// TypeMessage events carry a *wabi.Message that was just created or changed:
	// a new outbound or inbound message, or a new status.
	TypeMessage = "message"
	// TypeDelivery events carry a *DeliveryChange: a webhook delivery that was
	// queued, tried or sent again.
	TypeDelivery = "delivery"
	// TypeOverflow is the last event of a subscriber that fell behind: events
	// were dropped, and its channel is closed right after.
	TypeOverflow = "overflow"
)

// DefaultBuffer is how many events a subscriber may fall behind by when
// Hub.Buffer is not set.
const DefaultBuffer = 256

// Event is one change. Data depends on Type; subscribers must treat it as
// read-only, since every subscriber gets the same value.
type Event struct {
	Type string
	Data any
}

// DeliveryChange is the data of a TypeDelivery event: the delivery's new state
// and the attempt that led to it, nil when it was queued or sent again.
type DeliveryChange struct {
	Delivery *wabi.Delivery
	Attempt  *wabi.Attempt
}

// Hub fans events out to subscribers. The zero value is ready to use; set
// Buffer before the first Subscribe.
type Hub struct {
	// Buffer is how many events a subscriber may have unread before it is
	// dropped. Default DefaultBuffer.
	Buffer int
	// Bus, when set, carries the events given to Message, Delivery and
	// Deliveries to the other nodes' hubs, which Join makes publish them.
	// Default nil: events stay in this process.
	Bus wabi.Bus
	// Logger logs relayed events that go wrong. Default slog.Default().
	Logger *slog.Logger

	// n counts subscribers, so that Publish with none costs one atomic load.
	n      atomic.Int32
	mu     sync.Mutex
	subs   map[*sub]struct{}
	closed bool
}

// sub is one subscription. Its channel has one slot more than Buffer, kept
// for the overflow event, so that telling a subscriber it lost events never
// blocks either.
type sub struct {
	ch   chan Event
	stop func() bool // stops the context.AfterFunc that ends it
}

// Subscribe returns a channel of the events published from now on. The channel
// is closed when ctx ends, when the subscriber falls more than Buffer events
// behind (after a TypeOverflow event), or when the hub is closed.
func (h *Hub) Subscribe(ctx context.Context) <-chan Event {
	size := h.Buffer
	if size <= 0 {
		size = DefaultBuffer
	}
	s := &sub{ch: make(chan Event, size+1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || ctx.Err() != nil {
		close(s.ch)
		return s.ch
	}
	if h.subs == nil {
		h.subs = map[*sub]struct{}{}
	}
	h.subs[s] = struct{}{}
	h.n.Add(1)
	// Set under mu, so that drop never sees a subscription without its stop.
	s.stop = context.AfterFunc(ctx, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.drop(s)
	})
	return s.ch
}

// drop ends a subscription once; called with mu held.
func (h *Hub) drop(s *sub) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	h.n.Add(-1)
	s.stop()
	close(s.ch)
}

// Publish hands e to every subscriber. It never blocks: a subscriber whose
// buffer is full gets TypeOverflow instead and is dropped.
func (h *Hub) Publish(e Event) {
	if h.n.Load() == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		// Only Publish sends, and only under mu: a free slot stays free until
		// the send below, and the reserved last one is always there for the
		// overflow event.
		if len(s.ch) < cap(s.ch)-1 {
			s.ch <- e
			continue
		}
		s.ch <- Event{Type: TypeOverflow}
		h.drop(s)
	}
}

// Close ends every subscription and makes later ones end at once, so that
// long-lived streams let a server shut down.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		h.drop(s)
	}
}

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int { return int(h.n.Load()) }

// Message publishes a TypeMessage event. It has the signature of
// platform.Platform.OnMessage.
func (h *Hub) Message(m *wabi.Message) {
	h.Publish(Event{Type: TypeMessage, Data: m})
	if h.Bus != nil {
		h.relay(notice{MessageID: m.ID})
	}
}

// Delivery publishes a TypeDelivery event; a is nil when nothing was
// attempted. It has the signature of webhook.Engine.OnAttempt.
func (h *Hub) Delivery(d *wabi.Delivery, a *wabi.Attempt) {
	h.Publish(Event{Type: TypeDelivery, Data: &DeliveryChange{Delivery: d, Attempt: a}})
	if h.Bus != nil {
		h.relay(notice{Delivery: d, Attempt: a})
	}
}

// Deliveries publishes one TypeDelivery event per delivery just queued. It has
// the signature of platform.Platform.OnDeliveries.
func (h *Hub) Deliveries(ds []*wabi.Delivery) {
	if h.n.Load() == 0 && h.Bus == nil {
		return
	}
	for _, d := range ds {
		h.Delivery(d, nil)
	}
}
