package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testExpireMessages deletes the messages before the cut, of every number and in
// every status, a limited number per call, oldest first per number; newer ones,
// windows and deliveries stay, and analytics count the deleted messages as before.
func testExpireMessages(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	out, in := wabi.Outbound, wabi.Inbound
	ms := []*wabi.Message{
		text("received", "phone1", "wa1", in, at(1), wabi.StatusReceived),
		text("read", "phone1", "wa1", out, at(2), wabi.StatusRead),
		text("failed", "phone1", "wa2", out, at(3), wabi.StatusFailed),
		text("accepted", "phone1", "wa1", out, at(4), wabi.StatusAccepted),
		text("delivered", "phone2", "wa1", out, at(5), wabi.StatusDelivered),
		text("other number", "phone2", "wa1", in, at(6), wabi.StatusReceived),
		text("at the cut", "phone1", "wa1", in, at(10), wabi.StatusReceived),
		text("new", "phone2", "wa1", out, at(11), wabi.StatusRead),
	}
	ms[1].Category, ms[2].Category, ms[4].Category = "marketing", "utility", "marketing"
	d := delivery("1000000000000001", "app1", "received", at(1))
	window := wabi.Window{PhoneNumberID: "phone1", WaID: "wa1", LastInbound: at(1)}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: ms, Windows: []wabi.Window{window}, Deliveries: []*wabi.Delivery{d}}))
	q := wabi.StatsQuery{PhoneNumberIDs: []string{"phone1", "phone2"}, Start: at(0), End: at(20), Bucket: time.Hour}
	before := stats(t, s, q)

	// Three per call, each number's oldest first; the messages come back whole.
	var gone []*wabi.Message
	for _, call := range []string{"first", "second"} {
		got, err := s.ExpireMessages(ctx, at(10), 3)
		must(t, err)
		if len(got) != 3 {
			t.Fatalf("%s ExpireMessages deleted %v, want 3 messages", call, ids(got))
		}
		gone = append(gone, got...)
		// Every message left of a number is newer than the ones of it deleted.
		left, err := s.Messages(ctx, wabi.MessageFilter{Until: at(10)})
		must(t, err)
		for _, g := range got {
			for _, l := range left {
				if l.PhoneNumberID == g.PhoneNumberID && l.Timestamp.Before(g.Timestamp) {
					t.Errorf("%s ExpireMessages deleted %s before the older %s", call, g.ID, l.ID)
				}
			}
		}
	}
	slices.SortFunc(gone, func(a, b *wabi.Message) int { return a.Timestamp.Compare(b.Timestamp) })
	wantEqual(t, "messages ExpireMessages deleted", gone, ms[:6])
	wantAll(t, []check{
		{"ExpireMessages when nothing is left", res(s.ExpireMessages(ctx, at(10), 3)).ids(), []string{}},
		{"Messages left", res(s.Messages(ctx, wabi.MessageFilter{})).ids(), []string{"new", "at the cut"}},
		{"Unfinished left", res(s.Unfinished(ctx, time.Time{})).ids(), []string{}},
		{"Window kept", res(s.Window(ctx, "phone1", "wa1")), at(1)},
		{"Delivery of a deleted message kept", res(s.Delivery(ctx, d.ID)), d},
	})
	wantEqual(t, "MessageStats after ExpireMessages", stats(t, s, q), before)
	wantCode(t, "status of a deleted message", s.Commit(ctx, &wabi.Batch{Statuses: []wabi.StatusChange{
		{MessageID: "accepted", Status: wabi.StatusSent, At: at(12)}}}), wabi.ENotFound)

	// A backlog larger than one call goes in calls of at most the limit.
	var backlog []*wabi.Message
	for i := range 250 {
		backlog = append(backlog, text(fmt.Sprintf("old%04d", i), fmt.Sprintf("phone%d", 3+i%3), "wa1", in, at(i), wabi.StatusReceived))
	}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: backlog}))
	calls, total := 0, 0
	for {
		got, err := s.ExpireMessages(ctx, at(1000), 100)
		must(t, err)
		if len(got) > 100 {
			t.Fatalf("ExpireMessages with limit 100 deleted %d", len(got))
		}
		if len(got) == 0 {
			break
		}
		total += len(got)
		if calls++; calls > 10 {
			t.Fatal("ExpireMessages never runs out")
		}
	}
	if total != 250+2 {
		t.Errorf("the backlog went in %d messages, want %d (and the two left before)", total, 252)
	}
	wantAll(t, []check{{"Messages after the backlog", res(s.Messages(ctx, wabi.MessageFilter{})).ids(), []string{}}})
}

