package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

const insertDeliverySQL = "INSERT INTO deliveries (" + sqlrow.DeliveryCols + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// updateDeliverySQL saves what an attempt changes and ends the delivery's lease;
// the body and the ordering key never change once queued.
const updateDeliverySQL = `UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?,
	updated_at = ?, last_status = ?, last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ?`

// requeueDeliverySQL moves a pending delivery behind the other pending ones of
// its key, unparked. Only manual redeliveries run it, so it is not prepared.
const requeueDeliverySQL = `UPDATE deliveries SET parked_until = 0, ord = (
	SELECT max(coalesce(o.ord, o.seq)) + 1 FROM deliveries o
	WHERE o.state = 'pending' AND o.target_id = deliveries.target_id
		AND o.phone_number_id = deliveries.phone_number_id AND o.wa_id = deliveries.wa_id)
	WHERE id = ?`

// unparkHeadSQL unparks the head of the key of delivery ?, which a requeue may
// have changed.
const unparkHeadSQL = `UPDATE deliveries SET parked_until = 0
	WHERE seq = (SELECT o.seq FROM deliveries o JOIN deliveries d ON d.id = ?
			WHERE o.state = 'pending' AND o.target_id = d.target_id
				AND o.phone_number_id = d.phone_number_id AND o.wa_id = d.wa_id
			ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT 1)
		AND parked_until <> 0`

// behindSQL holds for a delivery d that is not the head of its key: some
// pending delivery of the key comes first in (coalesce(ord, seq), seq). It is
// one range probe of deliveries_key (the <= is what lets SQLite bound the
// range; the row values break ties).
const behindSQL = `EXISTS (SELECT 1 FROM deliveries o
	WHERE o.state = 'pending' AND o.target_id = d.target_id
		AND o.phone_number_id = d.phone_number_id AND o.wa_id = d.wa_id
		AND coalesce(o.ord, o.seq) <= coalesce(d.ord, d.seq)
		AND (coalesce(o.ord, o.seq), o.seq) < (coalesce(d.ord, d.seq), d.seq))`

// claimableSQL holds for a delivery d a claim looks at: pending, not parked,
// due, and under no live lease. It walks deliveries_unparked in seq order.
const claimableSQL = `d.state = 'pending' AND d.parked_until = 0 AND d.next_attempt_at <= @now
	AND d.lease_until <= @now`

// claimDeliveriesSQL leases the heads among the claimable deliveries, oldest
// first, and stops at the limit.
const claimDeliveriesSQL = `UPDATE deliveries SET lease_owner = @owner, lease_until = @until
	WHERE seq IN (
		SELECT d.seq FROM deliveries d WHERE ` + claimableSQL + ` AND NOT ` + behindSQL + `
		ORDER BY d.seq LIMIT @limit)
	RETURNING ` + sqlrow.DeliveryCols + ", seq"

// unparkExpiredSQL brings back the parked deliveries whose park ran out, for the
// next claims to look at again.
const unparkExpiredSQL = `UPDATE deliveries SET parked_until = 0
	WHERE state = 'pending' AND parked_until <> 0 AND parked_until <= @now`

// parkSQL parks the claimable deliveries that are behind the heads of their
// keys until @until: they cannot be claimed before their heads finish, which
// unparks them (the deliveries_unpark trigger).
const parkSQL = `UPDATE deliveries AS d SET parked_until = @until WHERE ` + claimableSQL + ` AND ` + behindSQL

const insertAttemptSQL = "INSERT INTO attempts (" + sqlrow.AttemptCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"

// deliveryArgs returns the values of sqlrow.DeliveryCols; the last error is TEXT.
func deliveryArgs(d *wabi.Delivery) []any {
	return []any{d.ID, d.Dialect, d.TargetID, d.WABAID, d.PhoneNumberID, d.WaID, d.MessageID, d.Event,
		sqlrow.DeliveryBody(d), string(d.State), d.Attempts, sqlrow.Nanos(d.NextAttemptAt),
		sqlrow.Nanos(d.CreatedAt), sqlrow.Nanos(d.UpdatedAt), d.LastStatus, d.LastError}
}

// deliveryUpdate is a DeliveryUpdate ready for the writer.
type deliveryUpdate struct {
	id      string
	args    []any
	attempt []any // nil if nothing was attempted
	requeue bool
}

