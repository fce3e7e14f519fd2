package live

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/bus"
	"github.com/wabihq/wabi/internal/wabi"
)

// fakeStore answers reads from maps and counts them; with block set, a
// message read waits for it to close and first tells entered.
type fakeStore struct {
	messages   map[string]*wabi.Message
	deliveries map[string]*wabi.Delivery
	reads      atomic.Int32
	block      chan struct{}
	entered    chan struct{}
}

func (s *fakeStore) Message(ctx context.Context, id string) (*wabi.Message, error) {
	s.reads.Add(1)
	if s.block != nil {
		select {
		case s.entered <- struct{}{}:
		default:
		}
		<-s.block
	}
	if m, ok := s.messages[id]; ok {
		return m, nil
	}
	return nil, wabi.Errorf(wabi.ENotFound, "no message %s", id)
}

func (s *fakeStore) Delivery(ctx context.Context, id string) (*wabi.Delivery, error) {
	s.reads.Add(1)
	if d, ok := s.deliveries[id]; ok {
		return d, nil
	}
	return nil, wabi.Errorf(wabi.ENotFound, "no delivery %s", id)
}

// twoHubs returns the hubs of two nodes joined by an in-process bus; b relays
// from store.
func twoHubs(t *testing.T, store Reader) (a, b *Hub) {
	var l bus.Local
	a, b = &Hub{Bus: l.Node()}, &Hub{Bus: l.Node()}
	t.Cleanup(a.Join(store))
	t.Cleanup(b.Join(store))
	return a, b
}

// TestRelay tells what a view on node B sees of node A: a message as the
// store has it now, a delivery's state and attempt as A had them (the attempt
// may not be stored yet), and deliveries A queued with no view of its own
// open. A's own view gets each event once.
func TestRelay(t *testing.T) {
	t.Parallel()
	store := &fakeStore{messages: map[string]*wabi.Message{
		"wamid.1": {ID: "wamid.1", Status: wabi.StatusRead},
	}}
	a, b := twoHubs(t, store)
	onB := b.Subscribe(t.Context())

	a.Message(&wabi.Message{ID: "wamid.1", Status: wabi.StatusSent})
	e, _ := recv(t, onB)
	if m, ok := e.Data.(*wabi.Message); e.Type != TypeMessage || !ok || m.ID != "wamid.1" || m.Status != wabi.StatusRead {
		t.Errorf("B got %+v, want the message as stored", e)
	}

	d := &wabi.Delivery{ID: "d1", State: wabi.DeliveryPending, Attempts: 1, Body: []byte(`{"x":1}`), LastStatus: 500}
	at := &wabi.Attempt{DeliveryID: "d1", N: 1, StatusCode: 500, Response: "boom", Latency: time.Millisecond}
	a.Delivery(d, at)
	e, _ = recv(t, onB)
	c, ok := e.Data.(*DeliveryChange)
	if e.Type != TypeDelivery || !ok || c.Delivery.ID != "d1" || c.Delivery.Attempts != 1 || c.Delivery.LastStatus != 500 ||
		c.Attempt == nil || *c.Attempt != *at {
		t.Fatalf("B got %+v, want the delivery and its attempt", e)
	}
	if len(c.Delivery.Body) != 0 {
		t.Errorf("the body travelled (%q); views read it from the store", c.Delivery.Body)
	}

	a.Deliveries([]*wabi.Delivery{{ID: "d2", State: wabi.DeliveryPending}})
	e, _ = recv(t, onB)
	if c, ok := e.Data.(*DeliveryChange); !ok || c.Delivery.ID != "d2" || c.Attempt != nil {
		t.Errorf("B got %+v, want the queued delivery d2", e)
	}

	// A's own view: every event once, none relayed back.
	onA := a.Subscribe(t.Context())
	for _, tc := range []struct {
		from *Hub
		id   string
	}{{b, "wamid.1"}, {a, "wamid.2"}} {
		tc.from.Message(&wabi.Message{ID: tc.id})
		e, _ := recv(t, onA)
		if m, ok := e.Data.(*wabi.Message); !ok || m.ID != tc.id {
			t.Errorf("A got %+v, want %s", e, tc.id)
		}
	}
	select {
	case e := <-onA:
		t.Errorf("A got an extra event %+v", e)
	default:
	}
}

// TestRelayLongResponse: an attempt whose response would not fit a notice
// travels with the response cut; a delivery that still would not fit travels
// by id, and B reads it.
func TestRelayLongResponse(t *testing.T) {
	t.Parallel()
	store := &fakeStore{deliveries: map[string]*wabi.Delivery{"d2": {ID: "d2", State: wabi.DeliveryFailed}}}
	a, b := twoHubs(t, store)
	onB := b.Subscribe(t.Context())

	long := strings.Repeat("<p>", wabi.MaxNotice) // escaped by JSON, far over the limit
	a.Delivery(&wabi.Delivery{ID: "d1"}, &wabi.Attempt{DeliveryID: "d1", N: 1, Response: long})
	e, _ := recv(t, onB)
	c, ok := e.Data.(*DeliveryChange)
	if !ok || c.Attempt == nil || c.Attempt.Response == "" || !strings.HasPrefix(long, c.Attempt.Response) {
		t.Fatalf("B got %+v, want the attempt with the start of its response", e)
	}

	a.Delivery(&wabi.Delivery{ID: "d2", LastError: strings.Repeat("x", wabi.MaxNotice)}, nil)
	e, _ = recv(t, onB)
	if c, ok := e.Data.(*DeliveryChange); !ok || c.Delivery.ID != "d2" || c.Delivery.State != wabi.DeliveryFailed {
		t.Errorf("B got %+v, want d2 as stored", e)
	}
}

// TestRelayIdle: while B has no view open, relayed events cost it no read.
func TestRelayIdle(t *testing.T) {
	t.Parallel()
	store := &fakeStore{messages: map[string]*wabi.Message{"wamid.1": {ID: "wamid.1"}}}
	a, b := twoHubs(t, store)
	for range 10 {
		a.Message(&wabi.Message{ID: "wamid.1"})
	}
	if n := store.reads.Load(); n != 0 {
		t.Errorf("%d store reads with no view open, want none", n)
	}
	onB := b.Subscribe(t.Context())
	a.Message(&wabi.Message{ID: "wamid.1"})
	recv(t, onB)
	if n := store.reads.Load(); n != 1 {
		t.Errorf("%d store reads for one event, want 1", n)
	}
}

// TestRelayOverflow: when B's store reads fall a whole queue behind, B's
// views are told they lost events and are dropped; the bus is never held up.
func TestRelayOverflow(t *testing.T) {
	t.Parallel()
	store := &fakeStore{block: make(chan struct{}), entered: make(chan struct{}, 1),
		messages: map[string]*wabi.Message{"wamid.1": {ID: "wamid.1"}}}
	a, b := twoHubs(t, store)
	defer close(store.block)
	onB := b.Subscribe(t.Context())
	a.Message(&wabi.Message{ID: "wamid.1"})
	<-store.entered // the reader holds the first event; the queue is empty
	for range relayQueue {
		a.Message(&wabi.Message{ID: "wamid.1"})
	}
	if len(onB) != 0 {
		t.Fatalf("B's view got %d events while its reader was stuck", len(onB))
	}
	a.Message(&wabi.Message{ID: "wamid.1"}) // one more than the queue holds
	if e, _ := recv(t, onB); e.Type != TypeOverflow {
		t.Errorf("B's view got %+v, want %s", e, TypeOverflow)
	}
	wantClosed(t, onB)
}