// stats counts messages for q, in a stable order.
func stats(t *testing.T, s wabi.Store, q wabi.StatsQuery) []wabi.StatsRow {
	t.Helper()
	rows, err := s.MessageStats(context.Background(), q)
	must(t, err)
	rows = slices.DeleteFunc(rows, func(r wabi.StatsRow) bool {
		return r.Sent+r.Delivered+r.Read+r.Failed+r.Received == 0
	})
	slices.SortFunc(rows, func(x, y wabi.StatsRow) int {
		return cmp.Or(cmp.Compare(x.PhoneNumberID, y.PhoneNumberID), x.Start.Compare(y.Start),
			cmp.Compare(x.Category, y.Category), cmp.Compare(x.WaID, y.WaID))
	})
	if len(rows) == 0 {
		t.Fatal("MessageStats counts nothing: the test would prove nothing")
	}
	return rows
}

// testExpireDeliveries deletes deliveries that finished before the cut, delivered
// or given up, with their attempts, oldest finished first and a limited number
// per call; pending ones stay however old, and so do newer finished ones.
func testExpireDeliveries(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	mk := func(n int, state wabi.DeliveryState, updated time.Time) *wabi.Delivery {
		d := delivery(fmt.Sprintf("10000000000000%02d", n), "app1", fmt.Sprintf("m%d", n), at(0))
		d.State, d.UpdatedAt = state, updated
		return d
	}
	delivered, failed, pending := wabi.DeliveryDelivered, wabi.DeliveryFailed, wabi.DeliveryPending
	ds := []*wabi.Delivery{
		mk(1, delivered, at(3)),
		mk(2, failed, at(1)),
		mk(3, pending, at(0)), // old but still owed
		mk(4, delivered, at(2)),
		mk(5, delivered, at(10)), // at the cut
		mk(6, failed, at(20)),
	}
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: ds}))
	// Attempts of the ones that go, and of one that stays.
	var us []wabi.DeliveryUpdate
	for _, d := range []*wabi.Delivery{ds[0], ds[1], ds[4]} {
		d.Attempts = 1
		us = append(us, wabi.DeliveryUpdate{Delivery: d, Attempt: &wabi.Attempt{DeliveryID: d.ID, N: 1,
			At: d.UpdatedAt, URL: "https://example.com/hook", StatusCode: 200}})
	}
	must(t, s.RecordAttempts(ctx, us))

	wantAll(t, []check{
		{"first ExpireDeliveries", res(s.ExpireDeliveries(ctx, at(10), 2)), 2},
		{"second ExpireDeliveries", res(s.ExpireDeliveries(ctx, at(10), 2)), 1},
		{"ExpireDeliveries when nothing is left", res(s.ExpireDeliveries(ctx, at(10), 2)), 0},
		{"Deliveries left", res(s.Deliveries(ctx, wabi.DeliveryFilter{})), []*wabi.Delivery{ds[5], ds[4], ds[2]}},
		{"PendingDeliveries", res(s.PendingDeliveries(ctx)), []*wabi.Delivery{ds[2]}},
		{"Attempts of a kept delivery", res(s.Attempts(ctx, ds[4].ID)), []*wabi.Attempt{us[2].Attempt}},
	})
	for _, d := range []*wabi.Delivery{ds[0], ds[1], ds[3]} {
		wantCode(t, "Delivery "+d.ID+" deleted", errOf(s.Delivery(ctx, d.ID)), wabi.ENotFound)
		wantAll(t, []check{{"Attempts of deleted " + d.ID, res(s.Attempts(ctx, d.ID)), []*wabi.Attempt{}}})
	}
}
