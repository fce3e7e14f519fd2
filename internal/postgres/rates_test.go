package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestBucketsPruned: every pruneEvery granted takes, rows of buckets full for
// a while are deleted; rows of buckets still counting stay.
func TestBucketsPruned(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	one := func(key string) []wabi.Take {
		return []wabi.Take{{Bucket: wabi.Bucket{Key: key, Burst: 1, Interval: time.Second}, N: 1}}
	}
	for i := range pruneEvery - 1 {
		if ok, _, err := s.TakeTokens(ctx, t0, one(fmt.Sprintf("old/%d", i))); err != nil || !ok {
			t.Fatalf("take %d: %v, %v", i, ok, err)
		}
	}
	rows := func() int {
		var n int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM rate_buckets").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rows(); n != pruneEvery-1 {
		t.Fatalf("%d rows before the prune, want %d", n, pruneEvery-1)
	}
	// An hour on, the old buckets are long full; the one taken now is not.
	if ok, _, err := s.TakeTokens(ctx, t0.Add(time.Hour), one("new")); err != nil || !ok {
		t.Fatalf("take that prunes: %v, %v", ok, err)
	}
	if n := rows(); n != 1 {
		t.Fatalf("%d rows after the prune, want 1 (the bucket just taken from)", n)
	}
}
