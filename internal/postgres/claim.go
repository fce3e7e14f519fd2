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

// claimDeliveriesSQL leases the due heads of their keys that no live lease
// holds, oldest first. A key's head is its pending delivery of least
// (coalesce(ord, seq), seq); the NOT EXISTS is one range probe of
// deliveries_key. FOR UPDATE SKIP LOCKED makes nodes claiming at once pass over
// each other's rows instead of waiting for them, and a row another node leased
// meanwhile fails the lease test when it is locked and checked again.
const claimDeliveriesSQL = `WITH heads AS (
		SELECT d.seq FROM deliveries d
		WHERE d.state = 'pending' AND d.next_attempt_at <= $3 AND d.lease_until <= $3
			AND NOT EXISTS (SELECT 1 FROM deliveries o
				WHERE o.state = 'pending' AND o.target_id = d.target_id
					AND o.phone_number_id = d.phone_number_id AND o.wa_id = d.wa_id
					AND coalesce(o.ord, o.seq) <= coalesce(d.ord, d.seq)
					AND (coalesce(o.ord, o.seq), o.seq) < (coalesce(d.ord, d.seq), d.seq))
		ORDER BY d.seq LIMIT $4
		FOR UPDATE SKIP LOCKED)
	UPDATE deliveries SET lease_owner = $1, lease_until = $2 FROM heads WHERE deliveries.seq = heads.seq
	RETURNING ` + claimedCols

// claimedCols is deliveryCols of the updated table, then its seq.
const claimedCols = `deliveries.id, deliveries.dialect, deliveries.target_id, deliveries.waba_id,
	deliveries.phone_number_id, deliveries.wa_id, deliveries.message_id, deliveries.event, deliveries.body,
	deliveries.state, deliveries.attempts, deliveries.next_attempt_at, deliveries.created_at,
	deliveries.updated_at, deliveries.last_status, deliveries.last_error, deliveries.seq`

// requeueDeliverySQL moves a delivery behind every pending one of its key: a
// fresh value of seq's own sequence is above every seq given so far and below
// every seq given later.
const requeueDeliverySQL = `UPDATE deliveries SET ord = nextval(pg_get_serial_sequence('deliveries', 'seq'))
	WHERE id = $1`

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
