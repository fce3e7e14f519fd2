package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres"
	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// backends are the databases the multi-node tests run on: SQLite always, and
// PostgreSQL when WABI_TEST_POSTGRES names a database.
var backends = []string{"sqlite", "postgres"}

// mustSharedStores opens n stores on one database of the backend, as n wabi
// nodes on one database would. A PostgreSQL database gets a fresh schema; without
// WABI_TEST_POSTGRES its test is skipped.
func mustSharedStores(t testing.TB, backend string, n int) []testStore {
	t.Helper()
	var open func() (testStore, error)
	if backend == "postgres" {
		dbURL := pgtest.Schema(t)
		open = func() (testStore, error) { return postgres.Open(context.Background(), dbURL) }
	} else {
		path := filepath.Join(t.TempDir(), "wabi.db")
		open = func() (testStore, error) { return sqlite.Open(path) }
	}
	var ss []testStore
	for range n {
		s, err := open()
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
		ss = append(ss, s)
	}
	return ss
}

// onBackends runs test as a parallel subtest on each backend.
func onBackends(t *testing.T, test func(t *testing.T, backend string)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

// sharedEngine returns a shared engine of node on s.
func sharedEngine(s wabi.DeliveryStore, r Resolver, c wabi.Clock, node string) *Engine {
	e := NewEngine(s, r, c)
	e.Shared, e.Node = true, node
	e.Lease, e.Poll = time.Minute, 5*time.Second
	e.Logger = slog.New(slog.DiscardHandler)
	return e
}

// Two nodes on one database deliver every delivery exactly once, each key in
// order, wherever it was enqueued.
func TestSharedDeliverOnceInOrder(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, backend string) {
		ss := mustSharedStores(t, backend, 2)
		clock := wabi.NewManualClock(start)
		r := mustReceiver(t, nil)
		resolve := resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
			return wabi.WebhookTarget{URL: r.srv.URL + "/" + d.WaID, Secret: "k"}, nil
		})
		a := sharedEngine(ss[0], resolve, clock, "a")
		b := sharedEngine(ss[1], resolve, clock, "b")
		a.Workers, b.Workers = 3, 3
		// Each node announces its new work to the other, as through a bus.
		var announced atomic.Int32
		a.Announce = func() { announced.Add(1); b.Wake() }
		b.Announce = func() { announced.Add(1); a.Wake() }
		mustRun(t, a)
		mustRun(t, b)

		keys := []string{"alice", "bob", "carol", "dave"}
		var ds []*wabi.Delivery
		for i := range 40 {
			ds = append(ds, delivery(i+1, "app1", keys[i%len(keys)], clock.Now()))
		}
		// Half is committed and enqueued through each node, as the platform does.
		mustCommit(t, ss[0], ds[:20]...)
		a.Enqueue(ds[:20]...)
		mustCommit(t, ss[1], ds[20:]...)
		b.Enqueue(ds[20:]...)
		if n := announced.Load(); n != 2 {
			t.Errorf("Announce called %d times for 2 Enqueues", n)
		}

		waitFor(t, "every delivery", func() bool {
			n := 0
			for _, k := range keys {
				n += len(r.ids("/" + k))
			}
			return n >= len(ds)
		})
		waitFor(t, "the writes", func() bool {
			return mustDelivery(t, ss[0], ds[len(ds)-1].ID).State == wabi.DeliveryDelivered && a.Idle() && b.Idle()
		})
		for i, k := range keys {
			var want []string
			for j := i; j < len(ds); j += len(keys) {
				want = append(want, ds[j].ID)
			}
			if got := r.ids("/" + k); !slices.Equal(got, want) {
				t.Errorf("%s got %v, want each once in order %v", k, got, want)
			}
		}
		for _, d := range ds {
			if got := mustDelivery(t, ss[1], d.ID); got.State != wabi.DeliveryDelivered || got.Attempts != 1 {
				t.Errorf("delivery %s is %s after %d attempts, want delivered after 1", d.ID, got.State, got.Attempts)
			}
		}
	})
}

// crashStore is a node's store that stops working when the node "dies": from
// then on every call fails, as nothing a killed process would still write
// reaches the database.
type crashStore struct {
	testStore
	dead   atomic.Bool
	claims chan struct{} // gets a value after each claim, if set
}

var errCrashed = errors.New("node crashed")

