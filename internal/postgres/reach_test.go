package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestReachAcrossStores: customers race for a business's last places through
// four stores on one schema, as four nodes would; each store's writer sends
// its own transactions, so only the business's lock keeps them from all
// taking the same free place. The business never gets past its limit.
func TestReachAcrossStores(t *testing.T) {
	dbURL := pgtest.Schema(t)
	stores := make([]*Store, 4)
	for i := range stores {
		stores[i] = mustOpenURL(t, dbURL)
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	const limit, racers = 10, 64
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range racers {
		wg.Go(func() {
			r, err := stores[i%len(stores)].AddReach(ctx, wabi.Reach{BusinessID: "b1", PhoneNumberID: "n1",
				WaID: fmt.Sprintf("c%d", i), At: now}, now.Add(-24*time.Hour), limit)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if r.OK {
				won++
			}
		})
	}
	wg.Wait()
	if won != limit {
		t.Errorf("%d customers were recorded, want %d", won, limit)
	}
	n, err := stores[0].Reached(ctx, "b1", "", now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != limit {
		t.Errorf("the business reached %d customers, want %d", n, limit)
	}
}
