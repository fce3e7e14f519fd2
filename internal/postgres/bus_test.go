package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabihq/wabi/internal/wabi"
)

// busURL returns the test database's URL, skipping the test without one.
func busURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("WABI_TEST_POSTGRES")
	if u == "" {
		t.Skip("WABI_TEST_POSTGRES is not set")
	}
	return u
}

// busNode is a running Bus with what it tells tests about its connections.
type busNode struct {
	*Bus
	listening chan uint32 // backend pids of its listener, as it (re)listens
	sending   chan uint32 // backend pids of its sender, as it (re)connects
}

// startBus runs a bus on channel until the test ends.
func startBus(t *testing.T, url, channel string) *busNode {
	t.Helper()
	b, err := NewBus(url)
	if err != nil {
		t.Fatal(err)
	}
	if channel != "" {
		b.Channel = channel
	}
	b.Logger = slog.New(slog.DiscardHandler) // lost connections are the point of some tests
	n := &busNode{Bus: b, listening: make(chan uint32, 16), sending: make(chan uint32, 16)}
	b.listening = func(pid uint32) { n.listening <- pid }
	b.sending = func(pid uint32) { n.sending <- pid }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// busChannelName is a channel of the test's own, so that parallel tests and
// other users of the database never hear each other.
func busChannelName(t *testing.T) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "wabi_test_" + hex.EncodeToString(b)
}

// pid waits for the next pid on ch.
func pid(t *testing.T, ch chan uint32, what string) uint32 {
	t.Helper()
	select {
	case p := <-ch:
		return p
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s connection within 10s", what)
		return 0
	}
}

// busInbox collects payloads and lets a test wait for a number of them.
type busInbox struct {
	mu   sync.Mutex
	got  []string
	more chan struct{}
}

func newBusInbox() *busInbox { return &busInbox{more: make(chan struct{}, 1)} }

func (in *busInbox) add(p []byte) {
	in.mu.Lock()
	in.got = append(in.got, string(p))
	in.mu.Unlock()
	select {
	case in.more <- struct{}{}:
	default:
	}
}

// wait returns the payloads once there are n, failing after 10 seconds.
func (in *busInbox) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		in.mu.Lock()
		got := append([]string(nil), in.got...)
		in.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-in.more:
		case <-deadline:
			t.Fatalf("got %d notices within 10s, want %d", len(got), n)
		}
	}
}

// terminate ends a backend, as a crash or an operator would.
func terminate(t *testing.T, url string, pid uint32) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_terminate_backend($1)", int(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate backend %d: %v %v", pid, ok, err)
	}
}