func (s *crashStore) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, run int) ([]*wabi.Delivery, error) {
	if s.dead.Load() {
		return nil, errCrashed
	}
	ds, err := s.testStore.ClaimDeliveries(ctx, owner, now, lease, limit, run)
	if s.claims != nil {
		s.claims <- struct{}{}
	}
	return ds, err
}

func (s *crashStore) RecordAttempts(ctx context.Context, us []wabi.DeliveryUpdate) error {
	if s.dead.Load() {
		return errCrashed
	}
	return s.testStore.RecordAttempts(ctx, us)
}

// A node that dies with deliveries in flight loses nothing: once its leases run
// out, the other node sends them again and then the rest of their keys, in
// order.
func TestSharedTakeoverAfterLease(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, backend string) {
		ss := mustSharedStores(t, backend, 2)
		clock := wabi.NewManualClock(start)
		arrived, release := make(chan string, 10), make(chan struct{})
		var hold atomic.Bool
		hold.Store(true)
		r := mustReceiver(t, func(id string, _ int) (int, string) {
			if hold.Load() {
				arrived <- id
				<-release
			}
			return http.StatusOK, ""
		})
		resolve := resolveFunc(func(_ context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
			return wabi.WebhookTarget{URL: r.srv.URL + "/" + d.WaID, Secret: "k"}, nil
		})
		alice1 := delivery(1, "app1", "alice", clock.Now())
		bob1 := delivery(2, "app1", "bob", clock.Now())
		alice2 := delivery(3, "app1", "alice", clock.Now())
		mustCommit(t, ss[0], alice1, bob1, alice2)

		dying := &crashStore{testStore: ss[0]}
		a := sharedEngine(dying, resolve, clock, "a")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		t.Cleanup(cancel)
		got := []string{<-arrived, <-arrived}
		slices.Sort(got)
		if want := []string{alice1.ID, bob1.ID}; !slices.Equal(got, want) {
			t.Fatalf("node a sent %v first, want the heads %v", got, want)
		}

		// Node a dies mid-attempt: its answers are never written, its leases stay.
		dying.dead.Store(true)
		cancel()
		hold.Store(false)
		close(release)
		if err := <-done; !errors.Is(err, errCrashed) {
			t.Fatalf("Run of the dead node: %v, want its writes to fail", err)
		}

		survivor := &crashStore{testStore: ss[1], claims: make(chan struct{}, 10)}
		b := sharedEngine(survivor, resolve, clock, "b")
		mustRun(t, b)
		<-survivor.claims
		clock.Advance(time.Minute - time.Second)
		b.Wake()
		<-survivor.claims
		if n := len(r.ids("/alice")) + len(r.ids("/bob")); n != 2 {
			t.Fatalf("receiver got %d requests while a's leases live, want a's 2", n)
		}

		// A poll after the leases ran out takes a's deliveries over. Time moves
		// on until it does, as the poll timer is set anew after every claim.
		waitFor(t, "the take-over", func() bool {
			clock.Advance(time.Second)
			return mustDelivery(t, ss[1], alice2.ID).State == wabi.DeliveryDelivered &&
				mustDelivery(t, ss[1], bob1.ID).State == wabi.DeliveryDelivered
		})
		if got, want := r.ids("/alice"), []string{alice1.ID, alice1.ID, alice2.ID}; !slices.Equal(got, want) {
			t.Errorf("alice got %v, want %v (a's attempt, b's, then the next)", got, want)
		}
		if got, want := r.ids("/bob"), []string{bob1.ID, bob1.ID}; !slices.Equal(got, want) {
			t.Errorf("bob got %v, want %v", got, want)
		}
		if as := mustAttempts(t, ss[1], alice1.ID); len(as) != 1 || as[0].N != 1 || as[0].StatusCode != 200 {
			t.Errorf("attempts of alice's first = %+v, want b's only", as)
		}
	})
}