// RecordAttempts saves the new state of each delivery and its attempt, all or
// nothing; ENotFound if a delivery does not exist.
func (s *Store) RecordAttempts(ctx context.Context, us []wabi.DeliveryUpdate) error {
	if len(us) == 0 {
		return nil
	}
	ups := make([]deliveryUpdate, len(us))
	for i, u := range us {
		d := u.Delivery
		ups[i] = deliveryUpdate{id: d.ID, requeue: u.Requeue, args: []any{string(d.State), d.Attempts,
			sqlrow.Nanos(d.NextAttemptAt), sqlrow.Nanos(d.UpdatedAt), d.LastStatus, d.LastError, d.ID}}
		if a := u.Attempt; a != nil {
			id := a.DeliveryID
			if id == "" {
				id = d.ID
			}
			ups[i].attempt = []any{id, a.N, sqlrow.Nanos(a.At), a.URL, a.StatusCode, a.Error, a.Response, int64(a.Latency)}
		}
	}
	return s.w.do(ctx, func(t *wtx) error {
		for _, u := range ups {
			what := "delivery " + u.id
			res, err := t.st.updateDelivery.ExecContext(t.ctx, u.args...)
			if err != nil {
				return writeError(err, what, "")
			}
			n, err := res.RowsAffected()
			if err != nil {
				return writeError(err, what, "")
			}
			if n == 0 {
				return notFound(what)
			}
			if u.requeue {
				if _, err := t.exec(requeueDeliverySQL, u.id); err != nil {
					return writeError(err, what, "")
				}
				if _, err := t.exec(unparkHeadSQL, u.id); err != nil {
					return writeError(err, what, "")
				}
			}
			if u.attempt == nil {
				continue
			}
			if _, err := t.st.insertAttempt.ExecContext(t.ctx, u.attempt...); err != nil {
				return writeError(err, "attempt of "+what, "delivery "+u.attempt[0].(string))
			}
		}
		return nil
	})
}

