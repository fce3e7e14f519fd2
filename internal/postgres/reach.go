package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// reachLockSQL takes the business's advisory lock until the transaction ends:
// the reaches of one business, from any node, are checked and written one at
// a time, so that two never both take its last place.
const reachLockSQL = "SELECT pg_advisory_xact_lock(wabi_reach_lock($1))"

// addReachSQL checks and records a reach in one statement, which reads the
// window after the lock is taken (each statement of a READ COMMITTED
// transaction sees what committed before it began). It returns whether the
// customer was in the window and, for a new one under a limit, how many were.
// $1 business, $2 customer, $3 number, $4 at, $5 since, $6 limit.
const addReachSQL = `WITH seen AS (
	SELECT EXISTS (SELECT 1 FROM reach WHERE business_id = $1 AND wa_id = $2 AND at > $5) AS seen
), counted AS (
	SELECT seen, CASE WHEN seen OR $6::bigint < 0 THEN 0
		ELSE (SELECT count(DISTINCT wa_id) FROM reach WHERE business_id = $1 AND at > $5) END AS n
	FROM seen
), ins AS (
	INSERT INTO reach (business_id, wa_id, phone_number_id, at)
	SELECT $1, $2, $3, $4 FROM counted WHERE seen OR $6::bigint < 0 OR n < $6::bigint
	ON CONFLICT (business_id, wa_id, phone_number_id) DO UPDATE SET at = greatest(reach.at, excluded.at)
)
SELECT seen, n FROM counted`

// AddReach records a customer reached unless it would take the business past
// its limit.
func (s *Store) AddReach(ctx context.Context, r wabi.Reach, since time.Time, limit int) (wabi.ReachResult, error) {
	var seen bool
	var n int64
	var scanErr error
	err := s.w.do(ctx,
		op{sql: reachLockSQL, args: []any{r.BusinessID}, what: "reach lock"},
		op{sql: addReachSQL, args: []any{r.BusinessID, r.WaID, r.PhoneNumberID, sqlrow.Nanos(r.At), sqlrow.Nanos(since), int64(limit)},
			what: "reach", rows: func(rows pgx.Rows) {
				seen, n, scanErr = false, 0, nil // a group sent again starts afresh
				for rows.Next() {
					scanErr = rows.Scan(&seen, &n)
				}
			}})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return wabi.ReachResult{}, fmt.Errorf("postgres: reach: %w", err)
	}
	res := wabi.ReachResult{New: !seen, OK: seen || limit < 0 || int(n) < limit}
	if res.New && limit >= 0 {
		res.Count = int(n)
		if res.OK {
			res.Count++
		}
	}
	return res, nil
}

// Reached counts the unique customers of a business, or of one of its
// numbers, reached after since.
func (s *Store) Reached(ctx context.Context, businessID, phoneNumberID string, since time.Time) (int, error) {
	query, args := "SELECT count(DISTINCT wa_id) FROM reach WHERE business_id = $1 AND at > $2", []any{businessID, sqlrow.Nanos(since)}
	if phoneNumberID != "" {
		query = "SELECT count(DISTINCT wa_id) FROM reach WHERE phone_number_id = $1 AND at > $2 AND business_id = $3"
		args = []any{phoneNumberID, sqlrow.Nanos(since), businessID}
	}
	var n int
	if err := s.pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: count reach: %w", err)
	}
	return n, nil
}

// Feedback statements: each changes who blocks the number and the history of
// blocks in one statement, and its row count says whether it changed
// anything. $1 number, $2 customer, $3 at.
const (
	blockSQL = `WITH b AS (
		INSERT INTO reach_blocks (phone_number_id, wa_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1
	) INSERT INTO reach_feedback (phone_number_id, wa_id, kind, at) SELECT $1, $2, 'block', $3 FROM b`
	unblockSQL = "DELETE FROM reach_blocks WHERE phone_number_id = $1 AND wa_id = $2"
	reportSQL  = "INSERT INTO reach_feedback (phone_number_id, wa_id, kind, at) VALUES ($1, $2, 'report', $3)"
)

// AddFeedback records a block, unblock or report.
func (s *Store) AddFeedback(ctx context.Context, f wabi.Feedback) (bool, error) {
	o := op{what: "feedback", args: []any{f.PhoneNumberID, f.WaID, sqlrow.Nanos(f.At)}}
	switch f.Kind {
	case wabi.FeedbackBlock:
		o.sql = blockSQL
	case wabi.FeedbackUnblock:
		o.sql, o.args = unblockSQL, o.args[:2]
	case wabi.FeedbackReport:
		o.sql = reportSQL
	default:
		return false, wabi.Errorf(wabi.EInvalidParam, "feedback kind %q is not block, unblock or report", f.Kind)
	}
	var n int64
	o.tag = func(t pgconn.CommandTag) { n = t.RowsAffected() }
	if err := s.w.do(ctx, o); err != nil {
		return false, err
	}
	return n > 0, nil
}

// CountFeedback counts the blocks and reports of a number made after since.
func (s *Store) CountFeedback(ctx context.Context, phoneNumberID string, since time.Time) (wabi.FeedbackCount, error) {
	var c wabi.FeedbackCount
	err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'block'), count(*) FILTER (WHERE kind = 'report')
		FROM reach_feedback WHERE phone_number_id = $1 AND at > $2`,
		phoneNumberID, sqlrow.Nanos(since)).Scan(&c.Blocks, &c.Reports)
	if err != nil {
		return wabi.FeedbackCount{}, fmt.Errorf("postgres: count feedback: %w", err)
	}
	return c, nil
}

// Blockers lists who blocks a number now, by wa_id.
func (s *Store) Blockers(ctx context.Context, phoneNumberID string) ([]string, error) {
	return list(ctx, s.pool, func(sc sqlrow.Scanner) (string, error) {
		var waID string
		err := sc.Scan(&waID)
		return waID, err
	}, "SELECT wa_id FROM reach_blocks WHERE phone_number_id = $1 ORDER BY wa_id", phoneNumberID)
}

// ExpireReach forgets reaches, blocks and reports made before before.
func (s *Store) ExpireReach(ctx context.Context, before time.Time) (int, error) {
	var a, b int64
	err := s.w.do(ctx,
		op{sql: "DELETE FROM reach WHERE at < $1", args: []any{sqlrow.Nanos(before)}, what: "reach",
			tag: func(t pgconn.CommandTag) { a = t.RowsAffected() }},
		op{sql: "DELETE FROM reach_feedback WHERE at < $1", args: []any{sqlrow.Nanos(before)}, what: "feedback",
			tag: func(t pgconn.CommandTag) { b = t.RowsAffected() }})
	return int(a + b), err
}