// A shared engine retries on its own timer, releases what it claimed but did
// not send when it stops, and its Redeliver requeues behind the key's backlog.
func TestSharedRetryStopAndRedeliver(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, backend string) {
		ss := mustSharedStores(t, backend, 2)
		clock := wabi.NewManualClock(start)
		ds := []*wabi.Delivery{
			delivery(1, "app1", "alice", clock.Now()),
			delivery(2, "app1", "alice", clock.Now()),
			delivery(3, "app1", "alice", clock.Now()),
		}
		r := mustReceiver(t, func(id string, n int) (int, string) {
			if id == ds[0].ID && n == 1 {
				return http.StatusServiceUnavailable, ""
			}
			return http.StatusOK, ""
		})
		a := sharedEngine(ss[0], toReceiver(r), clock, "a")
		a.RetryBase = 10 * time.Second
		a.Poll = time.Hour // only the retry timer wakes it
		mustCommit(t, ss[0], ds...)
		a.Enqueue(ds...)
		stopA := mustRun(t, a)
		waitFor(t, "the failed head", func() bool { return mustDelivery(t, ss[0], ds[0].ID).Attempts == 1 })
		if _, err := a.Redeliver(context.Background(), ds[1].ID); err != nil {
			t.Fatalf("Redeliver: %v", err)
		}
		clock.Advance(15 * time.Second)
		waitFor(t, "the backlog", func() bool { return mustDelivery(t, ss[0], ds[1].ID).State == wabi.DeliveryDelivered })
		if got, want := r.ids("/app1"), []string{ds[0].ID, ds[0].ID, ds[2].ID, ds[1].ID}; !slices.Equal(got, want) {
			t.Errorf("receiver got %v, want %v", got, want)
		}

		// A stopping engine hands back what it claimed but did not send: another
		// node gets it at once, with no lease to wait out. The claim is made here
		// without workers, as if they were all busy when the engine stopped.
		// Node a stops first, so that it does not claim the delivery itself.
		stopA()
		late := delivery(9, "app1", "bob", clock.Now())
		mustCommit(t, ss[1], late)
		b := sharedEngine(ss[1], toReceiver(r), clock, "b")
		cfg := b.config()
		b.cfg = cfg
		ctx := context.Background()
		if err := b.claim(ctx, &cfg); err != nil || b.byID[late.ID] == nil {
			t.Fatalf("claim: %v, holding %d deliveries, want %s", err, len(b.byID), late.ID)
		}
		if got := claimIDs(t, ss[0], "c", clock.Now()); len(got) != 0 {
			t.Fatalf("node c claimed %v under b's lease", got)
		}
		b.release()
		if err := b.flush(ctx); err != nil {
			t.Fatalf("flush: %v", err)
		}
		if got := claimIDs(t, ss[0], "c", clock.Now()); !slices.Equal(got, []string{late.ID}) {
			t.Errorf("node c claimed %v after b stopped, want %s", got, late.ID)
		}
		if !b.Idle() {
			t.Error("engine not idle after releasing its claims")
		}
	})
}

// claimIDs claims for owner on s and returns the ids it got.
func claimIDs(t *testing.T, s testStore, owner string, now time.Time) []string {
	t.Helper()
	ds, err := s.ClaimDeliveries(context.Background(), owner, now, time.Minute, 10, 1)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ids
}

// A lease outlasts the POST it covers, whatever timeout the Client has, and not
// by much: it is how long a dead node's deliveries wait.
func TestSharedLeaseDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		timeout, lease, want time.Duration
	}{
		{0, 0, 50 * time.Second}, // the default Client's 20s
		{2 * time.Second, 0, 14 * time.Second},
		{45 * time.Second, 0, 100 * time.Second},
		{45 * time.Second, 10 * time.Second, 10 * time.Second},
		{-1, 0, time.Minute}, // a Client without a timeout
	} {
		e := NewEngine(nil, nil, nil)
		e.Lease = tc.lease
		if tc.timeout > 0 {
			e.Client = &http.Client{Timeout: tc.timeout}
		}
		if tc.timeout < 0 {
			e.Client = &http.Client{}
		}
		if got := e.config().lease; got != tc.want {
			t.Errorf("lease with a %v timeout and Lease %v = %v, want %v", tc.timeout, tc.lease, got, tc.want)
		}
	}
}

// claimCounter counts the claims that returned deliveries.
type claimCounter struct {
	testStore
	claims atomic.Int32
}

func (s *claimCounter) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, run int) ([]*wabi.Delivery, error) {
	ds, err := s.testStore.ClaimDeliveries(ctx, owner, now, lease, limit, run)
	if len(ds) > 0 {
		s.claims.Add(1)
	}
	return ds, err
}

