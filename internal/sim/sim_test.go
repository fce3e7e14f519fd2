package sim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// start is where every test's manual clock stands at first.
var start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// sink is a wabi.NetworkSink that records what the network reports. fail, when
// set before the first Deliver, decides which status updates it refuses.
type sink struct {
	mu       sync.Mutex
	updates  []wabi.StatusUpdate
	received []*wabi.Message
	fail     func(u wabi.StatusUpdate) error
}

func (s *sink) UpdateStatus(_ context.Context, u wabi.StatusUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(u); err != nil {
			return err
		}
	}
	s.updates = append(s.updates, u)
	return nil
}

func (s *sink) Receive(_ context.Context, m *wabi.Message) (*wabi.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *m
	c.ID = fmt.Sprintf("wamid.in%d", len(s.received)+1)
	s.received = append(s.received, &c)
	return &c, nil
}

// count is how many status updates the sink took.
func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// statuses lists the statuses reported for a message, in order.
func (s *sink) statuses(id string) []wabi.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ss []wabi.Status
	for _, u := range s.updates {
		if u.MessageID == id {
			ss = append(ss, u.Status)
		}
	}
	return ss
}

// all returns a copy of every status update.
func (s *sink) all() []wabi.StatusUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.updates)
}

// logBuffer collects log output written from the network's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a running network over a real SQLite phone book.
type harness struct {
	store *sqlite.Store
	clock *wabi.ManualClock
	sink  *sink
	logs  *logBuffer
	net   *sim.Network
	// phones, when set before run, is the phone book instead of the store.
	phones sim.Phones

	cancel context.CancelFunc
	done   chan error
}

// mustStore opens a SQLite store that lives as long as the test. Subtests of a
// table share their parent's store, since opening one is the slow part of a
// test under -race; each subtest puts the phones it needs.
func mustStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newHarness prepares a network over st; the test calls run.
func newHarness(st *sqlite.Store) *harness {
	return &harness{store: st, clock: wabi.NewManualClock(start), sink: &sink{}, logs: &logBuffer{}}
}

// mustHarness prepares a network over a store of its own.
func mustHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(mustStore(t))
}

