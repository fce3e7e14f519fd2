package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// Retention deletes in small writes: each call is one writer request, so a sweep
// of a large backlog never holds the group commit for long, and the writes of
// others queued meanwhile go before the sweep's next request.

// numbersSQL lists the numbers that have messages, one index seek each (a skip
// scan of messages_time), however many messages each has.
const numbersSQL = `WITH RECURSIVE nums(id) AS (
		SELECT (SELECT min(phone_number_id) FROM messages)
		UNION ALL
		SELECT (SELECT min(phone_number_id) FROM messages WHERE phone_number_id > nums.id)
			FROM nums WHERE nums.id IS NOT NULL)
	SELECT id FROM nums WHERE id IS NOT NULL`

// expiredSQL reads a number's messages older than the cut, oldest first, in the
// order of the index messages_time.
const expiredSQL = "SELECT " + sqlrow.MessageCols + ` FROM messages
	WHERE phone_number_id = ?1 AND timestamp < ?2 ORDER BY timestamp, seq LIMIT ?3`

// ExpireMessages deletes up to limit messages older than before, whatever their
// number, direction or status, and returns the ones it deleted. The messages are
// read on the read pool; the one write copies what analytics count of them to
// message_history and deletes them, checking the cut again.
func (s *Store) ExpireMessages(ctx context.Context, before time.Time, limit int) ([]*wabi.Message, error) {
	if limit <= 0 {
		limit = 100
	}
	nums, err := list(ctx, s.rdb, func(sc sqlrow.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, numbersSQL)
	if err != nil {
		return nil, err
	}
	ms, err := sqlrow.Gather(nums, limit, func(pn string, want int) ([]*wabi.Message, error) {
		return list(ctx, s.rdb, sqlrow.ScanMessage, expiredSQL, pn, sqlrow.Nanos(before), want)
	})
	if err != nil || len(ms) == 0 {
		return ms, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	idsJSON, err := sqlrow.ToJSON(ids)
	if err != nil {
		return nil, err
	}
	gone := make(map[string]bool, len(ms))
	err = s.w.do(ctx, func(t *wtx) error {
		clear(gone) // a retried request starts afresh
		args := []any{idsJSON, sqlrow.Nanos(before)}
		if _, err := t.exec(`INSERT INTO message_history
			(phone_number_id, wa_id, direction, timestamp, status, status_rank, category)
			SELECT phone_number_id, wa_id, direction, timestamp, status, status_rank, category FROM messages
			WHERE id IN (SELECT value FROM json_each(?1)) AND timestamp < ?2`, args...); err != nil {
			return fmt.Errorf("sqlite: keep history of messages: %w", err)
		}
		// Another collection may have taken some meanwhile: RETURNING says which
		// ones this write deleted.
		rows, err := t.conn.QueryContext(t.ctx, `DELETE FROM messages
			WHERE id IN (SELECT value FROM json_each(?1)) AND timestamp < ?2 RETURNING id`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: delete messages: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("sqlite: delete messages: %w", err)
			}
			gone[id] = true
		}
		return rows.Err()
	})
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

// finishedSQL selects, oldest finished first, the next chunk of deliveries that
// finished before the cut; its predicate is that of the index deliveries_finished.
const finishedSQL = ` FROM deliveries WHERE state != 'pending' AND updated_at < ?1 ORDER BY updated_at LIMIT ?2`

// ExpireDeliveries deletes up to limit deliveries that were delivered or given up
// before before, with their attempts, in one write, and returns how many.
func (s *Store) ExpireDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	var n int64
	err := s.w.do(ctx, func(t *wtx) error {
		// Both statements select the same chunk: they run back to back in one
		// savepoint of the only writer.
		args := []any{sqlrow.Nanos(before), limit}
		if _, err := t.exec("DELETE FROM attempts WHERE delivery_id IN (SELECT id"+finishedSQL+")", args...); err != nil {
			return fmt.Errorf("sqlite: delete attempts: %w", err)
		}
		res, err := t.exec("DELETE FROM deliveries WHERE seq IN (SELECT seq"+finishedSQL+")", args...)
		if err != nil {
			return fmt.Errorf("sqlite: delete deliveries: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
