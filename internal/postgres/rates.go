package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Rows of full buckets are deleted as takes go: every pruneEvery takes
// through a store, up to pruneBatch rows of buckets full for pruneAfter (a
// margin for nodes whose clocks differ a little). A bucket without a row is
// full, so this forgets nothing that counts.
const (
	pruneEvery = 1024
	pruneBatch = 4096
	pruneAfter = time.Minute
)

// takeCounter counts the granted takes through a store, for pruning.
type takeCounter struct{ n atomic.Uint64 }

// TakeTokens takes the tokens of every take, or of none, at now, in one round
// trip: wabi_take_tokens (migration 00006) locks the buckets, so takes from
// any node on the database are serialised per bucket.
func (s *Store) TakeTokens(ctx context.Context, now time.Time, takes []wabi.Take) (bool, []wabi.Tokens, error) {
	if err := wabi.CheckTakes(takes); err != nil {
		return false, nil, err
	}
	if len(takes) == 0 {
		return true, nil, nil
	}
	keys := make([]string, len(takes))
	bursts, intervals, ns := make([]int64, len(takes)), make([]int64, len(takes)), make([]int64, len(takes))
	for i, t := range takes {
		keys[i], bursts[i], intervals[i], ns[i] = t.Key, int64(t.Burst), int64(t.Interval), int64(t.N)
	}
	rows, err := s.pool.Query(ctx, "SELECT granted, remaining, retry_after, full_in FROM wabi_take_tokens($1, $2, $3, $4, $5)",
		keys, bursts, intervals, ns, now.UnixNano())
	if err != nil {
		return false, nil, fmt.Errorf("postgres: take tokens: %w", err)
	}
	defer rows.Close()
	found := make([]wabi.Tokens, 0, len(takes))
	granted := false
	for rows.Next() {
		var remaining, retry, full int64
		if err := rows.Scan(&granted, &remaining, &retry, &full); err != nil {
			return false, nil, fmt.Errorf("postgres: take tokens: %w", err)
		}
		found = append(found, wabi.Tokens{Remaining: int(remaining), RetryAfter: time.Duration(retry), Full: time.Duration(full)})
	}
	if err := rows.Err(); err != nil {
		return false, nil, fmt.Errorf("postgres: take tokens: %w", err)
	}
	if len(found) != len(takes) {
		return false, nil, fmt.Errorf("postgres: take tokens: %d answers to %d takes", len(found), len(takes))
	}
	if granted && s.takes.n.Add(1)%pruneEvery == 0 {
		s.pruneBuckets(ctx, now)
	}
	return granted, found, nil
}

// pruneBuckets deletes rows of buckets full since before now-pruneAfter,
// passing over rows a taker holds. Its failure costs nothing but space, so it
// is not the take's.
func (s *Store) pruneBuckets(ctx context.Context, now time.Time) {
	_, _ = s.pool.Exec(ctx, `DELETE FROM rate_buckets WHERE ctid = ANY(ARRAY(
		SELECT ctid FROM rate_buckets WHERE tat < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`,
		now.Add(-pruneAfter).UnixNano(), pruneBatch)
}
