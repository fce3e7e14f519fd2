package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestBucketsSwept: buckets that are full again are forgotten as takes go, so
// a bucket per customer does not grow the map for ever; buckets still
// counting are kept.
func TestBucketsSwept(t *testing.T) {
	var b buckets
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	one := func(key string) []wabi.Take {
		return []wabi.Take{{Bucket: wabi.Bucket{Key: key, Burst: 1, Interval: time.Minute}, N: 1}}
	}
	// The first sweep finds every bucket counting and keeps them all.
	for i := range minSweep + 1 {
		if ok, _, _ := b.take(t0, one(fmt.Sprintf("old/%d", i))); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	if len(b.tat) != minSweep+1 {
		t.Fatalf("%d buckets after the first sweep, want %d", len(b.tat), minSweep+1)
	}
	// A minute on the old buckets are full again: the next sweep drops them.
	later := t0 + int64(time.Minute)
	swept := false
	for i := 0; i < 3*minSweep && !swept; i++ {
		b.take(later, one(fmt.Sprintf("new/%d", i)))
		swept = len(b.tat) <= i+1
	}
	if !swept {
		t.Fatalf("no sweep after %d more buckets: %d kept", 3*minSweep, len(b.tat))
	}
	for k := range b.tat {
		if strings.HasPrefix(k, "old/") {
			t.Fatalf("bucket %s, full again, was kept", k)
		}
	}
}
