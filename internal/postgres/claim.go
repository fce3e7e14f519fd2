package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// headSQL is the seq of the head of the key of delivery d: its pending
// delivery of least (coalesce(ord, seq), seq), the first entry of the key in
// deliveries_key. A scalar subquery with a LIMIT is a probe per delivery
// whatever the planner thinks of the table; a semi-join over a key with a long
// backlog would compare every pair of its deliveries.
const headSQL = `(SELECT o.seq FROM deliveries o
	WHERE o.state = 'pending' AND o.target_id = d.target_id
		AND o.phone_number_id = d.phone_number_id AND o.wa_id = d.wa_id
	ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT 1)`

// claimableSQL holds for a delivery d a claim looks at: pending, not parked,
// due ($3 is now), and under no live lease. It walks deliveries_unparked in seq
// order.
const claimableSQL = `d.state = 'pending' AND d.parked_until = 0 AND d.next_attempt_at <= $3
	AND d.lease_until <= $3`

// claimDeliveriesSQL leases the heads among the claimable deliveries, oldest
// first, up to $4, and with each head the deliveries right behind it in its
// key's order, up to $5 in all: the run of the key that is due and under no
// live lease. All go to $1 until $2, unparked. FOR UPDATE SKIP LOCKED makes
// nodes claiming at once pass over each other's heads instead of waiting for
// them, and a head another node leased meanwhile fails the lease test when it
// is locked and checked again. The deliveries behind a head are not locked
// first: no other node claims them while their head is pending, since only
// heads are claimed. The key's first $5 pending deliveries are one range of
// deliveries_key; the run is their prefix that is due and unleased.
const claimDeliveriesSQL = `WITH heads AS (
		SELECT d.seq, d.target_id, d.phone_number_id, d.wa_id FROM deliveries d
		WHERE ` + claimableSQL + ` AND d.seq = ` + headSQL + `
		ORDER BY d.seq LIMIT $4
		FOR UPDATE SKIP LOCKED),
	runs AS (
		SELECT r.seq, r.head, r.pos FROM (
			SELECT k.seq, h.seq AS head, row_number() OVER w AS pos, bool_and(k.ok) OVER w AS run
			FROM heads h CROSS JOIN LATERAL (
				SELECT o.seq, coalesce(o.ord, o.seq) AS o1, o.next_attempt_at <= $3 AND o.lease_until <= $3 AS ok
				FROM deliveries o
				WHERE o.state = 'pending' AND o.target_id = h.target_id
					AND o.phone_number_id = h.phone_number_id AND o.wa_id = h.wa_id
				ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT $5) k
			WINDOW w AS (PARTITION BY h.seq ORDER BY k.o1, k.seq)) r
		WHERE r.run)
	UPDATE deliveries SET lease_owner = $1, lease_until = $2, parked_until = 0 FROM runs
	WHERE deliveries.seq = runs.seq AND deliveries.lease_until <= $3
	RETURNING ` + claimedCols + `, runs.head, runs.pos`

// claimedCols is sqlrow.DeliveryCols of the updated table, then its seq.
const claimedCols = `deliveries.id, deliveries.dialect, deliveries.target_id, deliveries.waba_id,
	deliveries.phone_number_id, deliveries.wa_id, deliveries.message_id, deliveries.event, deliveries.body,
	deliveries.state, deliveries.attempts, deliveries.next_attempt_at, deliveries.created_at,
	deliveries.updated_at, deliveries.last_status, deliveries.last_error, deliveries.seq`

// unparkExpiredSQL brings back the parks that ran out by $1 (now), to be
// looked at once more.
const unparkExpiredSQL = `UPDATE deliveries SET parked_until = 0
	WHERE state = 'pending' AND parked_until <> 0 AND parked_until <= $1`

// behindSQL is the claimable deliveries (at $1, now) behind the heads of
// their keys, with their keys' lock numbers.
const behindSQL = `SELECT d.seq, wabi_key_lock(d.target_id, d.phone_number_id, d.wa_id) AS k
	FROM deliveries d
	WHERE d.state = 'pending' AND d.parked_until = 0 AND d.next_attempt_at <= $1
		AND d.lease_until <= $1 AND d.seq <> ` + headSQL

