package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// BenchmarkRecordAttempts measures what the webhook engine writes after its
// POSTs: each delivery's new state and its attempt, many deliveries a call, as
// the engine's collector gathers them under load. ns/op is per delivery.
func BenchmarkRecordAttempts(b *testing.B) {
	const batch = 100
	s := mustOpen(b)
	ctx := context.Background()
	ids := wabi.NewIDGen(wabi.SystemClock{})
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`)
	now := time.Now()
	ds := make([]*wabi.Delivery, b.N)
	for i := 0; i < b.N; i += batch {
		var nb wabi.Batch
		for j := i; j < min(i+batch, b.N); j++ {
			ds[j] = &wabi.Delivery{ID: ids.NewID(), Dialect: wabi.DialectCloud, TargetID: "app1",
				PhoneNumberID: "phone1", WaID: "15550002000", MessageID: "wamid.1", Event: "status.sent", Body: body,
				State: wabi.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
			nb.Deliveries = append(nb.Deliveries, ds[j])
		}
		if err := s.Commit(ctx, &nb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		us := make([]wabi.DeliveryUpdate, 0, batch)
		for _, d := range ds[i:min(i+batch, b.N)] {
			c := *d
			c.State, c.Attempts, c.LastStatus, c.UpdatedAt = wabi.DeliveryDelivered, 1, 200, now
			us = append(us, wabi.DeliveryUpdate{Delivery: &c, Attempt: &wabi.Attempt{DeliveryID: c.ID, N: 1, At: now,
				URL: "http://127.0.0.1:9/hook", StatusCode: 200, Latency: time.Millisecond}})
		}
		if err := s.RecordAttempts(ctx, us); err != nil {
			b.Fatal(err)
		}
	}
}
