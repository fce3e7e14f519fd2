package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// Retention deletes in small writes: each call is one writer request, so a sweep
// of a large backlog never holds a group commit for long, and the writes of
// others queued meanwhile go before the sweep's next request.

// numbersSQL lists the numbers that have messages, one index seek each (a loose
// index scan of messages_time), however many messages each has.
const numbersSQL = `WITH RECURSIVE nums(id) AS (
		SELECT (SELECT min(phone_number_id) FROM messages)
		UNION ALL
		SELECT (SELECT min(phone_number_id) FROM messages WHERE phone_number_id > nums.id)
			FROM nums WHERE nums.id IS NOT NULL)
	SELECT id FROM nums WHERE id IS NOT NULL`

// expiredSQL reads a number's messages older than the cut, oldest first, in the
// order of the index messages_time.
const expiredSQL = "SELECT " + sqlrow.MessageCols + ` FROM messages
	WHERE phone_number_id = $1 AND timestamp < $2 ORDER BY timestamp, seq LIMIT $3`

// expireSQL deletes the messages read for expiry that are still there and
// still older than the cut, copies what analytics count of them to
// message_history, and returns the ids it deleted.
const expireSQL = `WITH gone AS (
		DELETE FROM messages WHERE id = ANY($1) AND timestamp < $2
		RETURNING id, phone_number_id, wa_id, direction, timestamp, status, status_rank, category),
	kept AS (
		INSERT INTO message_history (phone_number_id, wa_id, direction, timestamp, status, status_rank, category)
		SELECT phone_number_id, wa_id, direction, timestamp, status, status_rank, category FROM gone)
	SELECT id FROM gone`

// ExpireMessages deletes up to limit messages older than before, whatever their
// number, direction or status, and returns the ones it deleted. The messages are
// read from the pool; the one write copies what analytics count of them to
// message_history and deletes them, checking the cut again.
func (s *Store) ExpireMessages(ctx context.Context, before time.Time, limit int) ([]*wabi.Message, error) {
	if limit <= 0 {
		limit = 100
	}
	nums, err := list(ctx, s.pool, func(sc sqlrow.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, numbersSQL)
	if err != nil {
		return nil, err
	}
	ms, err := sqlrow.Gather(nums, limit, func(pn string, want int) ([]*wabi.Message, error) {
		return list(ctx, s.pool, sqlrow.ScanMessage, expiredSQL, pn, sqlrow.Nanos(before), want)
	})
	if err != nil || len(ms) == 0 {
		return ms, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	// Another node's sweep may have taken some meanwhile: RETURNING says which
	// ones this write deleted.
	var gone map[string]bool
	err = s.w.do(ctx, op{sql: expireSQL, args: []any{ids, sqlrow.Nanos(before)}, what: "expired messages",
		rows: func(rows pgx.Rows) {
			gone = make(map[string]bool, len(ms)) // a group sent again starts afresh
			for rows.Next() {
				var id string
				if rows.Scan(&id) == nil {
					gone[id] = true
				}
			}
		}})
	if err != nil {
		return nil, err
	}
	out := ms[:0]
	for _, m := range ms {
		if gone[m.ID] {
			out = append(out, m)
		}
	}
	return out, nil
}

// expireDeliveriesSQL deletes, oldest finished first, the next chunk of
// deliveries that finished before the cut, with their attempts, in one
// statement; the chunk's predicate is that of the index deliveries_finished.
// Foreign keys are checked at the end of the statement, when the attempts are
// gone too.
const expireDeliveriesSQL = `WITH chunk AS (
		SELECT id FROM deliveries WHERE state <> 'pending' AND updated_at < $1 ORDER BY updated_at LIMIT $2),
	dropped AS (DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM chunk))
	DELETE FROM deliveries WHERE id IN (SELECT id FROM chunk)`

// ExpireDeliveries deletes up to limit deliveries that were delivered or given up
// before before, with their attempts, in one write, and returns how many.
func (s *Store) ExpireDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	var n int64
	err := s.w.do(ctx, op{sql: expireDeliveriesSQL, args: []any{sqlrow.Nanos(before), limit}, what: "expired deliveries",
		tag: func(t pgconn.CommandTag) { n = t.RowsAffected() }})
	return int(n), err
}
