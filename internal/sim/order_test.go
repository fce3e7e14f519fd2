package sim_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// sends records when each message was handed over: the tick just before its
// send began and the tick just after it was acknowledged. A message acknowledged
// before another's send began must have its statuses recorded first; sends that
// overlap may land either way.
type sends struct {
	tick atomic.Int64
	mu   sync.Mutex
	call map[string]int64
	ack  map[string]int64
}

func newSends() *sends { return &sends{call: map[string]int64{}, ack: map[string]int64{}} }

// send runs one send and records its ticks under the id it returns.
func (s *sends) send(do func() string) {
	call := s.tick.Add(1)
	id := do()
	ack := s.tick.Add(1)
	s.mu.Lock()
	s.call[id], s.ack[id] = call, ack
	s.mu.Unlock()
}

// check reports every pair of messages recorded out of send order in seq, a list
// of message ids in the order one status of theirs was recorded.
func (s *sends) check(t *testing.T, what string, seq []string) {
	t.Helper()
	if len(seq) != len(s.ack) {
		t.Errorf("%s: %d recorded, want one per send (%d)", what, len(seq), len(s.ack))
	}
	bad := 0
	for i, later := range seq {
		for _, earlier := range seq[i+1:] {
			// later was recorded before earlier: wrong if earlier was acknowledged
			// before later's send began.
			if s.ack[earlier] < s.call[later] {
				if bad++; bad <= 5 {
					t.Errorf("%s: %s recorded before %s, which was acknowledged before it was sent", what, later, earlier)
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d pairs out of order in all", what, bad)
	}
}

// orderSink records the order of the statuses it is told, per status.
type orderSink struct {
	mu  sync.Mutex
	got map[wabi.Status][]string
	n   int
}

func (s *orderSink) UpdateStatus(_ context.Context, u wabi.StatusUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got[u.Status] = append(s.got[u.Status], u.MessageID)
	s.n++
	return nil
}

func (s *orderSink) Receive(context.Context, *wabi.Message) (*wabi.Message, error) {
	return nil, wabi.Errorf(wabi.EInvalidValue, "not in this test")
}

func (s *orderSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// TestPhoneOrderUnderConcurrentSenders has 32 senders hand the network messages
// to the same two phones at once, each sender one message after the other: every
// phone's sent, delivered and read statuses come out in the order the messages
// were handed over.
func TestPhoneOrderUnderConcurrentSenders(t *testing.T) {
	h := mustHarness(t)
	waIDs := []string{"1001", "1002"}
	for _, w := range waIDs {
		h.mustPut(t, phone(w, wabi.Behaviour{AutoRead: true}))
	}
	os := &orderSink{got: map[wabi.Status][]string{}}
	h.run(t)
	h.net.Sink = os

	const senders, each = 32, 20
	per := map[string]*sends{}
	for _, w := range waIDs {
		per[w] = newSends()
	}
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range each {
				w := waIDs[(i+j)%len(waIDs)]
				per[w].send(func() string {
					id := fmt.Sprintf("wamid.%s.%d.%d", w, i, j)
					m := &wabi.Message{ID: id, PhoneNumberID: "pn1", WaID: w, Direction: wabi.Outbound,
						Type: wabi.TypeText, Status: wabi.StatusAccepted}
					if err := h.net.Deliver(context.Background(), m); err != nil {
						t.Error(err)
					}
					return id
				})
			}
		})
	}
	wg.Wait()
	waitFor(t, "every status", func() bool { return os.count() == 3*senders*each })
	h.stop(t)
	for _, s := range []wabi.Status{sent, delivered, read} {
		for _, w := range waIDs {
			var seq []string
			for _, id := range os.got[s] {
				if strings.HasPrefix(id, "wamid."+w+".") {
					seq = append(seq, id)
				}
			}
			per[w].check(t, string(s)+" to "+w, seq)
		}
	}
}

// TestWebhookOrderUnderConcurrentSenders sends through the whole of wabi: 32
// senders to the demo customer at once, each waiting for its acknowledgement
// before the next send. The status webhooks queued for the demo app, taken in
// each order an engine delivers one contact's webhooks in (their rows in the
// store as written, and by id), follow the acknowledged sends, for sent,
// delivered and read alike, and each message's come in order.
func TestWebhookOrderUnderConcurrentSenders(t *testing.T) {
	// The receiver's answers do not matter here, only the queue.
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	t.Cleanup(rc.Close) // after the stack below has stopped its webhook engine
	s := wabitest.New(t, wabitest.Options{})
	ctx := context.Background()
	s.P.Verify = nil
	if _, err := s.P.SetAppWebhook(ctx, platform.Admin, s.Demo.App.ID, platform.WebhookConfig{
		CallbackURL: rc.URL, VerifyToken: "v", Fields: []string{wabi.FieldMessages},
	}); err != nil {
		t.Fatal(err)
	}
	// The customer writes first, which opens the service window for free text.
	if _, err := s.Net.Send(ctx, s.Demo.Customer.WaID, s.Demo.Phone.ID, &wabi.Message{Type: wabi.TypeText,
		Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
		t.Fatal(err)
	}

	const senders, each = 32, 8
	ss := newSends()
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range each {
				ss.send(func() string {
					res, err := s.P.Send(ctx, platform.Admin, platform.SendRequest{PhoneNumberID: s.Demo.Phone.ID,
						To: s.Demo.Customer.WaID, Message: &wabi.Message{Type: wabi.TypeText,
							Content: wabi.Content{Text: &wabi.Text{Body: "Your order has shipped."}}}})
					if err != nil {
						t.Error(err)
						return ""
					}
					return res.MessageID
				})
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Read every row, newest first, until all three statuses of every send are in.
	var rows []*wabi.Delivery
	waitFor(t, "every status webhook", func() bool {
		rows = rows[:0]
		before := ""
		for {
			page, err := s.Store.Deliveries(ctx, wabi.DeliveryFilter{AppID: s.Demo.App.ID, BeforeID: before, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			rows = append(rows, page...)
			before = page[len(page)-1].ID
		}
		return len(rows) >= 1+3*senders*each // the inbound message's webhook too
	})
	// The engine delivers one contact's webhooks by id; an engine sharing the
	// store with other nodes takes them in the order they were written. Each
	// order keeps every message's statuses in order and follows the
	// acknowledged sends. Overlapping sends may land either way, and a send
	// that commits its statuses with the message takes their ids before its
	// commit, so the two orders may differ for overlapping sends.
	written := slices.Clone(rows)
	slices.Reverse(written) // oldest first
	byID := slices.Clone(written)
	slices.SortFunc(byID, func(a, b *wabi.Delivery) int {
		if idLess(a.ID, b.ID) {
			return -1
		}
		return 1
	})
	for _, order := range []struct {
		name string
		ds   []*wabi.Delivery
	}{{"as written", written}, {"by id", byID}} {
		byStatus := map[string][]string{}
		last := map[string]wabi.Status{}
		for _, d := range order.ds {
			if d.WaID != s.Demo.Customer.WaID {
				t.Errorf("delivery %s is for %s", d.ID, d.WaID)
			}
			st, ok := strings.CutPrefix(d.Event, "status.")
			if !ok {
				continue
			}
			byStatus[st] = append(byStatus[st], d.MessageID)
			if prev := last[d.MessageID]; wabi.Status(st).Rank() <= prev.Rank() {
				t.Errorf("%s: %s of %s after %s", order.name, st, d.MessageID, prev)
			}
			last[d.MessageID] = wabi.Status(st)
		}
		for _, st := range []wabi.Status{sent, delivered, read} {
			ss.check(t, order.name+": "+string(st)+" webhooks", byStatus[string(st)])
		}
	}
}

// idLess orders the platform's numeric ids, as the webhook engine does.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// TestDelayedStatusesKeepOrder gives a phone delivery and read delays: the
// messages' delivered and read statuses, which wait on the clock, still come in
// the order the messages were handed over when their delays end together.
func TestDelayedStatusesKeepOrder(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("1001", wabi.Behaviour{DeliveryDelay: wabi.Duration(5 * time.Second),
		ReadDelay: wabi.Duration(10 * time.Second), AutoRead: true}))
	const n = 50
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("wamid.%02d", i))
		h.mustDeliver(t, ids[i], "1001", wabi.StatusAccepted)
	}
	h.waitUpdates(t, n)
	h.waitPending(t, 1) // one timer for the phone, not one per message
	h.clock.Advance(5 * time.Second)
	h.waitUpdates(t, 2*n)
	h.waitPending(t, 1)
	h.clock.Advance(10 * time.Second)
	h.waitUpdates(t, 3*n)
	h.stop(t)

	got := map[wabi.Status][]string{}
	for _, u := range h.sink.all() {
		got[u.Status] = append(got[u.Status], u.MessageID)
	}
	for _, s := range []wabi.Status{sent, delivered, read} {
		if !slices.Equal(got[s], ids) {
			t.Errorf("%s in the order %v, want %v", s, got[s], ids)
		}
	}
}

// batchSink records the batches it is handed and refuses the updates fail picks.
// Its first call waits for gate, so that the steps behind it pile up.
type batchSink struct {
	sink
	batches [][]wabi.StatusUpdate
	entered chan struct{}
	gate    chan struct{}
}

func (s *batchSink) UpdateStatuses(ctx context.Context, us []wabi.StatusUpdate) []error {
	s.mu.Lock()
	first := len(s.batches) == 0
	s.batches = append(s.batches, slices.Clone(us))
	s.mu.Unlock()
	if first {
		close(s.entered)
		<-s.gate
	}
	// Like the platform, it refuses a message's updates after one it refused.
	errs := make([]error, len(us))
	failed := map[string]error{}
	for i, u := range us {
		if errs[i] = failed[u.MessageID]; errs[i] != nil {
			continue
		}
		if errs[i] = s.UpdateStatus(ctx, u); errs[i] != nil {
			failed[u.MessageID] = errs[i]
		}
	}
	return errs
}

// TestBatchSink checks that a sink that records statuses in batches gets a
// phone's statuses in batches, in order, and that an update it refuses ends only
// that message's progress, and is logged.
func TestBatchSink(t *testing.T) {
	h := mustHarness(t)
	h.mustPut(t, phone("1001", wabi.Behaviour{AutoRead: true}))
	bs := &batchSink{entered: make(chan struct{}), gate: make(chan struct{})}
	bs.fail = func(u wabi.StatusUpdate) error {
		if u.MessageID == "wamid.bad" && u.Status == delivered {
			return errors.New("disk full")
		}
		return nil
	}
	h.run(t)
	h.net.Sink = bs
	// While the first status is being recorded, the next two messages queue
	// behind it and go as one batch.
	ids := []string{"wamid.1", "wamid.bad", "wamid.3"}
	h.mustDeliver(t, ids[0], "1001", wabi.StatusAccepted)
	<-bs.entered
	for _, id := range ids[1:] {
		h.mustDeliver(t, id, "1001", wabi.StatusAccepted)
	}
	close(bs.gate)
	waitFor(t, "every status", func() bool { return bs.count() == 3+2+2 })
	waitFor(t, "the phone to go idle", func() bool { return h.net.Active() == 0 })
	h.stop(t)
	h.sink = &bs.sink
	h.wantStatuses(t, "wamid.1", sent, delivered, read)
	h.wantStatuses(t, "wamid.bad", sent)
	h.wantStatuses(t, "wamid.3", sent, delivered, read)
	var order []string
	widest := 0
	for _, b := range bs.batches {
		widest = max(widest, len(b))
		for _, u := range b {
			if u.Status == sent {
				order = append(order, u.MessageID)
			}
		}
	}
	if !slices.Equal(order, ids) {
		t.Errorf("sent in the order %v, want %v", order, ids)
	}
	if widest < 2 {
		t.Errorf("batches %v: the queued statuses were not recorded together", bs.batches)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "disk full") || !strings.Contains(logs, "wamid.bad") {
		t.Errorf("the refusal is not logged with its message:\n%s", logs)
	}
}

// TestIdlePhonesCostNothing checks that once every message of many phones has
// played out, the network keeps no queue, goroutine or timer for any of them.
func TestIdlePhonesCostNothing(t *testing.T) {
	h := mustHarness(t)
	const phones = 20
	for i := range phones {
		h.mustPut(t, phone(fmt.Sprintf("1%03d", i), wabi.Behaviour{AutoRead: true, ReadDelay: wabi.Duration(time.Second)}))
	}
	h.run(t)
	before := runtime.NumGoroutine()
	for i := range phones {
		h.mustDeliver(t, fmt.Sprintf("wamid.%d", i), fmt.Sprintf("1%03d", i), wabi.StatusAccepted)
	}
	h.waitUpdates(t, 2*phones)
	waitFor(t, "a read timer per phone", func() bool { return h.clock.Pending() == phones })
	if n := h.net.Active(); n != phones {
		t.Errorf("Active = %d while reads wait, want %d", n, phones)
	}
	h.clock.Advance(time.Second)
	h.waitUpdates(t, 3*phones)
	waitFor(t, "every phone to go idle", func() bool { return h.net.Active() == 0 })
	if p := h.clock.Pending(); p != 0 {
		t.Errorf("%d timers left", p)
	}
	waitFor(t, "the workers to end", func() bool { return runtime.NumGoroutine() <= before })
}
