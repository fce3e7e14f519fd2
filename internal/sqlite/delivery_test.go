package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestRecordAttemptsMany checks RecordAttempts with hundreds of deliveries a
// call, as the webhook engine's collector writes them under load: every
// delivery gets its state and every attempt its row, a delivery written twice
// in a call keeps its last state with both attempts, and a missing delivery
// fails the whole call with ENotFound, writing nothing.
func TestRecordAttemptsMany(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	const n = 300
	var b wabi.Batch
	for i := range n {
		b.Deliveries = append(b.Deliveries, &wabi.Delivery{ID: fmt.Sprint(1000 + i), Dialect: wabi.DialectCloud,
			TargetID: "app1", PhoneNumberID: "pn1", WaID: fmt.Sprint(1555000 + i%7), MessageID: "wamid.1",
			Event: "status.sent", Body: []byte(`{}`), State: wabi.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at})
	}
	if err := s.Commit(ctx, &b); err != nil {
		t.Fatal(err)
	}
	update := func(d *wabi.Delivery, state wabi.DeliveryState, n, code int) wabi.DeliveryUpdate {
		c := *d
		c.State, c.Attempts, c.LastStatus, c.UpdatedAt = state, n, code, at.Add(time.Duration(n)*time.Second)
		if state == wabi.DeliveryPending {
			c.NextAttemptAt, c.LastError = at.Add(time.Minute), fmt.Sprintf("HTTP %d", code)
		}
		return wabi.DeliveryUpdate{Delivery: &c, Attempt: &wabi.Attempt{DeliveryID: c.ID, N: n, At: c.UpdatedAt,
			URL: "http://127.0.0.1:9/hook", StatusCode: code, Error: c.LastError}}
	}

	missing := *b.Deliveries[0]
	missing.ID = "999"
	err := s.RecordAttempts(ctx, []wabi.DeliveryUpdate{update(b.Deliveries[1], wabi.DeliveryDelivered, 1, 200),
		update(&missing, wabi.DeliveryDelivered, 1, 200)})
	if wabi.ErrorCode(err) != wabi.ENotFound {
		t.Fatalf("RecordAttempts with a missing delivery: %v, want ENotFound", err)
	}
	if d, _ := s.Delivery(ctx, b.Deliveries[1].ID); d.State != wabi.DeliveryPending || d.Attempts != 0 {
		t.Errorf("after the failed call: %s with %d attempts, want pending with none", d.State, d.Attempts)
	}

	var us []wabi.DeliveryUpdate
	for i, d := range b.Deliveries {
		if i == 5 {
			// Refused first, then taken: one call, both attempts.
			us = append(us, update(d, wabi.DeliveryPending, 1, 503))
			us = append(us, update(d, wabi.DeliveryDelivered, 2, 200))
			continue
		}
		us = append(us, update(d, wabi.DeliveryDelivered, 1, 200))
	}
	if err := s.RecordAttempts(ctx, us); err != nil {
		t.Fatal(err)
	}
	for i, d := range b.Deliveries {
		got, err := s.Delivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		as, err := s.Attempts(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, attempts := 1, 1
		if i == 5 {
			want, attempts = 2, 2
		}
		if got.State != wabi.DeliveryDelivered || got.Attempts != want || got.LastStatus != 200 || got.LastError != "" || len(as) != attempts {
			t.Fatalf("delivery %d: %s, %d attempts, last %d %q, %d attempt rows; want delivered, %d, 200, none, %d",
				i, got.State, got.Attempts, got.LastStatus, got.LastError, len(as), want, attempts)
		}
	}
	if pending, err := s.PendingDeliveries(ctx); err != nil || len(pending) != 0 {
		t.Errorf("PendingDeliveries = %d, %v; want none", len(pending), err)
	}
}
