package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testPendingDeliveries checks that pending deliveries come oldest first, across
// batches, and that others are left out.
func testPendingDeliveries(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	d1 := delivery("1000000000000001", "app1", "m1", at(1))
	d2 := delivery("1000000000000002", "app2", "m1", at(1))
	done := delivery("1000000000000003", "app1", "m2", at(2))
	done.State = wabi.DeliveryDelivered
	d4 := delivery("1000000000000004", "app1", "m3", at(3))
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{d1, d2}}))
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{done}}))
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{d4}}))
	wantAll(t, []check{{"PendingDeliveries", res(s.PendingDeliveries(ctx)), []*wabi.Delivery{d1, d2, d4}}})
	if n, err := s.CountPending(ctx); err != nil || n != 3 {
		t.Errorf("CountPending = %d, %v; want 3", n, err)
	}
}

// testRecordAttempts tells the story of three deliveries: one delivered at once,
// one retried until it fails, then redelivered by hand, one left alone.
func testRecordAttempts(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	d1 := delivery("1000000000000001", "app1", "m1", at(0))
	d2 := delivery("1000000000000002", "app1", "m2", at(0))
	d3 := delivery("1000000000000003", "app1", "m3", at(0))
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{d1, d2, d3}}))

	ok := &wabi.Attempt{DeliveryID: d1.ID, N: 1, At: at(1), URL: "https://example.com/hook",
		StatusCode: 200, Response: "ok", Latency: 12*time.Millisecond + 345}
	d1.State, d1.Attempts, d1.LastStatus, d1.UpdatedAt = wabi.DeliveryDelivered, 1, 200, at(1)
	boom := &wabi.Attempt{DeliveryID: d2.ID, N: 1, At: at(1), URL: "https://example.com/hook",
		StatusCode: 500, Response: "oops", Latency: time.Second}
	d2.Attempts, d2.LastStatus, d2.LastError, d2.NextAttemptAt, d2.UpdatedAt = 1, 500, "HTTP 500", at(31), at(1)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d1, Attempt: ok}, {Delivery: d2, Attempt: boom}}))
	wantAll(t, []check{
		{"PendingDeliveries after the first round", res(s.PendingDeliveries(ctx)), []*wabi.Delivery{d2, d3}},
		{"delivered Delivery", res(s.Delivery(ctx, d1.ID)), d1},
		{"retried Delivery", res(s.Delivery(ctx, d2.ID)), d2},
		{"Attempts of the delivered one", res(s.Attempts(ctx, d1.ID)), []*wabi.Attempt{ok}},
	})

	refused := &wabi.Attempt{DeliveryID: d2.ID, N: 2, At: at(31), URL: "https://example.com/hook",
		Error: "connection refused"}
	d2.State, d2.Attempts, d2.LastStatus, d2.LastError, d2.UpdatedAt = wabi.DeliveryFailed, 2, 0, "connection refused", at(31)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d2, Attempt: refused}}))
	wantAll(t, []check{
		{"failed Delivery", res(s.Delivery(ctx, d2.ID)), d2},
		{"Attempts of the failed one", res(s.Attempts(ctx, d2.ID)), []*wabi.Attempt{boom, refused}},
	})

	// A manual redelivery changes the state without an attempt.
	d2.State, d2.NextAttemptAt, d2.UpdatedAt = wabi.DeliveryPending, at(40), at(40)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d2}}))
	wantAll(t, []check{
		{"redelivered Delivery", res(s.Delivery(ctx, d2.ID)), d2},
		{"Attempts after redelivery", res(s.Attempts(ctx, d2.ID)), []*wabi.Attempt{boom, refused}},
		{"PendingDeliveries after redelivery", res(s.PendingDeliveries(ctx)), []*wabi.Delivery{d2, d3}},
	})

	// Updates are all or nothing: a missing delivery spoils the whole call.
	moved := *d3
	moved.State, moved.Attempts = wabi.DeliveryDelivered, 1
	err := s.RecordAttempts(ctx, []wabi.DeliveryUpdate{
		{Delivery: &moved, Attempt: &wabi.Attempt{DeliveryID: d3.ID, N: 1, At: at(50), StatusCode: 200}},
		{Delivery: delivery("1999999999999999", "app1", "m9", at(50))},
	})
	wantCode(t, "RecordAttempts with a missing delivery", err, wabi.ENotFound)
	wantAll(t, []check{
		{"Delivery of a failed RecordAttempts", res(s.Delivery(ctx, d3.ID)), d3},
		{"Attempts of a failed RecordAttempts", res(s.Attempts(ctx, d3.ID)), []*wabi.Attempt{}},
		{"Attempts of no delivery", res(s.Attempts(ctx, "nope")), []*wabi.Attempt{}},
	})
}

// testDeliveries lists deliveries with every filter, newest first.
func testDeliveries(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	var ds []*wabi.Delivery
	for i, d := range []struct {
		target, message string
		state           wabi.DeliveryState
	}{
		{"app1", "m1", wabi.DeliveryDelivered},
		{"app2", "m1", wabi.DeliveryDelivered},
		{"app1", "m2", wabi.DeliveryFailed},
		{"app1", "m3", wabi.DeliveryPending},
		{"app2", "m3", wabi.DeliveryPending},
	} {
		dd := delivery(fmt.Sprint(1000000000000001+i), d.target, d.message, at(i))
		dd.State = d.state
		ds = append(ds, dd)
		must(t, s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{dd}}))
	}
	for _, c := range []struct {
		name string
		f    wabi.DeliveryFilter
		want []*wabi.Delivery
	}{
		{"all", wabi.DeliveryFilter{}, []*wabi.Delivery{ds[4], ds[3], ds[2], ds[1], ds[0]}},
		{"app", wabi.DeliveryFilter{AppID: "app1"}, []*wabi.Delivery{ds[3], ds[2], ds[0]}},
		{"message", wabi.DeliveryFilter{MessageID: "m1"}, []*wabi.Delivery{ds[1], ds[0]}},
		{"state", wabi.DeliveryFilter{State: wabi.DeliveryPending}, []*wabi.Delivery{ds[4], ds[3]}},
		{"app and state", wabi.DeliveryFilter{AppID: "app2", State: wabi.DeliveryDelivered}, []*wabi.Delivery{ds[1]}},
		{"before", wabi.DeliveryFilter{BeforeID: ds[3].ID}, []*wabi.Delivery{ds[2], ds[1], ds[0]}},
		{"before and app", wabi.DeliveryFilter{AppID: "app2", BeforeID: ds[4].ID}, []*wabi.Delivery{ds[1]}},
		{"limit", wabi.DeliveryFilter{Limit: 2}, []*wabi.Delivery{ds[4], ds[3]}},
		{"before an unknown id", wabi.DeliveryFilter{BeforeID: "1"}, []*wabi.Delivery{}},
	} {
		wantAll(t, []check{{"Deliveries " + c.name, res(s.Deliveries(ctx, c.f)), c.want}})
	}
}
