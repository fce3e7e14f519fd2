package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// testSwapRecord checks the compare-and-set nodes rely on: a create that only
// the first caller wins, even against an expired record; a swap that only
// succeeds on the value it was read with; and, among racing swaps from one
// read, exactly one winner.
func testSwapRecord(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	rec := func(value string) *wabi.Record {
		return &wabi.Record{Scope: "", Kind: "secret", Key: "url", Value: []byte(value), UpdatedAt: at(1)}
	}
	must(t, s.SwapRecord(ctx, rec("first"), nil))
	wantCode(t, "create of an existing record", s.SwapRecord(ctx, rec("second"), nil), wabi.EConflict)
	wantAll(t, []check{{"record after a lost create", res(s.Record(ctx, "", "secret", "url")), rec("first")}})

	wantCode(t, "swap from a stale value", s.SwapRecord(ctx, rec("third"), []byte("second")), wabi.EConflict)
	must(t, s.SwapRecord(ctx, rec("third"), []byte("first")))
	wantAll(t, []check{{"record after a swap", res(s.Record(ctx, "", "secret", "url")), rec("third")}})
	wantCode(t, "swap of a missing record",
		s.SwapRecord(ctx, &wabi.Record{Scope: "p9", Kind: "k", Key: "gone", Value: []byte("y")}, []byte("x")), wabi.EConflict)
	wantCode(t, "swap of a record of another key",
		s.SwapRecord(ctx, &wabi.Record{Scope: "", Kind: "secret", Key: "other", Value: []byte("y")}, []byte("third")),
		wabi.EConflict)

	// An empty value is a value, not "no record".
	empty := &wabi.Record{Scope: "p1", Kind: "k", Key: "e", Value: []byte{}, UpdatedAt: at(1)}
	must(t, s.SwapRecord(ctx, empty, nil))
	must(t, s.SwapRecord(ctx, &wabi.Record{Scope: "p1", Kind: "k", Key: "e", Value: []byte("1"), UpdatedAt: at(2)}, []byte{}))

	// An expired record still exists: a create does not replace it.
	expired := &wabi.Record{Scope: "p1", Kind: "k", Key: "x", Value: []byte("old"), ExpiresAt: at(1), UpdatedAt: at(1)}
	must(t, s.PutRecord(ctx, expired))
	wantCode(t, "create over an expired record",
		s.SwapRecord(ctx, &wabi.Record{Scope: "p1", Kind: "k", Key: "x", Value: []byte("new")}, nil), wabi.EConflict)

	// Racing swaps from the same read: one wins, the others get EConflict.
	must(t, s.PutRecord(ctx, &wabi.Record{Scope: "p1", Kind: "k", Key: "n", Value: []byte("0"), UpdatedAt: at(1)}))
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			errs[i] = s.SwapRecord(ctx, &wabi.Record{Scope: "p1", Kind: "k", Key: "n", Value: []byte{'a' + byte(i)}, UpdatedAt: at(2)}, []byte("0"))
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch wabi.ErrorCode(err) {
		case "":
			won++
		case wabi.EConflict:
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d racing swaps won, want exactly 1", won)
	}
}
