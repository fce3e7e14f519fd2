package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// lease is how long the claims of the suite hold their deliveries.
const lease = 30 * time.Second

// keyed returns a pending delivery of the key (app1, phone1, waID), created and
// due at created.
func keyed(id, waID string, created time.Time) *wabi.Delivery {
	d := delivery(id, "app1", "m"+id, created)
	d.WaID = waID
	return d
}

// claimIDs returns the ids of what a claim returned, failing the test on an error.
func claimIDs(t *testing.T, s wabi.Store, owner string, now time.Time, limit int) []string {
	t.Helper()
	ds, err := s.ClaimDeliveries(context.Background(), owner, now, lease, limit, 1)
	if err != nil {
		t.Fatalf("ClaimDeliveries(%s): %v", owner, err)
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// testClaims tells how two nodes share the outbox: only the due head of each key
// is claimed, a live lease keeps the others off, a run-out lease is taken over,
// and writing an outcome frees the next delivery of the key.
func testClaims(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	a1 := keyed("1000000000000001", "alice", at(0))
	b1 := keyed("1000000000000002", "bob", at(0))
	a2 := keyed("1000000000000003", "alice", at(1))
	later := keyed("1000000000000004", "carol", at(0))
	later.NextAttemptAt = at(50)
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{a1, b1, a2, later}}))

	got, err := s.ClaimDeliveries(ctx, "n1", at(10), lease, 10, 1)
	must(t, err)
	wantEqual(t, "first claim (the due heads, whole)", got, []*wabi.Delivery{a1, b1})
	wantEqual(t, "claim by another node under the leases", claimIDs(t, s, "n2", at(11), 10), []string{})
	wantEqual(t, "claim by the same node under its leases", claimIDs(t, s, "n1", at(12), 10), []string{})

	// n1 delivers alice's head: her second delivery is free for anyone.
	a1.State, a1.Attempts, a1.LastStatus, a1.UpdatedAt = wabi.DeliveryDelivered, 1, 200, at(13)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: a1,
		Attempt: &wabi.Attempt{DeliveryID: a1.ID, N: 1, At: at(13), StatusCode: 200}}}))
	wantEqual(t, "claim after the head was delivered", claimIDs(t, s, "n2", at(14), 10), []string{a2.ID})

	// n1 stops answering: bob's lease runs out at 40s and n2 takes his delivery
	// over; alice's second is n2's own until 44s.
	wantEqual(t, "claim just before the lease runs out", claimIDs(t, s, "n2", at(39), 10), []string{})
	wantEqual(t, "claim when the lease has run out", claimIDs(t, s, "n2", at(40), 10), []string{b1.ID})

	// A failed attempt waiting for its retry holds back its key, for every node.
	a2.Attempts, a2.LastStatus, a2.LastError, a2.NextAttemptAt, a2.UpdatedAt = 1, 500, "HTTP 500", at(60), at(41)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: a2,
		Attempt: &wabi.Attempt{DeliveryID: a2.ID, N: 1, At: at(41), StatusCode: 500}}}))
	a3 := keyed("1000000000000005", "alice", at(42))
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{a3}}))
	wantEqual(t, "claim while the head waits for its retry", claimIDs(t, s, "n1", at(45), 10), []string{})
	wantEqual(t, "claim when the other delivery is due", claimIDs(t, s, "n1", at(50), 10), []string{later.ID})
	wantEqual(t, "claim when the retry is due", claimIDs(t, s, "n1", at(60), 10), []string{a2.ID})
	wantAll(t, []check{{"PendingDeliveries (leases change nothing)", res(s.PendingDeliveries(ctx)),
		[]*wabi.Delivery{b1, a2, later, a3}}})
}

