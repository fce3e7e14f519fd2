package sqlite

import (
	"context"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// buckets keeps the token buckets of the rate limits in memory, under a
// mutex, instead of in the database file: a SQLite store is one process's, so
// no other node needs to see them, and writing them would cost every send an
// fsync. They start full again when the process restarts, which lets a
// restarted wabi send one more burst: a limit a test can count on within one
// run, not across restarts. The zero value is ready.
type buckets struct {
	mu sync.Mutex
	// tat is each bucket's theoretical arrival time, in Unix nanoseconds.
	tat map[string]int64
	// sweepAt is how many buckets there may be before the full ones are
	// forgotten; it doubles with what a sweep keeps, so sweeping costs O(1) a
	// take over time.
	sweepAt int
}

// minSweep is how many buckets are kept before the first sweep.
const minSweep = 4096

// TakeTokens takes the tokens of every take, or of none, at now.
func (s *Store) TakeTokens(ctx context.Context, now time.Time, takes []wabi.Take) (bool, []wabi.Tokens, error) {
	if err := wabi.CheckTakes(takes); err != nil {
		return false, nil, err
	}
	if err := ctx.Err(); err != nil {
		return false, nil, err
	}
	return s.buckets.take(now.UnixNano(), takes)
}

func (b *buckets) take(now int64, takes []wabi.Take) (bool, []wabi.Tokens, error) {
	found := make([]wabi.Tokens, len(takes))
	// Most takes are of one or two buckets: their new times stay on the stack.
	var stack [4]int64
	next := stack[:0]
	granted := true
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, t := range takes {
		var tat int64
		var ok bool
		found[i], tat, ok = t.Apply(b.tat[t.Key], now)
		granted = granted && ok
		next = append(next, tat)
	}
	if !granted {
		// What each bucket holds without the takes that were not made.
		for i, t := range takes {
			if found[i].RetryAfter == 0 {
				t.N = 0
				found[i], _, _ = t.Apply(b.tat[t.Key], now)
			}
		}
		return false, found, nil
	}
	if b.tat == nil {
		b.tat = map[string]int64{}
	}
	for i, t := range takes {
		if t.N > 0 {
			b.tat[t.Key] = next[i]
		}
	}
	if len(b.tat) > max(b.sweepAt, minSweep) {
		b.sweep(now)
	}
	return true, found, nil
}

// sweep forgets the buckets that are full at now: one never seen is full too.
func (b *buckets) sweep(now int64) {
	for k, tat := range b.tat {
		if tat <= now {
			delete(b.tat, k)
		}
	}
	b.sweepAt = 2 * len(b.tat)
}