// A shared engine claims a busy chat's deliveries a run at a time and sends
// them in order, so a backlog costs one claim per run, not one per delivery.
func TestSharedClaimRuns(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, backend string) {
		ss := mustSharedStores(t, backend, 1)
		clock := wabi.NewManualClock(start)
		r := mustReceiver(t, nil)
		var ds []*wabi.Delivery
		for i := range 40 {
			ds = append(ds, delivery(i+1, "app1", "alice", clock.Now()))
		}
		mustCommit(t, ss[0], ds...)
		s := &claimCounter{testStore: ss[0]}
		a := sharedEngine(s, toReceiver(r), clock, "a")
		a.ClaimRun = 8
		mustRun(t, a)
		waitFor(t, "the backlog", func() bool {
			return mustDelivery(t, ss[0], ds[len(ds)-1].ID).State == wabi.DeliveryDelivered && a.Idle()
		})
		var want []string
		for _, d := range ds {
			want = append(want, d.ID)
		}
		if got := r.ids("/app1"); !slices.Equal(got, want) {
			t.Errorf("receiver got %v, want each once in order %v", got, want)
		}
		// Five runs of 8; one claim a delivery would be 40.
		if n := s.claims.Load(); n > 5 {
			t.Errorf("%d claims returned deliveries for 40 deliveries in runs of 8, want 5", n)
		}
	})
}

// A run whose head is not delivered goes back to the store unsent: nothing
// behind the failed head is sent before it, and the rest of the run is free
// for any node to claim once the head's retry falls due.
func TestSharedRunGivenBack(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, backend string) {
		ss := mustSharedStores(t, backend, 1)
		clock := wabi.NewManualClock(start)
		var ds []*wabi.Delivery
		for i := range 10 {
			ds = append(ds, delivery(i+1, "app1", "alice", clock.Now()))
		}
		r := mustReceiver(t, func(id string, n int) (int, string) {
			if id == ds[2].ID && n == 1 {
				return http.StatusServiceUnavailable, ""
			}
			return http.StatusOK, ""
		})
		mustCommit(t, ss[0], ds...)
		a := sharedEngine(ss[0], toReceiver(r), clock, "a")
		a.RetryBase = 10 * time.Second
		a.Poll = time.Hour
		mustRun(t, a)
		waitFor(t, "the failed head", func() bool { return mustDelivery(t, ss[0], ds[2].ID).Attempts == 1 && a.Idle() })
		if got, want := r.ids("/app1"), []string{ds[0].ID, ds[1].ID, ds[2].ID}; !slices.Equal(got, want) {
			t.Errorf("receiver got %v, want %v: nothing behind the failed head", got, want)
		}
		// Once the retry is due (10s ± 20%), node c can take the whole key: a
		// leases none of it.
		got, err := ss[0].ClaimDeliveries(context.Background(), "c", clock.Now().Add(13*time.Second), time.Minute, 10, 10)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		var ids []string
		for _, d := range got {
			ids = append(ids, d.ID)
		}
		var want []string
		for _, d := range ds[2:] {
			want = append(want, d.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("node c claimed %v, want the rest of the key from its head %v", ids, want)
		}
	})
}

// A delivery of a claimed run is not sent on a lease that may run out during
// its POST: after a head that took more than half the lease, the rest of the
// run is given back and claimed again, with a fresh lease, before it is sent.
func TestSharedRunLeaseRenewed(t *testing.T) {
	t.Parallel()
	onBackends(t, func(t *testing.T, backend string) {
		ss := mustSharedStores(t, backend, 1)
		clock := wabi.NewManualClock(start)
		ds := []*wabi.Delivery{delivery(1, "app1", "alice", clock.Now()), delivery(2, "app1", "alice", clock.Now())}
		arrived, release := make(chan string, 2), make(chan struct{})
		r := mustReceiver(t, func(id string, _ int) (int, string) {
			if id == ds[0].ID {
				arrived <- id
				<-release
			}
			return http.StatusOK, ""
		})
		mustCommit(t, ss[0], ds...)
		s := &claimCounter{testStore: ss[0]}
		a := sharedEngine(s, toReceiver(r), clock, "a")
		a.Poll = time.Hour
		mustRun(t, a)
		<-arrived
		if n := s.claims.Load(); n != 1 {
			t.Fatalf("%d claims before the first POST ended, want 1 (the run)", n)
		}
		clock.Advance(31 * time.Second) // of a 1m lease
		close(release)
		waitFor(t, "the run", func() bool {
			return mustDelivery(t, ss[0], ds[1].ID).State == wabi.DeliveryDelivered && a.Idle()
		})
		if n := s.claims.Load(); n != 2 {
			t.Errorf("%d claims, want 2: the second delivery claimed again once its lease was half gone", n)
		}
		if got, want := r.ids("/app1"), []string{ds[0].ID, ds[1].ID}; !slices.Equal(got, want) {
			t.Errorf("receiver got %v, want %v", got, want)
		}
	})
}
