package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// AddReach records a customer reached unless it would take the business past
// its limit. The check and the write run in one request of the writer, which
// alone writes the database, so no other reach slips in between.
func (s *Store) AddReach(ctx context.Context, r wabi.Reach, since time.Time, limit int) (wabi.ReachResult, error) {
	var res wabi.ReachResult
	err := s.w.do(ctx, func(t *wtx) error {
		res = wabi.ReachResult{}
		var one int
		err := t.conn.QueryRowContext(t.ctx,
			"SELECT 1 FROM reach WHERE business_id = ? AND wa_id = ? AND at > ? LIMIT 1",
			r.BusinessID, r.WaID, sqlrow.Nanos(since)).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res.New = true
		case err != nil:
			return fmt.Errorf("sqlite: read reach: %w", err)
		}
		if res.New && limit >= 0 {
			if err := t.conn.QueryRowContext(t.ctx,
				"SELECT count(DISTINCT wa_id) FROM reach WHERE business_id = ? AND at > ?",
				r.BusinessID, sqlrow.Nanos(since)).Scan(&res.Count); err != nil {
				return fmt.Errorf("sqlite: count reach: %w", err)
			}
			if res.Count >= limit {
				return nil
			}
			res.Count++
		}
		if _, err := t.exec(`INSERT INTO reach (business_id, wa_id, phone_number_id, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (business_id, wa_id, phone_number_id) DO UPDATE SET at = max(at, excluded.at)`,
			r.BusinessID, r.WaID, r.PhoneNumberID, sqlrow.Nanos(r.At)); err != nil {
			return fmt.Errorf("sqlite: write reach: %w", err)
		}
		res.OK = true
		return nil
	})
	if err != nil {
		return wabi.ReachResult{}, err
	}
	return res, nil
}

// Reached counts the unique customers of a business, or of one of its
// numbers, reached after since.
func (s *Store) Reached(ctx context.Context, businessID, phoneNumberID string, since time.Time) (int, error) {
	query, args := "SELECT count(DISTINCT wa_id) FROM reach WHERE business_id = ? AND at > ?", []any{businessID, sqlrow.Nanos(since)}
	if phoneNumberID != "" {
		query = "SELECT count(DISTINCT wa_id) FROM reach WHERE phone_number_id = ? AND at > ? AND business_id = ?"
		args = []any{phoneNumberID, sqlrow.Nanos(since), businessID}
	}
	var n int
	if err := s.rdb.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count reach: %w", err)
	}
	return n, nil
}

// AddFeedback records a block, unblock or report. Who blocks the number now
// and the history of blocks change in one request of the writer.
func (s *Store) AddFeedback(ctx context.Context, f wabi.Feedback) (bool, error) {
	var changed bool
	err := s.w.do(ctx, func(t *wtx) error {
		changed = false
		var res sql.Result
		var err error
		switch f.Kind {
		case wabi.FeedbackBlock:
			res, err = t.exec("INSERT INTO reach_blocks (phone_number_id, wa_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
				f.PhoneNumberID, f.WaID, sqlrow.Nanos(f.At))
		case wabi.FeedbackUnblock:
			res, err = t.exec("DELETE FROM reach_blocks WHERE phone_number_id = ? AND wa_id = ?", f.PhoneNumberID, f.WaID)
		case wabi.FeedbackReport:
		default:
			return wabi.Errorf(wabi.EInvalidParam, "feedback kind %q is not block, unblock or report", f.Kind)
		}
		if err != nil {
			return fmt.Errorf("sqlite: write blocks: %w", err)
		}
		if res != nil {
			n, err := res.RowsAffected()
			if err != nil || n == 0 {
				return err
			}
		}
		changed = true
		if f.Kind == wabi.FeedbackUnblock {
			return nil
		}
		if _, err := t.exec("INSERT INTO reach_feedback (phone_number_id, wa_id, kind, at) VALUES (?, ?, ?, ?)",
			f.PhoneNumberID, f.WaID, string(f.Kind), sqlrow.Nanos(f.At)); err != nil {
			return fmt.Errorf("sqlite: write feedback: %w", err)
		}
		return nil
	})
	return changed && err == nil, err
}

// CountFeedback counts the blocks and reports of a number made after since.
func (s *Store) CountFeedback(ctx context.Context, phoneNumberID string, since time.Time) (wabi.FeedbackCount, error) {
	var c wabi.FeedbackCount
	err := s.rdb.QueryRowContext(ctx, `SELECT
			coalesce(sum(kind = 'block'), 0), coalesce(sum(kind = 'report'), 0)
		FROM reach_feedback WHERE phone_number_id = ? AND at > ?`,
		phoneNumberID, sqlrow.Nanos(since)).Scan(&c.Blocks, &c.Reports)
	if err != nil {
		return wabi.FeedbackCount{}, fmt.Errorf("sqlite: count feedback: %w", err)
	}
	return c, nil
}

// Blockers lists who blocks a number now, by wa_id.
func (s *Store) Blockers(ctx context.Context, phoneNumberID string) ([]string, error) {
	return list(ctx, s.rdb, func(sc sqlrow.Scanner) (string, error) {
		var waID string
		err := sc.Scan(&waID)
		return waID, err
	}, "SELECT wa_id FROM reach_blocks WHERE phone_number_id = ? ORDER BY wa_id", phoneNumberID)
}

// ExpireReach forgets reaches, blocks and reports made before before.
func (s *Store) ExpireReach(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.w.do(ctx, func(t *wtx) error {
		n = 0
		for _, q := range []string{"DELETE FROM reach WHERE at < ?", "DELETE FROM reach_feedback WHERE at < ?"} {
			res, err := t.exec(q, sqlrow.Nanos(before))
			if err != nil {
				return fmt.Errorf("sqlite: expire reach: %w", err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	return int(n), err
}