// testClaimOrder checks that claims follow a key's order: oldest first, one at a
// time, a failed delivery freeing the next, and a requeued one going behind the
// rest, new deliveries included.
func testClaimOrder(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	var ds []*wabi.Delivery
	for i := range 4 {
		ds = append(ds, keyed(fmt.Sprint(1000000000000001+i), "alice", at(i)))
	}
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: ds[:3]}))
	now := at(10)
	finish := func(d *wabi.Delivery, state wabi.DeliveryState, requeue bool) {
		t.Helper()
		now = now.Add(time.Second)
		d.State, d.UpdatedAt, d.NextAttemptAt = state, now, now
		must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d, Requeue: requeue}}))
	}
	var order []string
	next := func() {
		t.Helper()
		got := claimIDs(t, s, "n1", now, 1)
		if len(got) != 1 {
			t.Fatalf("claim after %v got %v, want one delivery", order, got)
		}
		order = append(order, got[0])
	}

	next() // ds[0]
	// Redelivered while it is claimed: it goes behind ds[1] and ds[2], and ds[3],
	// committed after the redelivery, goes behind it.
	finish(ds[0], wabi.DeliveryPending, true)
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: ds[3:]}))
	next() // ds[1]
	finish(ds[1], wabi.DeliveryFailed, false)
	next() // ds[2]
	finish(ds[2], wabi.DeliveryDelivered, false)
	next() // ds[0] again
	finish(ds[0], wabi.DeliveryDelivered, false)
	next() // ds[3]
	finish(ds[3], wabi.DeliveryDelivered, false)
	wantEqual(t, "claim order", order, []string{ds[0].ID, ds[1].ID, ds[2].ID, ds[0].ID, ds[3].ID})
	wantEqual(t, "claim when all are done", claimIDs(t, s, "n1", now, 10), []string{})
	wantEqual(t, "claim with no room", claimIDs(t, s, "n1", now, 0), []string{})
}

// testConcurrentClaims has several nodes claim at the same moment and checks
// that each delivery goes to exactly one of them.
func testConcurrentClaims(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	const n, nodes = 60, 6
	var ds []*wabi.Delivery
	for i := range n {
		ds = append(ds, keyed(fmt.Sprint(1000000000000001+i), fmt.Sprintf("1555%04d", i), at(0)))
	}
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: ds}))
	claimed := make([][]string, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			// Bounded, so that a store handing deliveries out twice fails
			// instead of looping.
			for range n {
				got, err := s.ClaimDeliveries(ctx, fmt.Sprintf("n%d", i), at(1), lease, 4, 1)
				if err != nil || len(got) == 0 {
					errs[i] = err
					return
				}
				for _, d := range got {
					claimed[i] = append(claimed[i], d.ID)
				}
			}
		})
	}
	wg.Wait()
	var all []string
	for i := range nodes {
		must(t, errs[i])
		all = append(all, claimed[i]...)
	}
	slices.Sort(all)
	want := make([]string, n)
	for i, d := range ds {
		want[i] = d.ID
	}
	wantEqual(t, "deliveries claimed by all nodes together", all, want)
}

// testClaimBacklog checks that a long backlog behind heads that cannot go yet
// (waiting for a retry, or in flight) hides neither other keys' work nor the
// next of the backlog once its head is done or requeued.
func testClaimBacklog(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	const backlog = 2500
	var ds []*wabi.Delivery
	for i := range backlog {
		waID := "alice"
		if i%2 == 1 {
			waID = "dave"
		}
		ds = append(ds, keyed(fmt.Sprint(1000000000000001+i), waID, at(0)))
	}
	alice, dave := ds[0], ds[1]
	carol1 := keyed(fmt.Sprint(1000000000000001+backlog), "carol", at(0))
	carol2 := keyed(fmt.Sprint(1000000000000002+backlog), "carol", at(0))
	alice.NextAttemptAt, carol1.NextAttemptAt = at(30), at(200) // waiting for a retry
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: append(ds, carol1, carol2)}))

	// dave's head goes out; the rest waits behind it and alice's.
	wantEqual(t, "claim over the backlogs", claimIDs(t, s, "n1", at(10), 10), []string{dave.ID})
	bob := keyed(fmt.Sprint(1000000000000003+backlog), "bob", at(11))
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{bob}}))
	wantEqual(t, "claim of new work past the backlogs", claimIDs(t, s, "n2", at(12), 10), []string{bob.ID})
	wantEqual(t, "claim with nothing free", claimIDs(t, s, "n2", at(13), 10), []string{})

	// dave's head is delivered: his next one goes at once.
	dave.State, dave.Attempts, dave.UpdatedAt = wabi.DeliveryDelivered, 1, at(14)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: dave}}))
	wantEqual(t, "claim after dave's head", claimIDs(t, s, "n1", at(15), 10), []string{ds[3].ID})

	// alice's head is delivered at its retry: her next one goes.
	wantEqual(t, "claim at alice's retry", claimIDs(t, s, "n1", at(30), 10), []string{alice.ID})
	alice.State, alice.Attempts, alice.UpdatedAt = wabi.DeliveryDelivered, 1, at(30)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: alice}}))
	wantEqual(t, "claim after alice's head", claimIDs(t, s, "n1", at(30), 10), []string{ds[2].ID})

	// carol's head is redelivered by hand before its retry: her next one need
	// not wait for that retry.
	carol1.NextAttemptAt, carol1.UpdatedAt = at(31), at(31)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: carol1, Requeue: true}}))
	wantEqual(t, "claim after carol's head was requeued", claimIDs(t, s, "n2", at(31), 10), []string{carol2.ID})
	wantAll(t, []check{{"backlog delivery after the claims", res(s.Delivery(ctx, ds[backlog-1].ID)), ds[backlog-1]}})
}

