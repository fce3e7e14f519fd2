package live

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// topicLive is the bus topic of relayed events.
const topicLive = "live"

// relayQueue is how many relayed events may wait for the store; beyond it the
// hub's subscribers lose events and are told so.
const relayQueue = 1024

// Reader reads what relayed events name from the store every node shares;
// wabi.Store is one.
type Reader interface {
	Message(ctx context.Context, id string) (*wabi.Message, error)
	Delivery(ctx context.Context, id string) (*wabi.Delivery, error)
}

// notice is a relayed event as it travels on the bus: a message by its id
// (the receiving node reads it), or a delivery's state without its body
// (which the receiving node's views read if they show it) and the attempt
// that led to it, which may not be in the store yet. A delivery too large to
// travel travels by id alone.
type notice struct {
	MessageID  string         `json:"m,omitempty"`
	Delivery   *wabi.Delivery `json:"d,omitempty"`
	Attempt    *wabi.Attempt  `json:"a,omitempty"`
	DeliveryID string         `json:"di,omitempty"`
}

// relay publishes an event of this node's on the bus, for the other nodes'
// hubs. It costs a small encoding and a queued notice; nothing is read.
func (h *Hub) relay(n notice) {
	b, err := json.Marshal(n)
	for err == nil && len(b) > wabi.MaxNotice && n.Attempt != nil && n.Attempt.Response != "" {
		// The receiver's answer is what can be long: it is cut until it fits.
		a := *n.Attempt
		a.Response = strings.ToValidUTF8(a.Response[:len(a.Response)/2], "")
		n.Attempt = &a
		b, err = json.Marshal(n)
	}
	if err == nil && len(b) > wabi.MaxNotice {
		b, err = json.Marshal(notice{DeliveryID: n.Delivery.ID})
	}
	if err == nil {
		err = h.Bus.Publish(context.Background(), topicLive, b)
	}
	if err != nil {
		h.logger().Error("live: relay an event", "err", err)
	}
}

func (h *Hub) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// Join makes the hub publish to its subscribers what the other nodes' hubs
// relay on Bus: message events, with the message read from store as it is
// now, and delivery events. Notices that arrive while the hub has no
// subscriber cost nothing but their decoding; a subscriber that connects
// reads the current state first anyway. The store reads happen on a
// goroutine of Join's, so that the bus is never held up; should they fall
// more than a thousand events behind, every subscriber gets TypeOverflow and
// is dropped, as one that fell behind itself would be. leave stops it all and
// waits for the goroutine. Without a Bus, Join does nothing.
func (h *Hub) Join(store Reader) (leave func()) {
	if h.Bus == nil {
		return func() {}
	}
	queue := make(chan notice, relayQueue)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-queue:
				h.deliverRelayed(ctx, store, n)
			}
		}
	})
	stop := h.Bus.Subscribe(topicLive, func(payload []byte) {
		if h.n.Load() == 0 {
			return
		}
		var n notice
		if err := json.Unmarshal(payload, &n); err != nil {
			h.logger().Warn("live: a relayed event does not parse", "err", err)
			return
		}
		select {
		case queue <- n:
		default:
			h.overflow()
		}
	})
	return func() {
		stop()
		cancel()
		wg.Wait()
	}
}

// deliverRelayed publishes a relayed event to this hub's subscribers.
func (h *Hub) deliverRelayed(ctx context.Context, store Reader, n notice) {
	if n.Delivery != nil {
		h.Publish(Event{Type: TypeDelivery, Data: &DeliveryChange{Delivery: n.Delivery, Attempt: n.Attempt}})
		return
	}
	if h.n.Load() == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var e Event
	var err error
	switch {
	case n.MessageID != "":
		var m *wabi.Message
		m, err = store.Message(ctx, n.MessageID)
		e = Event{Type: TypeMessage, Data: m}
	case n.DeliveryID != "":
		var d *wabi.Delivery
		d, err = store.Delivery(ctx, n.DeliveryID)
		e = Event{Type: TypeDelivery, Data: &DeliveryChange{Delivery: d}}
	default:
		return
	}
	if err != nil {
		// Gone already (retention), or the store is away: the view misses
		// one change and shows the state it reads next.
		h.logger().Debug("live: read what a relayed event names", "err", err)
		return
	}
	h.Publish(e)
}

// overflow ends every subscription with TypeOverflow: relayed events were
// lost, and what the views show must be reloaded.
func (h *Hub) overflow() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		// The slot kept for this event is always free (see Publish).
		s.ch <- Event{Type: TypeOverflow}
		h.drop(s)
	}
}