// lockKeysSQL takes, without waiting, the advisory locks of the keys of the
// deliveries behindSQL finds, and returns the keys it locked: a key whose head
// is finishing on another node holds its lock, and is passed over.
const lockKeysSQL = `SELECT k FROM (SELECT DISTINCT k FROM (` + behindSQL + `) b) keys
	WHERE pg_try_advisory_xact_lock(k)`

// parkSQL parks until $2 the deliveries behind the heads of the keys in $3,
// which this transaction has locked, as a fresh look at them (at $1, now)
// finds them: after the locks, so that no head of those keys finishes meanwhile
// (the deliveries_unpark trigger takes the same lock). Rows locked by a claim
// are skipped.
const parkSQL = `WITH behind AS (
		SELECT b.seq FROM (` + behindSQL + `) b WHERE b.k = ANY($3)),
	locked AS (
		SELECT d.seq FROM deliveries d JOIN behind ON d.seq = behind.seq FOR UPDATE OF d SKIP LOCKED)
	UPDATE deliveries SET parked_until = $2 FROM locked WHERE deliveries.seq = locked.seq`

// requeueDeliverySQL moves a delivery behind every pending one of its key,
// unparked: a fresh value of seq's own sequence is above every seq given so far
// and below every seq given later.
const requeueDeliverySQL = `UPDATE deliveries SET parked_until = 0,
	ord = nextval(pg_get_serial_sequence('deliveries', 'seq'))
	WHERE id = $1`

// unparkHeadSQL unparks the head of the key of delivery $1, which a requeue
// may have changed.
const unparkHeadSQL = `UPDATE deliveries SET parked_until = 0
	WHERE seq = (SELECT o.seq FROM deliveries o JOIN deliveries d ON d.id = $1
			WHERE o.state = 'pending' AND o.target_id = d.target_id
				AND o.phone_number_id = d.phone_number_id AND o.wa_id = d.wa_id
			ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT 1)
		AND parked_until <> 0`

// ClaimDeliveries leases to owner the due deliveries that lead their keys and
// that no live lease holds, up to limit keys, oldest head first, each with up
// to run deliveries of its key in order.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, run int) ([]*wabi.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	run = max(run, 1)
	type claimed struct {
		d              *wabi.Delivery
		seq, head, pos int64
	}
	// A claim is one statement of its own, not part of the group commit: its
	// scan grows with the backlog, and sends must not wait for it.
	rows, err := s.pool.Query(ctx, claimDeliveriesSQL, owner, sqlrow.Nanos(now.Add(lease)), sqlrow.Nanos(now), limit, run)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	var got []claimed
	for rows.Next() {
		var c claimed
		if c.d, err = sqlrow.ScanDelivery(sqlrow.Extra(rows, &c.seq, &c.head, &c.pos)); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	heads := 0
	for _, c := range got {
		if c.pos == 1 {
			heads++
		}
	}
	if heads < limit {
		// A short claim looked at every claimable delivery: park those behind
		// their heads, so that the next claims need not look at them again.
		if err := s.park(ctx, now, now.Add(lease)); err != nil {
			return nil, fmt.Errorf("postgres: park deliveries: %w", err)
		}
	}
	// RETURNING gives rows in no promised order: keys by their heads, oldest
	// first, and each key's run in its order.
	slices.SortFunc(got, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.head, b.head), cmp.Compare(a.pos, b.pos))
	})
	ds := make([]*wabi.Delivery, len(got))
	for i, c := range got {
		ds[i] = c.d
	}
	return ds, nil
}

// park parks until the deliveries behind the heads of their keys, in one
// transaction: first the keys are locked (those whose head is finishing are
// passed over), then the deliveries behind them are found again and parked.
func (s *Store) park(ctx context.Context, now, until time.Time) error {
	if _, err := s.pool.Exec(ctx, unparkExpiredSQL, sqlrow.Nanos(now)); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, lockKeysSQL, sqlrow.Nanos(now))
	if err != nil {
		return err
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, parkSQL, sqlrow.Nanos(now), sqlrow.Nanos(until), keys); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