// testClaimRuns checks that a claim takes each head with the deliveries right
// behind it in its key's order, up to the run, stopping at one that is not due
// or is leased; that the run is leased whole, so no other node gets any of it;
// and that what is given back unsent is claimed again from its head.
func testClaimRuns(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	var alice, bob []*wabi.Delivery
	for i := range 5 {
		alice = append(alice, keyed(fmt.Sprint(1000000000000001+2*i), "alice", at(i)))
		bob = append(bob, keyed(fmt.Sprint(1000000000000002+2*i), "bob", at(i)))
	}
	bob[3].NextAttemptAt = at(100) // a run stops at the first that is not due
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: append(slices.Clone(alice), bob...)}))
	ids := func(ds ...*wabi.Delivery) []string {
		out := []string{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	runIDs := func(owner string, now time.Time, limit, run int) []string {
		t.Helper()
		got, err := s.ClaimDeliveries(ctx, owner, now, lease, limit, run)
		must(t, err)
		return ids(got...)
	}

	wantEqual(t, "runs of 3, alice's head first", runIDs("n1", at(10), 10, 3),
		ids(alice[0], alice[1], alice[2], bob[0], bob[1], bob[2]))
	wantEqual(t, "claim by another node under the runs' leases", runIDs("n2", at(11), 10, 3), []string{})

	// n1 delivers alice's head and gives the rest of her run back unsent:
	// the next claim starts from alice[1], and takes alice[4] too.
	alice[0].State, alice[0].Attempts, alice[0].UpdatedAt = wabi.DeliveryDelivered, 1, at(12)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: alice[0],
		Attempt: &wabi.Attempt{DeliveryID: alice[0].ID, N: 1, At: at(12), StatusCode: 200}},
		{Delivery: alice[1]}, {Delivery: alice[2]}}))
	wantEqual(t, "claim after a run was given back", runIDs("n2", at(13), 10, 8), ids(alice[1], alice[2], alice[3], alice[4]))
	for _, d := range alice[1:] {
		d.State, d.Attempts, d.UpdatedAt = wabi.DeliveryDelivered, 1, at(14)
		must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d}}))
	}

	// bob's run is n1's until its lease runs out at 40s; bob[3] waits until 100s.
	wantEqual(t, "claim before the lease runs out", runIDs("n2", at(39), 10, 8), []string{})
	wantEqual(t, "claim when the lease ran out", runIDs("n2", at(40), 10, 8), ids(bob[0], bob[1], bob[2]))
	for _, d := range bob[:3] {
		d.State, d.Attempts, d.UpdatedAt = wabi.DeliveryDelivered, 1, at(41)
		must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d}}))
	}
	wantEqual(t, "claim when the run's next is not due", runIDs("n1", at(50), 10, 8), []string{})
	wantEqual(t, "claim when it is due", runIDs("n1", at(100), 10, 8), ids(bob[3], bob[4]))
	wantEqual(t, "a run of 0 is 1", runIDs("n3", at(200), 10, 0), ids(bob[3]))
}
