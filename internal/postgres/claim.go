package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

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
// first, up to $4, to $1 until $2. FOR UPDATE SKIP LOCKED makes nodes claiming
// at once pass over each other's rows instead of waiting for them, and a row
// another node leased meanwhile fails the lease test when it is locked and
// checked again.
const claimDeliveriesSQL = `WITH heads AS (
		SELECT d.seq FROM deliveries d WHERE ` + claimableSQL + ` AND d.seq = ` + headSQL + `
		ORDER BY d.seq LIMIT $4
		FOR UPDATE SKIP LOCKED)
	UPDATE deliveries SET lease_owner = $1, lease_until = $2 FROM heads WHERE deliveries.seq = heads.seq
	RETURNING ` + claimedCols

// claimedCols is deliveryCols of the updated table, then its seq.
const claimedCols = `deliveries.id, deliveries.dialect, deliveries.target_id, deliveries.waba_id,
	deliveries.phone_number_id, deliveries.wa_id, deliveries.message_id, deliveries.event, deliveries.body,
	deliveries.state, deliveries.attempts, deliveries.next_attempt_at, deliveries.created_at,
	deliveries.updated_at, deliveries.last_status, deliveries.last_error, deliveries.seq`

// parkSQL parks the claimable deliveries that are behind the heads of their
// keys until $1: they cannot be claimed before their heads finish, which
// unparks them (the deliveries_unpark trigger). First, parks that ran out by
// $2 (now) come back, to be looked at once more. Rows locked by a claim are
// skipped.
const parkSQL = `WITH expired AS (
		UPDATE deliveries SET parked_until = 0
		WHERE state = 'pending' AND parked_until <> 0 AND parked_until <= $2),
	behind AS (
		SELECT d.seq FROM deliveries d
		WHERE d.state = 'pending' AND d.parked_until = 0 AND d.next_attempt_at <= $2
			AND d.lease_until <= $2 AND d.seq <> ` + headSQL + `
		FOR UPDATE SKIP LOCKED)
	UPDATE deliveries SET parked_until = $1 FROM behind WHERE deliveries.seq = behind.seq`

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
// that no live lease holds, up to limit, oldest first.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*wabi.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	type claimed struct {
		d   *wabi.Delivery
		seq int64
	}
	// A claim is one statement of its own, not part of the group commit: its
	// scan grows with the backlog, and sends must not wait for it.
	rows, err := s.pool.Query(ctx, claimDeliveriesSQL, owner, nanos(now.Add(lease)), nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	var got []claimed
	for rows.Next() {
		var c claimed
		if c.d, err = scanDelivery(claimScanner{rows, &c.seq}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	if len(got) < limit {
		// A short claim looked at every claimable delivery: park those behind
		// their heads, so that the next claims need not look at them again.
		if _, err := s.pool.Exec(ctx, parkSQL, nanos(now.Add(lease)), nanos(now)); err != nil {
			return nil, fmt.Errorf("postgres: park deliveries: %w", err)
		}
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(got, func(a, b claimed) int { return cmp.Compare(a.seq, b.seq) })
	ds := make([]*wabi.Delivery, len(got))
	for i, c := range got {
		ds[i] = c.d
	}
	return ds, nil
}

// claimScanner reads a claimed row: the delivery's columns, then seq.
type claimScanner struct {
	rows pgx.Rows
	seq  *int64
}

func (s claimScanner) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.seq)...) }