// Delivery returns a delivery; ENotFound if there is none.
func (s *Store) Delivery(ctx context.Context, id string) (*wabi.Delivery, error) {
	d, err := sqlrow.ScanDelivery(s.rdb.QueryRowContext(ctx, "SELECT "+sqlrow.DeliveryCols+" FROM deliveries WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "delivery "+id)
	}
	return d, nil
}

// Deliveries lists the deliveries that match f, newest first. AppID matches the
// delivery's target. A BeforeID that names no delivery yields an empty page.
func (s *Store) Deliveries(ctx context.Context, f wabi.DeliveryFilter) ([]*wabi.Delivery, error) {
	var w where
	w.eq("target_id", f.AppID)
	w.eq("dialect", f.Dialect)
	w.eq("message_id", f.MessageID)
	w.eq("state", string(f.State))
	if f.BeforeID != "" {
		w.add("seq < (SELECT seq FROM deliveries WHERE id = ?)", f.BeforeID)
	}
	return list(ctx, s.rdb, sqlrow.ScanDelivery,
		"SELECT "+sqlrow.DeliveryCols+" FROM deliveries"+w.String()+" ORDER BY seq DESC LIMIT ?",
		append(w.args, limit(f.Limit))...)
}

// pendingSeqsSQL selects every pending delivery through the two partial
// indexes that hold them: deliveries_unparked and deliveries_parked.
const pendingSeqsSQL = `SELECT seq FROM deliveries WHERE state = 'pending' AND parked_until = 0
	UNION ALL SELECT seq FROM deliveries WHERE state = 'pending' AND parked_until <> 0`

// PendingDeliveries returns every pending delivery, oldest first.
func (s *Store) PendingDeliveries(ctx context.Context) ([]*wabi.Delivery, error) {
	return list(ctx, s.rdb, sqlrow.ScanDelivery,
		"SELECT "+sqlrow.DeliveryCols+" FROM deliveries WHERE seq IN ("+pendingSeqsSQL+") ORDER BY seq")
}

// CountPending counts the pending deliveries.
func (s *Store) CountPending(ctx context.Context) (int, error) {
	var n int
	err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM deliveries WHERE state = 'pending'").Scan(&n)
	return n, err
}

// Attempts lists a delivery's attempts, first first. A delivery with no
// attempts, or none at all, has an empty list.
func (s *Store) Attempts(ctx context.Context, deliveryID string) ([]*wabi.Attempt, error) {
	return list(ctx, s.rdb, sqlrow.ScanAttempt,
		"SELECT "+sqlrow.AttemptCols+" FROM attempts WHERE delivery_id = ? ORDER BY n, seq", deliveryID)
}

// runSQL lists the first pending deliveries of the key of the delivery of seq
// @head, in the key's order, with whether each is due at @now and under no
// live lease: the run a claim of that head may take is their prefix that is.
const runSQL = `SELECT o.seq, o.next_attempt_at <= @now AND o.lease_until <= @now
	FROM deliveries o JOIN deliveries d ON d.seq = @head
	WHERE o.state = 'pending' AND o.target_id = d.target_id
		AND o.phone_number_id = d.phone_number_id AND o.wa_id = d.wa_id
	ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT @run`

// leaseSQL leases the delivery of seq @seq, behind a head just claimed.
const leaseSQL = `UPDATE deliveries SET lease_owner = @owner, lease_until = @until, parked_until = 0
	WHERE seq = @seq
	RETURNING ` + sqlrow.DeliveryCols + ", seq"

// ClaimDeliveries leases to owner the due deliveries that lead their keys and
// that no live lease holds, up to limit keys, oldest head first, each with up
// to run deliveries of its key in order: the head and those right behind it
// that are due and unleased. The claim is one write: two stores on one file
// take turns at the database's write lock, so they never claim the same
// delivery.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, run int) ([]*wabi.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	type claimed struct {
		d   *wabi.Delivery
		seq int64
	}
	var got []claimed
	var ds []*wabi.Delivery
	err := s.w.do(ctx, func(t *wtx) error {
		got, ds = got[:0], ds[:0]
		ownerArg := sql.Named("owner", owner)
		until := sql.Named("until", sqlrow.Nanos(now.Add(lease)))
		nowArg := sql.Named("now", sqlrow.Nanos(now))
		rows, err := t.conn.QueryContext(t.ctx, claimDeliveriesSQL,
			ownerArg, until, nowArg, sql.Named("limit", limit))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c claimed
			var err error
			c.d, err = sqlrow.ScanDelivery(sqlrow.Extra(rows, &c.seq))
			if err != nil {
				return err
			}
			got = append(got, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		// RETURNING gives rows in no promised order.
		slices.SortFunc(got, func(a, b claimed) int { return cmp.Compare(a.seq, b.seq) })
		for _, head := range got {
			ds = append(ds, head.d)
			if run <= 1 {
				continue
			}
			behind, err := s.runBehind(t, head.seq, nowArg, run)
			if err != nil {
				return err
			}
			for _, seq := range behind {
				d, err := sqlrow.ScanDelivery(sqlrow.Extra(t.conn.QueryRowContext(t.ctx, leaseSQL,
					ownerArg, until, sql.Named("seq", seq)), new(int64)))
				if err != nil {
					return err
				}
				ds = append(ds, d)
			}
		}
		if len(got) == limit {
			return nil
		}
		// A short claim looked at every claimable delivery: park those behind
		// their heads, so that the next claims need not look at them again.
		// Parks that ran out come back first, to be looked at once more.
		if _, err := t.conn.ExecContext(t.ctx, unparkExpiredSQL, nowArg); err != nil {
			return err
		}
		_, err = t.conn.ExecContext(t.ctx, parkSQL, until, nowArg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	return ds, nil
}

// runBehind returns the seqs of the deliveries right behind the head of seq
// head, in its key's order, that a claim of up to run deliveries may take with
// it: due at now and under no live lease, up to the first that is not.
func (s *Store) runBehind(t *wtx, head int64, now sql.NamedArg, run int) ([]int64, error) {
	rows, err := t.conn.QueryContext(t.ctx, runSQL, now, sql.Named("head", head), sql.Named("run", run))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		var ok bool
		if err := rows.Scan(&seq, &ok); err != nil {
			return nil, err
		}
		if seq == head {
			// Leased by this claim already.
			continue
		}
		if !ok {
			break
		}
		seqs = append(seqs, seq)
	}
	return seqs, rows.Err()
}
