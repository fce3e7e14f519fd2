package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// Nodes claiming at once, each through its own store on one database, get every
// head of a key exactly once and never a delivery behind one.
func TestClaimsAcrossStores(t *testing.T) {
	dbURL := pgtest.Schema(t)
	stores := []*Store{mustOpenURL(t, dbURL), mustOpenURL(t, dbURL)}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const keys = 100
	var ds, heads []*wabi.Delivery
	for i := range 2 * keys {
		id := fmt.Sprint(1000000000000001 + i)
		d := &wabi.Delivery{ID: id, Dialect: wabi.DialectCloud, TargetID: "app1", PhoneNumberID: "p1",
			WaID: fmt.Sprintf("1555%04d", i%keys), Event: "message", Body: []byte(`{}`),
			State: wabi.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
		ds = append(ds, d)
		if i < keys {
			heads = append(heads, d)
		}
	}
	if err := stores[0].Commit(ctx, &wabi.Batch{Deliveries: ds}); err != nil {
		t.Fatal(err)
	}

	const perStore = 4
	claimed := make([][]string, 2*perStore)
	errs := make([]error, 2*perStore)
	var wg sync.WaitGroup
	for i := range claimed {
		wg.Go(func() {
			s := stores[i%2]
			for range 2 * keys {
				got, err := s.ClaimDeliveries(ctx, fmt.Sprintf("node%d", i), now, time.Minute, 3, 1)
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
	for i := range claimed {
		if errs[i] != nil {
			t.Fatalf("claimer %d: %v", i, errs[i])
		}
		all = append(all, claimed[i]...)
	}
	slices.Sort(all)
	want := make([]string, keys)
	for i, d := range heads {
		want[i] = d.ID
	}
	if !slices.Equal(all, want) {
		t.Errorf("claimed %d deliveries %v,\nwant each of the %d heads once", len(all), all, keys)
	}
}
