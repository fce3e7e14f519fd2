package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// BenchmarkCommit measures the durable write path under load, as
// internal/sqlite's BenchmarkCommit does: many callers at once, each committing
// one text message and the webhook delivery it causes, as a send does. Group
// commit is what makes this fast: each group is one round trip and one commit.
// It runs only with WABI_TEST_POSTGRES.
func BenchmarkCommit(b *testing.B) {
	s := mustOpen(b)
	ctx := context.Background()
	ids := wabi.NewIDGen(wabi.SystemClock{})
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`)
	var n atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			now := time.Now()
			waID := fmt.Sprint(15550000000 + n.Add(1)%1000)
			m := &wabi.Message{ID: ids.NewWAMID(waID, true), PhoneNumberID: "phone1", WaID: waID,
				Direction: wabi.Outbound, Type: wabi.TypeText, Timestamp: now, Status: wabi.StatusAccepted,
				StatusAt: now, Content: wabi.Content{Text: &wabi.Text{Body: "Your order has shipped."}}}
			d := &wabi.Delivery{ID: ids.NewID(), Dialect: wabi.DialectCloud, TargetID: "app1",
				PhoneNumberID: "phone1", WaID: waID, MessageID: m.ID, Event: "status.accepted", Body: body,
				State: wabi.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
			if err := s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m}, Deliveries: []*wabi.Delivery{d}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
