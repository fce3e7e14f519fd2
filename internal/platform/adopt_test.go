package platform_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/postgres"
	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// sharedStores are the stores several nodes can share: SQLite always,
// PostgreSQL when WABI_TEST_POSTGRES names a database.
var sharedStores = []struct {
	name string
	open func(t *testing.T) wabi.Store
}{
	{"sqlite", func(t *testing.T) wabi.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
	{"postgres", func(t *testing.T) wabi.Store {
		s, err := postgres.Open(context.Background(), pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
}

// adoptions is a store that reports what each AdoptMessages call took, so a
// test knows when a pass of the adoption loop is done.
type adoptions struct {
	wabi.Store
	took chan []string
}

func (s *adoptions) AdoptMessages(ctx context.Context, node string, deadBefore, since time.Time, limit int) ([]*wabi.Message, error) {
	ms, err := s.Store.AdoptMessages(ctx, node, deadBefore, since, limit)
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	s.took <- ids
	return ms, err
}

// cluster is nodes of wabi on one store and one clock: the demo tenancy, and
// the demo app's webhook pointed at a receiver, so that statuses queue
// webhooks (no engine runs: they wait in the store).
type cluster struct {
	store wabi.Store
	clock *wabi.ManualClock
	demo  *platform.Demo
	nodes uint64 // nodes made so far, which numbers their ids apart
}

func newCluster(t *testing.T, store wabi.Store) *cluster {
	t.Helper()
	c := &cluster{store: store, clock: wabi.NewManualClock(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))}
	t.Cleanup(func() { store.Close() })
	p := c.node(t, "setup", idleNetwork{})
	ctx := context.Background()
	var err error
	if c.demo, _, err = p.EnsureDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SetAppWebhook(ctx, platform.Admin, c.demo.App.ID, platform.WebhookConfig{
		CallbackURL: "https://receiver.example/hook", VerifyToken: "vt"}); err != nil {
		t.Fatal(err)
	}
	// The customer writes first, so that the window is open for text.
	hi := &wabi.Message{WaID: c.demo.Customer.WaID, PhoneNumberID: c.demo.Phone.ID, Type: wabi.TypeText,
		Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	if _, err := p.Receive(ctx, hi); err != nil {
		t.Fatal(err)
	}
	return c
}

// node returns the platform of a node with the given id and network.
func (c *cluster) node(t *testing.T, id string, net wabi.Network) *platform.Platform {
	t.Helper()
	return c.nodeOn(t, c.store, id, net)
}

func (c *cluster) nodeOn(t *testing.T, store wabi.Store, id string, net wabi.Network) *platform.Platform {
	t.Helper()
	// Nodes on one store make ids at the same instants of one clock: only
	// their node numbers keep the ids apart.
	ids := wabi.NewIDGen(c.clock)
	ids.Node = c.nodes
	c.nodes++
	p := platform.New(store, net, c.clock, ids)
	p.Encoders[wabi.DialectCloud] = cloudapi.WebhookEncoder{}
	p.Logger = slog.New(slog.DiscardHandler)
	p.NodeID = id
	return p
}

// simNode returns a node with a running simulated network of its own, and a
// channel of the messages it records as read.
func (c *cluster) simNode(t *testing.T, store wabi.Store, id string) (*platform.Platform, <-chan string) {
	t.Helper()
	net := sim.New(store, c.clock)
	net.Logger = slog.New(slog.DiscardHandler)
	p := c.nodeOn(t, store, id, net)
	net.Sink = p
	read := make(chan string, 100)
	p.OnMessage = func(m *wabi.Message) {
		if m.Status == wabi.StatusRead {
			read <- m.ID
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = net.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return p, read
}

// send sends n texts to the demo customer through p and returns their ids.
func (c *cluster) send(t *testing.T, p *platform.Platform, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		res, err := p.Send(context.Background(), platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud,
			PhoneNumberID: c.demo.Phone.ID, To: c.demo.Customer.WaID,
			Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello"}}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.MessageID)
	}
	return ids
}

// waitRead waits until every message of ids was recorded as read.
func waitRead(t *testing.T, read <-chan string, ids []string) {
	t.Helper()
	left := map[string]bool{}
	for _, id := range ids {
		left[id] = true
	}
	timeout := time.After(10 * time.Second)
	for len(left) > 0 {
		select {
		case id := <-read:
			delete(left, id)
		case <-timeout:
			t.Fatalf("%d of %d messages were never read", len(left), len(ids))
		}
	}
}

// wantFinished checks that each message is read, that its node is node, and
// that each of its statuses queued exactly one webhook.
func (c *cluster) wantFinished(t *testing.T, ids []string, node string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		m, err := c.store.Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != wabi.StatusRead || m.Node != node {
			t.Errorf("%s is %s on node %q, want read on %q", id, m.Status, m.Node, node)
		}
		ds, err := c.store.Deliveries(ctx, wabi.DeliveryFilter{MessageID: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 3 {
			t.Errorf("%s has %d webhooks, want 3 (sent, delivered, read)", id, len(ds))
		}
	}
}

// TestAdoptDeadNode: node A acknowledges messages and dies before its network
// plays them (its network is lost with it); node B, alive, leaves them alone
// while A's heartbeat is at most NodeTimeout old, then adopts them and its own
// network takes each to read, with one webhook per status. B's own message is
// B's throughout.
func TestAdoptDeadNode(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			c := newCluster(t, st.open(t))
			ctx := context.Background()
			a := c.node(t, "node-a", idleNetwork{})
			watched := &adoptions{Store: c.store, took: make(chan []string, 16)}
			b, read := c.simNode(t, watched, "node-b")
			for _, p := range []*platform.Platform{a, b} {
				if n, err := p.Recover(ctx); err != nil || n != 0 {
					t.Fatalf("Recover of %s: %d, %v; want nothing to adopt", p.NodeID, n, err)
				}
			}
			<-watched.took // B's Recover

			fromA := c.send(t, a, 3)
			fromB := c.send(t, b, 1)
			waitRead(t, read, fromB)

			loop, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { b.RunAdoption(loop, platform.DefaultHeartbeat); close(done) }()
			t.Cleanup(func() { stop(); <-done })

			// B beats every 2s. A last beat at 0: up to 10s on, A is alive.
			for step := range 5 {
				waitTimer(t, c.clock)
				c.clock.Advance(platform.DefaultHeartbeat)
				if got := <-watched.took; len(got) != 0 {
					t.Fatalf("B adopted %v %v after A's heartbeat, before A was dead", got, time.Duration(step+1)*platform.DefaultHeartbeat)
				}
			}
			for _, id := range fromA {
				if m, err := c.store.Message(ctx, id); err != nil || m.Status != wabi.StatusAccepted || m.Node != "node-a" {
					t.Fatalf("A's message %s while A may be alive: %+v, %v", id, m, err)
				}
			}
			// At 12s, A's heartbeat is older than 10s: B takes its messages.
			waitTimer(t, c.clock)
			c.clock.Advance(platform.DefaultHeartbeat)
			got := <-watched.took
			if !slices.Equal(got, fromA) {
				t.Fatalf("B adopted %v, want A's messages %v", got, fromA)
			}
			waitRead(t, read, fromA)
			c.wantFinished(t, fromA, "node-b")
			c.wantFinished(t, fromB, "node-b")

			// The next pass finds nothing: nothing is adopted twice.
			waitTimer(t, c.clock)
			c.clock.Advance(platform.DefaultHeartbeat)
			if got := <-watched.took; len(got) != 0 {
				t.Errorf("B adopted %v again", got)
			}
		})
	}
}

// TestRecoverLeavesLiveNodes: a node that starts takes over the messages of a
// dead node, and not those of a node that is alive: their network is playing
// them, and playing them twice would send every webhook twice.
func TestRecoverLeavesLiveNodes(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			c := newCluster(t, st.open(t))
			ctx := context.Background()
			alive, dead := c.node(t, "alive", idleNetwork{}), c.node(t, "dead", idleNetwork{})
			mustRecover(t, dead.Recover)
			fromDead := c.send(t, dead, 2)
			c.clock.Advance(platform.DefaultNodeTimeout)
			mustRecover(t, alive.Recover) // alive beats at 10s, dead's last beat was at 0
			fromAlive := c.send(t, alive, 2)
			c.clock.Advance(time.Second)

			starting, read := c.simNode(t, c.store, "starting")
			n, err := starting.Recover(ctx)
			if err != nil || n != len(fromDead) {
				t.Fatalf("Recover adopted %d (%v), want the dead node's %d", n, err, len(fromDead))
			}
			waitRead(t, read, fromDead)
			c.wantFinished(t, fromDead, "starting")
			for _, id := range fromAlive {
				m, err := c.store.Message(ctx, id)
				if err != nil || m.Status != wabi.StatusAccepted || m.Node != "alive" {
					t.Errorf("the live node's message %s: %+v, %v; want it left accepted on its node", id, m, err)
				}
			}
		})
	}
}

// TestRecoverAlone: a node alone on its store (SQLite) that restarts at once
// recovers what its previous run left, although that run's heartbeat is
// fresh; a node that is not alone would wait for it to go stale.
func TestRecoverAlone(t *testing.T) {
	c := newCluster(t, sharedStores[0].open(t))
	ctx := context.Background()
	before := c.node(t, "first-run", idleNetwork{})
	before.Alone = true
	mustRecover(t, before.Recover)
	ids := c.send(t, before, 3)

	shared, _ := c.simNode(t, c.store, "shared")
	if n, err := shared.Recover(ctx); err != nil || n != 0 {
		t.Fatalf("a node not alone recovered %d (%v) of a node seen just now", n, err)
	}
	again, read := c.simNode(t, c.store, "second-run")
	again.Alone = true
	n, err := again.Recover(ctx)
	if err != nil || n != len(ids) {
		t.Fatalf("the restarted node recovered %d (%v), want %d", n, err, len(ids))
	}
	waitRead(t, read, ids)
	c.wantFinished(t, ids, "second-run")
}

// mustRecover runs a Recover-like call and fails the test on its error.
func mustRecover(t *testing.T, f func(context.Context) (int, error)) {
	t.Helper()
	if _, err := f(context.Background()); err != nil {
		t.Fatal(err)
	}
}
