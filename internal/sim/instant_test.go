package sim_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/wabi"
)

// outbound is a new message to waID, as the platform hands it to Instant.
func outbound(id, waID string) *wabi.Message {
	return &wabi.Message{ID: id, PhoneNumberID: "pn1", WaID: waID, Direction: wabi.Outbound,
		Type: wabi.TypeText, Status: wabi.StatusAccepted, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
}

// TestInstantStatuses checks which statuses a new message to an idle phone
// reaches at once, by what the phone does, and that the lane then takes the
// message on from the last of them to where the lane alone would have taken it.
func TestInstantStatuses(t *testing.T) {
	st := mustStore(t)
	second := wabi.Duration(time.Second)
	for _, c := range []struct {
		name    string
		vp      *wabi.VirtualPhone // nil: no such phone
		instant []wabi.Status
		// later are the statuses the lane reports after the instant ones,
		// once the clock moved on by advance (and the phone came online,
		// for an offline one).
		later   []wabi.Status
		advance time.Duration
	}{
		{"reads at once", phone("1001", wabi.Behaviour{AutoRead: true}), []wabi.Status{sent, delivered, read}, nil, 0},
		{"waits to be told to read", phone("1001", wabi.Behaviour{}), []wabi.Status{sent, delivered}, nil, 0},
		{"reads later", phone("1001", wabi.Behaviour{AutoRead: true, ReadDelay: second}),
			[]wabi.Status{sent, delivered}, []wabi.Status{read}, time.Second},
		{"delivered later", phone("1001", wabi.Behaviour{AutoRead: true, DeliveryDelay: second}),
			[]wabi.Status{sent}, []wabi.Status{delivered, read}, time.Second},
		{"offline", phone("1001", wabi.Behaviour{AutoRead: true, Offline: true}),
			[]wabi.Status{sent}, []wabi.Status{delivered, read}, 0},
		{"not on WhatsApp", phone("1001", wabi.Behaviour{NotOnWhatsApp: true}), nil, []wabi.Status{failed}, 0},
		{"unknown phone", nil, nil, []wabi.Status{failed}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(st)
			waID := "1999" // never put
			if c.vp != nil {
				h.mustPut(t, c.vp)
				waID = c.vp.WaID
			}
			h.run(t)
			m := outbound("wamid.1", waID)
			got := h.net.Instant(context.Background(), m)
			if !slices.Equal(got, c.instant) {
				t.Fatalf("Instant = %v, want %v", got, c.instant)
			}
			if len(got) > 0 {
				m.Status = got[len(got)-1] // as the platform commits it
			}
			if err := h.net.Deliver(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			switch {
			case c.vp != nil && c.vp.Behaviour.Offline:
				waitFor(t, "the message to be held", func() bool { return h.net.Held(waID) == 1 })
				b := c.vp.Behaviour
				b.Offline = false
				h.mustChange(t, phone(waID, b))
			case c.advance > 0:
				h.waitPending(t, 1)
				h.clock.Advance(c.advance)
			}
			h.waitUpdates(t, len(c.later))
			waitFor(t, "the phone to go idle", func() bool { return h.net.Active() == 0 })
			h.wantStatuses(t, "wamid.1", c.later...)
		})
	}
}

// TestInstantReadCostsNothing checks that a message committed at read leaves
// the network nothing to do: no step, no status.
func TestInstantReadCostsNothing(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("1001", wabi.Behaviour{AutoRead: true}))
	m := outbound("wamid.1", "1001")
	m.Status = read
	if err := h.net.Deliver(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if n := h.net.Active(); n != 0 {
		t.Errorf("Active = %d after handing over a read message, want 0", n)
	}
	h.stop(t)
	if n := h.sink.count(); n != 0 {
		t.Errorf("the sink took %d updates: %+v", n, h.sink.all())
	}
}

// TestInstantWaitsForTheLane checks that a message to a phone whose statuses
// are still being recorded gets none at once, so that its own come after them
// through the lane; once the phone is idle again the next one does.
func TestInstantWaitsForTheLane(t *testing.T) {
	h := mustHarness(t)
	h.mustPut(t, phone("1001", wabi.Behaviour{AutoRead: true}))
	bs := &batchSink{entered: make(chan struct{}), gate: make(chan struct{})}
	h.run(t)
	h.net.Sink = bs
	ctx := context.Background()
	h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
	<-bs.entered // wamid.1's statuses are being recorded
	m2 := outbound("wamid.2", "1001")
	if got := h.net.Instant(ctx, m2); got != nil {
		t.Errorf("Instant while the lane records = %v, want none", got)
	}
	if err := h.net.Deliver(ctx, m2); err != nil {
		t.Fatal(err)
	}
	close(bs.gate)
	waitFor(t, "every status", func() bool { return bs.count() == 6 })
	waitFor(t, "the phone to go idle", func() bool { return h.net.Active() == 0 })
	var order []string
	for _, u := range bs.all() {
		order = append(order, u.MessageID+" "+string(u.Status))
	}
	want := []string{"wamid.1 sent", "wamid.1 delivered", "wamid.1 read", "wamid.2 sent", "wamid.2 delivered", "wamid.2 read"}
	if !slices.Equal(order, want) {
		t.Errorf("statuses in the order %v, want %v", order, want)
	}
	if got := h.net.Instant(ctx, outbound("wamid.3", "1001")); len(got) != 3 {
		t.Errorf("Instant once the phone is idle = %v, want sent, delivered and read", got)
	}
}

// aheadClock reads ahead of its manual clock's timers by ahead: a step due
// by its reading has not had its timer fire yet.
type aheadClock struct {
	*wabi.ManualClock
	mu    sync.Mutex
	ahead time.Duration
}

func (c *aheadClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ManualClock.Now().Add(c.ahead)
}

func (c *aheadClock) skip(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead += d
}

// TestInstantWaitsForDueSteps checks that a step that fell due but has not run
// yet keeps a new message's statuses in the lane, behind it, while a step due
// later does not.
func TestInstantWaitsForDueSteps(t *testing.T) {
	st := mustStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	clock := &aheadClock{ManualClock: wabi.NewManualClock(start)}
	if err := st.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "1001", CreatedAt: start,
		Behaviour: wabi.Behaviour{AutoRead: true, DeliveryDelay: wabi.Duration(time.Second)}}); err != nil {
		t.Fatal(err)
	}
	n := sim.New(st, clock)
	s := &sink{}
	n.Sink = s
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	if err := n.Deliver(ctx, outbound("wamid.1", "1001")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "wamid.1 to wait for its delivery", func() bool { return s.count() == 1 && clock.Pending() == 1 })
	if got := n.Instant(ctx, outbound("wamid.2", "1001")); !slices.Equal(got, []wabi.Status{sent}) {
		t.Errorf("Instant with a step due later = %v, want [sent]", got)
	}
	clock.skip(time.Second)
	if got := n.Instant(ctx, outbound("wamid.3", "1001")); got != nil {
		t.Errorf("Instant with a step due = %v, want none", got)
	}
}

