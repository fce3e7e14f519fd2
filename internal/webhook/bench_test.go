package webhook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// BenchmarkDeliver measures end-to-end delivery: from Enqueue of committed
// deliveries to their success being written to a SQLite store, POSTing to a
// receiver on loopback. One key is the worst case (strictly one at a time); many
// keys is the usual one.
func BenchmarkDeliver(b *testing.B) {
	for _, keys := range []int{1, 64} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			s := &countingStore{testStore: mustStore(b)}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
			}))
			b.Cleanup(srv.Close)
			clock := wabi.SystemClock{}
			e := NewEngine(s, resolveFunc(func(context.Context, *wabi.Delivery) (wabi.WebhookTarget, error) {
				return wabi.WebhookTarget{URL: srv.URL, Secret: "secret"}, nil
			}), clock)
			mustRun(b, e)

			now := clock.Now()
			ds := make([]*wabi.Delivery, b.N)
			for i := range ds {
				ds[i] = delivery(i, "app1", fmt.Sprintf("1555%04d", i%keys), now)
			}
			for i := 0; i < len(ds); i += 1000 {
				mustCommit(b, s.testStore, ds[i:min(i+1000, len(ds))]...)
			}

			b.ResetTimer()
			e.Enqueue(ds...)
			for !e.Idle() {
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
			b.ReportMetric(float64(b.N)/float64(s.calls.Load()), "updates/write")
			if got := mustDelivery(b, s.testStore, ds[len(ds)-1].ID); got.State != wabi.DeliveryDelivered {
				b.Fatalf("last delivery %s, want delivered", got.State)
			}
		})
	}
}

// countingStore counts the store writes, to show how well attempts are batched.
type countingStore struct {
	testStore
	calls atomic.Int64
}

func (s *countingStore) RecordAttempts(ctx context.Context, us []wabi.DeliveryUpdate) error {
	s.calls.Add(1)
	return s.testStore.RecordAttempts(ctx, us)
}
