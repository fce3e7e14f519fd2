package platform_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// laneOnly is the simulated network without its wabi.InstantNetwork side: every
// status of a message goes through its phone's lane and UpdateStatuses, after
// the message's own commit.
type laneOnly struct{ n *sim.Network }

func (l *laneOnly) Deliver(ctx context.Context, m *wabi.Message) error { return l.n.Deliver(ctx, m) }

func (l *laneOnly) OnWhatsApp(ctx context.Context, waID string) (bool, error) {
	return l.n.OnWhatsApp(ctx, waID)
}

// instantStack is a stack whose demo app takes messages webhooks at a receiver
// that accepts them all, and whose OnMessage calls are recorded.
type instantStack struct {
	*wabitest.Stack
	mu      sync.Mutex
	changes []*wabi.Message
}

// newInstantStack builds the stack; with lane set, its platform does not ask
// the network for the statuses it knows at once.
func newInstantStack(t *testing.T, lane bool) *instantStack {
	t.Helper()
	rc := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(rc.Close) // after the stack below has stopped its webhook engine
	var opts wabitest.Options
	l := &laneOnly{}
	if lane {
		opts.Network = l
	}
	s := &instantStack{Stack: wabitest.New(t, opts)}
	l.n = s.Net
	s.P.Verify = nil
	s.P.OnMessage = func(m *wabi.Message) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.changes = append(s.changes, m)
	}
	ctx := context.Background()
	if _, err := s.P.SetAppWebhook(ctx, platform.Admin, s.Demo.App.ID, platform.WebhookConfig{
		CallbackURL: rc.URL, VerifyToken: "v", Fields: []string{wabi.FieldMessages}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// phone puts a virtual phone that has written to the demo number, which opens
// the service window, and returns the id of its message.
func (s *instantStack) phone(t *testing.T, waID string, b wabi.Behaviour) string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.P.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: waID, Behaviour: b}); err != nil {
		t.Fatal(err)
	}
	m, err := s.Net.Send(ctx, waID, s.Demo.Phone.ID, &wabi.Message{Type: wabi.TypeText,
		Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// send sends m to waID and returns its id.
func (s *instantStack) send(t *testing.T, waID string, m *wabi.Message) string {
	t.Helper()
	res, err := s.P.Send(context.Background(), platform.Admin, platform.SendRequest{
		PhoneNumberID: s.Demo.Phone.ID, To: waID, Message: m})
	if err != nil {
		t.Fatalf("send to %s: %v", waID, err)
	}
	return res.MessageID
}

// message reads a message from the store.
func (s *instantStack) message(t *testing.T, id string) *wabi.Message {
	t.Helper()
	m, err := s.Store.Message(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// statusHooks lists the status webhooks of the demo app, oldest first, as
// "event message body" with the ids of the messages given, and their
// conversations, replaced by their place in that list: the two stacks make
// ids of their own.
func (s *instantStack) statusHooks(t *testing.T, ids []string) []string {
	t.Helper()
	ds, err := s.Store.Deliveries(context.Background(), wabi.DeliveryFilter{AppID: s.Demo.App.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for i, id := range ids {
		pairs = append(pairs, id, fmt.Sprintf("M%d", i))
		if c := s.message(t, id).ConversationID; c != "" {
			pairs = append(pairs, c, fmt.Sprintf("C%d", i))
		}
	}
	r := strings.NewReplacer(pairs...)
	var hooks []string
	for _, d := range slices.Backward(ds) {
		if strings.HasPrefix(d.Event, "status.") {
			hooks = append(hooks, r.Replace(d.Event+" "+d.MessageID+" "+string(d.Body)))
		}
	}
	return hooks
}

// changed lists the OnMessage calls for the messages given, as
// "message status", in the order they were made.
func (s *instantStack) changed(ids []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var got []string
	for _, m := range s.changes {
		if i := slices.Index(ids, m.ID); i >= 0 {
			got = append(got, fmt.Sprintf("M%d %s", i, m.Status))
		}
	}
	return got
}

// TestInstantStatusesAsTheLaneRecords sends the same messages through a
// platform that commits the statuses a message reaches at once with it, and
// through one that leaves them to the network's lanes: the status webhooks
// (their events and bodies, in order), the messages' last statuses and the
// OnMessage calls are the same. The messages go to a phone that reads at
// once (a text, and a reaction, which has webhooks only for sent), with a
// status_duplicated and a status_dropped fault armed for some statuses, and to
// a phone that waits to be told to read. Analytics count the messages alike.
func TestInstantStatusesAsTheLaneRecords(t *testing.T) {
	ctx := context.Background()
	type result struct {
		hooks, changes []string
		statuses       []wabi.Status
		stats          []wabi.StatsRow
	}
	play := func(lane bool) result {
		s := newInstantStack(t, lane)
		customer := s.Demo.Customer.WaID
		inbound := s.phone(t, customer, wabi.Behaviour{AutoRead: true})
		s.phone(t, "15550003001", wabi.Behaviour{})
		for _, f := range []*wabi.Fault{
			{WaID: customer, Kind: wabi.FaultStatusDuplicated, Status: wabi.StatusDelivered},
			{WaID: customer, Kind: wabi.FaultStatusDropped, Status: wabi.StatusRead, Count: new(1)},
		} {
			if _, err := s.P.CreateFault(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		text := func(body string) *wabi.Message {
			return &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: body}}}
		}
		ids := []string{
			s.send(t, customer, text("one")),
			s.send(t, customer, &wabi.Message{Type: wabi.TypeReaction,
				Content: wabi.Content{Reaction: &wabi.Reaction{MessageID: inbound, Emoji: "👍"}}}),
			s.send(t, customer, text("two")),
			s.send(t, "15550003001", text("three")),
		}
		want := []wabi.Status{wabi.StatusRead, wabi.StatusRead, wabi.StatusRead, wabi.StatusDelivered}
		var r result
		waitUntil(t, "every status", func() bool {
			r.statuses = r.statuses[:0]
			for _, id := range ids {
				r.statuses = append(r.statuses, s.message(t, id).Status)
			}
			return slices.Equal(r.statuses, want) && s.Net.Active() == 0
		})
		r.hooks, r.changes = s.statusHooks(t, ids), s.changed(ids)
		now := s.Clock.Now()
		stats, err := s.Store.MessageStats(ctx, wabi.StatsQuery{PhoneNumberIDs: []string{s.Demo.Phone.ID},
			Start: now.Add(-time.Hour), End: now.Add(time.Hour), Bucket: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		r.stats = stats
		return r
	}
	lane, instant := play(true), play(false)
	// The lanes of the two phones record concurrently: only the order of each
	// message's own webhooks and changes is promised (and of each chat's,
	// which here sends one message after the other).
	for _, r := range []*result{&lane, &instant} {
		for _, l := range [][]string{r.hooks, r.changes} {
			slices.SortStableFunc(l, func(a, b string) int {
				return strings.Compare(messageOf(a), messageOf(b))
			})
		}
	}
	if !slices.Equal(instant.hooks, lane.hooks) {
		t.Errorf("status webhooks committed with the messages:\n%s\nthrough the lanes:\n%s",
			strings.Join(instant.hooks, "\n"), strings.Join(lane.hooks, "\n"))
	}
	if !slices.Equal(instant.changes, lane.changes) {
		t.Errorf("OnMessage calls with the messages %v, through the lanes %v", instant.changes, lane.changes)
	}
	var counts []string
	for _, r := range instant.stats {
		if r.Category != "" {
			counts = append(counts, fmt.Sprintf("%s %d/%d/%d", r.WaID, r.Sent, r.Delivered, r.Read))
		}
	}
	if want := []string{"15550002000 3/3/3", "15550003001 1/1/0"}; !slices.Equal(instant.stats, lane.stats) || !slices.Equal(counts, want) {
		t.Errorf("analytics with the messages %+v, through the lanes %+v; want sent/delivered/read %v",
			instant.stats, lane.stats, want)
	}
	// What the webhooks must be, whichever way they were made: the reaction
	// (M1) has only sent; the delivered of the customer's messages comes twice
	// and the first read of the customer's messages is dropped.
	var events []string
	for _, h := range instant.hooks {
		f := strings.Fields(h)
		events = append(events, f[1]+" "+f[0])
	}
	want := []string{
		"M0 status.sent", "M0 status.delivered", "M0 status.delivered",
		"M1 status.sent",
		"M2 status.sent", "M2 status.delivered", "M2 status.delivered", "M2 status.read",
		"M3 status.sent", "M3 status.delivered",
	}
	if !slices.Equal(events, want) {
		t.Errorf("status webhooks %v, want %v", events, want)
	}
}

// messageOf returns the message placeholder ("M0") of an entry of statusHooks
// or changed.
func messageOf(entry string) string {
	for f := range strings.FieldsSeq(entry) {
		if strings.HasPrefix(f, "M") {
			return f
		}
	}
	return ""
}

// TestInstantLeavesTheRestToTheNetwork checks that a message committed at sent
// goes on to delivered and read: after its phone's delivery delay, and when
// an offline phone comes online. Only sent is committed with the message.
func TestInstantLeavesTheRestToTheNetwork(t *testing.T) {
	ctx := context.Background()
	s := newInstantStack(t, false)
	delayed := wabi.Behaviour{AutoRead: true, DeliveryDelay: wabi.Duration(time.Minute)}
	offline := wabi.Behaviour{AutoRead: true, Offline: true}
	s.phone(t, "15550003001", delayed)
	s.phone(t, "15550003002", wabi.Behaviour{AutoRead: true})
	if _, err := s.P.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "15550003002", Behaviour: offline}); err != nil {
		t.Fatal(err)
	}
	late := s.send(t, "15550003001", hello())
	held := s.send(t, "15550003002", hello())
	for _, id := range []string{late, held} {
		if m := s.message(t, id); m.Status != wabi.StatusSent {
			t.Errorf("%s committed at %s, want sent", id, m.Status)
		}
	}
	waitUntil(t, "the message to be held", func() bool { return s.Net.Held("15550003002") == 1 })
	if _, err := s.P.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "15550003002", Behaviour: wabi.Behaviour{AutoRead: true}}); err != nil {
		t.Fatal(err)
	}
	ids := []string{late, held}
	read := func(i int) bool { return slices.Contains(s.changed(ids), fmt.Sprintf("M%d read", i)) }
	waitUntil(t, "the held message to be read", func() bool { return read(1) })
	// The delivery delay runs on the clock; move it on until the delay is over.
	waitUntil(t, "the late message to be read", func() bool {
		if read(0) {
			return true
		}
		s.Clock.Advance(time.Minute)
		return false
	})
	got := s.changed(ids)
	for i := range 2 {
		var seq []string
		for _, c := range got {
			if strings.HasPrefix(c, fmt.Sprintf("M%d ", i)) {
				seq = append(seq, c)
			}
		}
		want := []string{fmt.Sprintf("M%d accepted", i), fmt.Sprintf("M%d sent", i), fmt.Sprintf("M%d delivered", i), fmt.Sprintf("M%d read", i)}
		if !slices.Equal(seq, want) {
			t.Errorf("OnMessage calls %v, want %v", seq, want)
		}
	}
}

// hello is a new text message.
func hello() *wabi.Message {
	return &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello"}}}
}

// TestInstantDeliveredIsRead checks that a message committed at delivered, to
// a phone that waits to be told to read, is read when the phone is told to.
func TestInstantDeliveredIsRead(t *testing.T) {
	ctx := context.Background()
	s := newInstantStack(t, false)
	s.phone(t, "15550003001", wabi.Behaviour{})
	id := s.send(t, "15550003001", hello())
	if m := s.message(t, id); m.Status != wabi.StatusDelivered {
		t.Fatalf("committed at %s, want delivered", m.Status)
	}
	n, err := s.Net.Read(ctx, "15550003001", s.Demo.Phone.ID, nil)
	if err != nil || n != 1 {
		t.Fatalf("Read = %d, %v; want 1 message read", n, err)
	}
	if m := s.message(t, id); m.Status != wabi.StatusRead {
		t.Errorf("after Read at %s, want read", m.Status)
	}
	var events []string
	for _, h := range s.statusHooks(t, []string{id}) {
		events = append(events, strings.Fields(h)[0])
	}
	if want := []string{"status.sent", "status.delivered", "status.read"}; !slices.Equal(events, want) {
		t.Errorf("status webhooks %v, want %v", events, want)
	}
}