// run starts the network; cleanup stops it.
func (h *harness) run(t *testing.T) *harness {
	t.Helper()
	var phones sim.Phones = h.store
	if h.phones != nil {
		phones = h.phones
	}
	h.net = sim.New(phones, h.clock)
	h.net.Sink = h.sink
	h.net.Logger = slog.New(slog.NewTextHandler(h.logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.net.Run(ctx) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// stop cancels Run and waits for it to return, so that every status being
// recorded has been recorded. It may be called more than once.
func (h *harness) stop(t *testing.T) {
	t.Helper()
	h.cancel()
	if h.done == nil {
		return
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
		h.done = nil
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

// mustRunning runs a network over st with the given phones in it.
func mustRunning(t *testing.T, st *sqlite.Store, phones ...*wabi.VirtualPhone) *harness {
	t.Helper()
	h := newHarness(st)
	for _, vp := range phones {
		h.mustPut(t, vp)
	}
	return h.run(t)
}

// mustPut stores a virtual phone without telling the network.
func (h *harness) mustPut(t *testing.T, vp *wabi.VirtualPhone) {
	t.Helper()
	if vp.CreatedAt.IsZero() {
		vp.CreatedAt = start
	}
	if err := h.store.PutVirtualPhone(context.Background(), vp); err != nil {
		t.Fatalf("PutVirtualPhone %s: %v", vp.WaID, err)
	}
}

// mustChange stores a phone and tells the network, as the platform does.
func (h *harness) mustChange(t *testing.T, vp *wabi.VirtualPhone) {
	t.Helper()
	h.mustPut(t, vp)
	h.net.PhoneChanged(vp)
}

// mustDeliver hands the network an outbound message to waID in the given status.
func (h *harness) mustDeliver(t *testing.T, id, waID string, s wabi.Status) {
	t.Helper()
	m := &wabi.Message{ID: id, PhoneNumberID: "pn1", WaID: waID, Direction: wabi.Outbound,
		Type: wabi.TypeText, Status: s, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	if err := h.net.Deliver(context.Background(), m); err != nil {
		t.Fatalf("Deliver %s: %v", id, err)
	}
}

// waitFor polls cond until it holds; the network's steps run in goroutines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitUpdates waits until the sink took n status updates.
func (h *harness) waitUpdates(t *testing.T, n int) {
	t.Helper()
	waitFor(t, "status updates", func() bool { return h.sink.count() >= n })
	if got := h.sink.count(); got != n {
		t.Fatalf("sink took %d status updates, want %d: %+v", got, n, h.sink.all())
	}
}

// waitPending waits until n timers are scheduled, so that Advance finds them.
func (h *harness) waitPending(t *testing.T, n int) {
	t.Helper()
	waitFor(t, "pending timers", func() bool { return h.clock.Pending() == n })
}

// wantStatuses checks the statuses reported for a message.
func (h *harness) wantStatuses(t *testing.T, id string, want ...wabi.Status) {
	t.Helper()
	if got := h.sink.statuses(id); !slices.Equal(got, want) {
		t.Errorf("statuses of %s = %v, want %v", id, got, want)
	}
}

func phone(waID string, b wabi.Behaviour) *wabi.VirtualPhone {
	return &wabi.VirtualPhone{WaID: waID, ProfileName: "Consumer " + waID, Behaviour: b}
}

var (
	sent      = wabi.StatusSent
	delivered = wabi.StatusDelivered
	read      = wabi.StatusRead
	failed    = wabi.StatusFailed
)

// TestDeliverFates plays messages through to the end with no delays: what the
// sink hears depends on the phone and on where the message already was.
func TestDeliverFates(t *testing.T) {
	st := mustStore(t)
	for _, c := range []struct {
		name string
		vp   *wabi.VirtualPhone // nil: no such phone
		from wabi.Status
		want []wabi.Status
	}{
		{"auto-read phone", phone("1001", wabi.Behaviour{AutoRead: true}), wabi.StatusAccepted, []wabi.Status{sent, delivered, read}},
		{"phone that waits to be told to read", phone("1001", wabi.Behaviour{}), wabi.StatusAccepted, []wabi.Status{sent, delivered}},
		{"recovered sent message", phone("1001", wabi.Behaviour{AutoRead: true}), sent, []wabi.Status{delivered, read}},
		{"recovered delivered message", phone("1001", wabi.Behaviour{AutoRead: true}), delivered, []wabi.Status{read}},
		{"recovered delivered message, no auto-read", phone("1001", wabi.Behaviour{}), delivered, nil},
		{"not on WhatsApp", phone("1001", wabi.Behaviour{NotOnWhatsApp: true, AutoRead: true}), wabi.StatusAccepted, []wabi.Status{failed}},
		{"recovered message to a phone not on WhatsApp", phone("1001", wabi.Behaviour{NotOnWhatsApp: true}), sent, []wabi.Status{failed}},
		{"unknown phone", nil, wabi.StatusAccepted, []wabi.Status{failed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(st)
			waID := "1999" // never put
			if c.vp != nil {
				h.mustPut(t, c.vp)
				waID = c.vp.WaID
			}
			h.run(t)
			h.mustDeliver(t, "wamid.1", waID, c.from)
			if len(c.want) > 0 {
				h.waitUpdates(t, len(c.want))
			}
			h.stop(t)
			h.wantStatuses(t, "wamid.1", c.want...)
			for _, u := range h.sink.all() {
				if !u.Timestamp.Equal(start) {
					t.Errorf("%s at %v, want the clock's %v", u.Status, u.Timestamp, start)
				}
				switch {
				case u.Status == failed && (u.Error == nil || u.Error.Code != wabi.ENotOnWhatsApp):
					t.Errorf("failed with %v, want code %s", u.Error, wabi.ENotOnWhatsApp)
				case u.Status != failed && u.Error != nil:
					t.Errorf("%s carries error %v", u.Status, u.Error)
				}
			}
			if n := h.net.Held(waID); n != 0 {
				t.Errorf("Held = %d, want 0", n)
			}
		})
	}
}

// TestDeliverDelays checks that delivered and read wait for the phone's delays on
// the clock, and not a moment less.
func TestDeliverDelays(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("1001", wabi.Behaviour{DeliveryDelay: wabi.Duration(5 * time.Second),
		ReadDelay: wabi.Duration(10 * time.Second), AutoRead: true}))
	h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
	h.waitUpdates(t, 1)
	h.waitPending(t, 1)

	h.clock.Advance(5*time.Second - time.Millisecond)
	if n, p := h.sink.count(), h.clock.Pending(); n != 1 || p != 1 {
		t.Fatalf("before the delivery delay: %d updates, %d timers; want 1 and 1", n, p)
	}
	h.clock.Advance(time.Millisecond)
	h.waitUpdates(t, 2)
	h.waitPending(t, 1)

	h.clock.Advance(10*time.Second - time.Millisecond)
	if n := h.sink.count(); n != 2 {
		t.Fatalf("before the read delay: %d updates, want 2", n)
	}
	h.clock.Advance(time.Millisecond)
	h.waitUpdates(t, 3)
	h.stop(t)

	h.wantStatuses(t, "wamid.1", sent, delivered, read)
	us := h.sink.all()
	for i, at := range []time.Time{start, start.Add(5 * time.Second), start.Add(15 * time.Second)} {
		if !us[i].Timestamp.Equal(at) {
			t.Errorf("%s at %v, want %v", us[i].Status, us[i].Timestamp, at)
		}
	}
}

// TestSinkErrorStopsMessage checks that a status the sink refuses is logged and
// ends that message's progress, while other messages go on.
func TestSinkErrorStopsMessage(t *testing.T) {
	st := mustStore(t)
	for _, c := range []struct {
		name   string
		refuse wabi.Status
		want   []wabi.Status
	}{
		{"sent refused", sent, nil},
		{"delivered refused", delivered, []wabi.Status{sent}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(st)
			h.mustPut(t, phone("1001", wabi.Behaviour{AutoRead: true}))
			h.sink.fail = func(u wabi.StatusUpdate) error {
				if u.MessageID == "wamid.bad" && u.Status == c.refuse {
					return errors.New("disk full")
				}
				return nil
			}
			h.run(t)
			h.mustDeliver(t, "wamid.bad", "1001", wabi.StatusAccepted)
			h.mustDeliver(t, "wamid.good", "1001", wabi.StatusAccepted)
			h.waitUpdates(t, 3+len(c.want))
			waitFor(t, "the refusal to be logged", func() bool { return strings.Contains(h.logs.String(), "disk full") })
			h.stop(t)
			h.wantStatuses(t, "wamid.bad", c.want...)
			h.wantStatuses(t, "wamid.good", sent, delivered, read)
			if logs := h.logs.String(); !strings.Contains(logs, "sim: record status") || !strings.Contains(logs, "wamid.bad") {
				t.Errorf("log does not name the failure and the message:\n%s", logs)
			}
		})
	}
}