// TestInstantNotWhileFaultsMayFire checks that an armed delivery_failed or
// status_delayed fault leaves every status to the lane, where the fault can
// fire on it.
func TestInstantNotWhileFaultsMayFire(t *testing.T) {
	st := mustStore(t)
	for _, kind := range []wabi.FaultKind{wabi.FaultDeliveryFailed, wabi.FaultStatusDelayed} {
		t.Run(string(kind), func(t *testing.T) {
			h := mustRunning(t, st, phone("1001", wabi.Behaviour{AutoRead: true}))
			h.net.Faults = &faults{kind: kind, on: map[string]bool{}}
			if got := h.net.Instant(context.Background(), outbound("wamid.1", "1001")); got != nil {
				t.Errorf("Instant = %v, want none", got)
			}
		})
	}
}

// TestInstantOnlyNewMessages checks that a message already on its way (a
// recovered one) gets nothing at once.
func TestInstantOnlyNewMessages(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("1001", wabi.Behaviour{AutoRead: true}))
	m := outbound("wamid.1", "1001")
	m.Status = sent
	if got := h.net.Instant(context.Background(), m); got != nil {
		t.Errorf("Instant of a sent message = %v, want none", got)
	}
}

// readable is a phone book whose outbound messages are the one given, at
// delivered.
type readable struct {
	sim.Phones
	m *wabi.Message
}

func (d readable) Messages(context.Context, wabi.MessageFilter) ([]*wabi.Message, error) {
	c := *d.m
	c.Status = wabi.StatusDelivered
	return []*wabi.Message{&c}, nil
}

// TestInstantWaitsForRead checks that a message to a phone that is reading
// (Read is recording its reads) gets no status at once.
func TestInstantWaitsForRead(t *testing.T) {
	h := mustHarness(t)
	h.mustPut(t, phone("1001", wabi.Behaviour{}))
	h.phones = readable{Phones: h.store, m: outbound("wamid.1", "1001")}
	entered, gate := make(chan struct{}), make(chan struct{})
	h.sink.fail = func(u wabi.StatusUpdate) error {
		close(entered)
		<-gate
		return nil
	}
	h.run(t)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := h.net.Read(ctx, "1001", "pn1", nil)
		done <- err
	}()
	<-entered // the read is being recorded
	if got := h.net.Instant(ctx, outbound("wamid.2", "1001")); got != nil {
		t.Errorf("Instant while the phone reads = %v, want none", got)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := h.net.Instant(ctx, outbound("wamid.3", "1001")); !slices.Equal(got, []wabi.Status{sent, delivered}) {
		t.Errorf("Instant once the read is recorded = %v, want [sent delivered]", got)
	}
}

// TestInstantPlacedWithoutStep checks that a message committed at sent or
// delivered is put straight where the lane's first step would put it: held
// for an offline phone, or nothing at all for one that reads only when told,
// with no step for the lane to play; and that it still goes on from there.
func TestInstantPlacedWithoutStep(t *testing.T) {
	h := mustRunning(t, mustStore(t),
		phone("1001", wabi.Behaviour{AutoRead: true, Offline: true}),
		phone("1002", wabi.Behaviour{}))
	off := outbound("wamid.1", "1001")
	off.Status = sent
	told := outbound("wamid.2", "1002")
	told.Status = delivered
	for _, m := range []*wabi.Message{off, told} {
		if err := h.net.Deliver(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if n, held := h.net.Active(), h.net.Held("1001"); n != 0 || held != 1 {
		t.Fatalf("after Deliver: %d lanes, %d held, want no lane and the offline phone's message held", n, held)
	}
	h.mustChange(t, phone("1001", wabi.Behaviour{AutoRead: true}))
	h.waitUpdates(t, 2)
	waitFor(t, "the phone to go idle", func() bool { return h.net.Active() == 0 })
	h.wantStatuses(t, "wamid.1", delivered, read)
	h.wantStatuses(t, "wamid.2")
}