// TestBusTwoNodes checks that two buses on one database hear each other's
// notices on the topics they subscribed, in order, whole (a notice of the
// largest size, and more notices than fit one NOTIFY or one round trip), and
// never their own.
func TestBusTwoNodes(t *testing.T) {
	t.Parallel()
	url, channel := busURL(t), busChannelName(t)
	a, b := startBus(t, url, channel), startBus(t, url, channel)
	onA, onB, otherTopic := newBusInbox(), newBusInbox(), newBusInbox()
	a.Subscribe("cache", onA.add)
	b.Subscribe("cache", onB.add)
	b.Subscribe("live", otherTopic.add)
	pid(t, a.listening, "listener")
	pid(t, b.listening, "listener")

	ctx := context.Background()
	big := strings.Repeat("é", wabi.MaxNotice/2)
	want := []string{"hello", big}
	for i := range 2 * busBatch {
		want = append(want, fmt.Sprintf("n%d", i))
	}
	for _, p := range want {
		if err := a.Publish(ctx, "cache", []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	got := onB.wait(t, len(want))
	if len(got) != len(want) {
		t.Fatalf("b got %d notices, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("notice %d is %.40q, want %.40q", i, got[i], want[i])
		}
	}
	// A notice back from b is ordered after a's own in the channel: had a got
	// its own notices, they would show before it.
	if err := b.Publish(ctx, "cache", []byte("from b")); err != nil {
		t.Fatal(err)
	}
	if got := onA.wait(t, 1); len(got) != 1 || got[0] != "from b" {
		t.Errorf("a got %d notices starting %.20q, want only b's", len(got), got[0])
	}
	if n := len(otherTopic.wait(t, 0)); n != 0 {
		t.Errorf("a subscriber of another topic got %d notices", n)
	}
	if err := a.Publish(ctx, "cache", []byte(big+"x")); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Errorf("Publish of MaxNotice+1 bytes = %v, want %s", err, wabi.EInvalidParam)
	}
}

// TestBusReconnects kills a node's connections from the database side and
// checks that the node comes back: its listener listens again and hears what
// is published after, and its sender sends again.
func TestBusReconnects(t *testing.T) {
	t.Parallel()
	url, channel := busURL(t), busChannelName(t)
	a, b := startBus(t, url, channel), startBus(t, url, channel)
	onA, onB := newBusInbox(), newBusInbox()
	a.Subscribe("t", onA.add)
	b.Subscribe("t", onB.add)
	pid(t, a.listening, "listener")
	first := pid(t, b.listening, "listener")
	ctx := context.Background()

	terminate(t, url, first)
	if again := pid(t, b.listening, "listener"); again == first {
		t.Fatalf("listener back on the same backend %d", again)
	}
	if err := a.Publish(ctx, "t", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if got := onB.wait(t, 1); got[0] != "after" {
		t.Errorf("b got %q after reconnecting, want after", got)
	}

	// b's sender: its first notice makes the connection, which is then
	// killed. A notice sent down the dead connection may be lost (the bus is
	// best effort), so b sends until a hears; the sender must reconnect.
	if err := b.Publish(ctx, "t", []byte("0")); err != nil {
		t.Fatal(err)
	}
	onA.wait(t, 1)
	terminate(t, url, pid(t, b.sending, "sender"))
	for i := 1; ; i++ {
		if err := b.Publish(ctx, "t", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		select {
		case <-onA.more:
		case <-time.After(200 * time.Millisecond):
			if i == 50 {
				t.Fatal("b's sender did not come back within 50 notices")
			}
			continue
		}
		break
	}
	pid(t, b.sending, "new sender")
}

// TestBusPack checks the framing of notices into NOTIFY payloads: each under
// PostgreSQL's limit, each with a new sequence number, and read back whole.
func TestBusPack(t *testing.T) {
	t.Parallel()
	b, err := NewBus("postgres://localhost/x")
	if err != nil {
		t.Fatal(err)
	}
	got := newBusInbox()
	b.Subscribe("t", got.add)
	big := strings.Repeat("a", wabi.MaxNotice)
	for _, p := range []string{"one", big, "", big, "two"} {
		if err := b.Publish(context.Background(), "t", []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	var batch [][]byte
	for len(b.queue) > 0 {
		batch = append(batch, <-b.queue)
	}
	packed := b.pack(batch)
	// Two of the largest notices never share a payload; small ones fill up.
	if len(packed) != 2 {
		t.Fatalf("%d payloads, want 2", len(packed))
	}
	heads := map[string]bool{}
	for _, p := range packed {
		if len(p) > notifyMax {
			t.Errorf("payload of %d bytes, over %d", len(p), notifyMax)
		}
		head, _, _ := strings.Cut(p, "\n")
		heads[head] = true
		// A node ignores its own notices, and reads another node's.
		b.dispatch(p)
		b.dispatch(strings.Replace(p, b.origin, "0123456789abcdef", 1))
	}
	if len(heads) != 2 {
		t.Errorf("payload heads %v are not all different", heads)
	}
	if n := len(got.wait(t, 5)); n != 5 {
		t.Errorf("read back %d notices, want 5", n)
	}
	if got := got.wait(t, 5); got[0] != "one" || got[1] != big || got[2] != "" || got[4] != "two" {
		t.Errorf("read back notices out of order or cut")
	}
}

// TestBusChannelPerSchema: without a Channel set, a bus takes one named after
// its schema, so that the nodes of one installation hear each other and two
// installations in one database (two schemas) do not.
func TestBusChannelPerSchema(t *testing.T) {
	t.Parallel()
	base := busURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	inSchema := func() string {
		schema := busChannelName(t) // random enough for a schema name too
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c, err := pgx.Connect(context.Background(), base)
			if err == nil {
				_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema)
				c.Close(context.Background())
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	one, two := inSchema(), inSchema()
	a, b, c := startBus(t, one, ""), startBus(t, one, ""), startBus(t, two, "")
	got := newBusInbox()
	b.Subscribe("t", got.add)
	for _, n := range []*busNode{a, b, c} {
		pid(t, n.listening, "listener")
	}
	if err := a.Publish(ctx, "t", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	got.wait(t, 1)
	chA, chB, chC := a.channelName(), b.channelName(), c.channelName()
	if chA != chB || chA == chC || !strings.HasPrefix(chA, "wabi_wabi_test_") {
		t.Errorf("channels %q, %q and %q: want the first two alike, named after their schema, and the third apart", chA, chB, chC)
	}
}

// channelName reads the channel the bus settled on.
func (b *Bus) channelName() string {
	b.chMu.Lock()
	defer b.chMu.Unlock()
	return b.Channel
}
