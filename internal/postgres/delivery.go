package postgres

import (
	"context"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

const insertDeliverySQL = "INSERT INTO deliveries (" + sqlrow.DeliveryCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`

// updateDeliverySQL saves what an attempt changes and ends the delivery's lease;
// the body and the ordering key never change once queued. A delivery that does
// not exist fails the request.
const updateDeliverySQL = `WITH hit AS (
		UPDATE deliveries SET state = $1, attempts = $2, next_attempt_at = $3, updated_at = $4,
			last_status = $5, last_error = $6, lease_owner = '', lease_until = 0
		WHERE id = $7 RETURNING 1)
	SELECT wabi_must_hit(count(*)) FROM hit`

const insertAttemptSQL = "INSERT INTO attempts (" + sqlrow.AttemptCols + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"

// deliveryArgs returns the values of sqlrow.DeliveryCols; the last error is
// BYTEA, since text a receiver sent may hold a NUL byte, which TEXT cannot.
func deliveryArgs(d *wabi.Delivery) []any {
	return []any{d.ID, d.Dialect, d.TargetID, d.WABAID, d.PhoneNumberID, d.WaID, d.MessageID, d.Event,
		sqlrow.DeliveryBody(d), string(d.State), d.Attempts, sqlrow.Nanos(d.NextAttemptAt),
		sqlrow.Nanos(d.CreatedAt), sqlrow.Nanos(d.UpdatedAt), d.LastStatus, []byte(d.LastError)}
}

// RecordAttempts saves the new state of each delivery and its attempt, all or
// nothing; ENotFound if a delivery does not exist.
func (s *Store) RecordAttempts(ctx context.Context, us []wabi.DeliveryUpdate) error {
	if len(us) == 0 {
		return nil
	}
	ops := make([]op, 0, 2*len(us))
	for _, u := range us {
		d := u.Delivery
		what := "delivery " + d.ID
		ops = append(ops, op{sql: updateDeliverySQL, what: what, args: []any{string(d.State), d.Attempts,
			sqlrow.Nanos(d.NextAttemptAt), sqlrow.Nanos(d.UpdatedAt), d.LastStatus, []byte(d.LastError), d.ID}})
		if u.Requeue {
			ops = append(ops, op{sql: requeueDeliverySQL, what: what, args: []any{d.ID}},
				op{sql: unparkHeadSQL, what: what, args: []any{d.ID}})
		}
		if a := u.Attempt; a != nil {
			id := a.DeliveryID
			if id == "" {
				id = d.ID
			}
			ops = append(ops, op{sql: insertAttemptSQL, what: "attempt of " + what, parent: "delivery " + id,
				args: []any{id, a.N, sqlrow.Nanos(a.At), a.URL, a.StatusCode, []byte(a.Error), []byte(a.Response),
					int64(a.Latency)}})
		}
	}
	return s.w.do(ctx, ops...)
}

// Delivery returns a delivery; ENotFound if there is none.
func (s *Store) Delivery(ctx context.Context, id string) (*wabi.Delivery, error) {
	d, err := sqlrow.ScanDelivery(s.pool.QueryRow(ctx, "SELECT "+sqlrow.DeliveryCols+" FROM deliveries WHERE id = $1", id))
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
	lim, args := w.limit(limit(f.Limit))
	return list(ctx, s.pool, sqlrow.ScanDelivery,
		"SELECT "+sqlrow.DeliveryCols+" FROM deliveries"+w.String()+" ORDER BY seq DESC"+lim, args...)
}

// pendingSeqsSQL selects every pending delivery through the two partial
// indexes that hold them: deliveries_unparked and deliveries_parked.
const pendingSeqsSQL = `SELECT seq FROM deliveries WHERE state = 'pending' AND parked_until = 0
	UNION ALL SELECT seq FROM deliveries WHERE state = 'pending' AND parked_until <> 0`

// PendingDeliveries returns every pending delivery, oldest first.
func (s *Store) PendingDeliveries(ctx context.Context) ([]*wabi.Delivery, error) {
	return list(ctx, s.pool, sqlrow.ScanDelivery,
		"SELECT "+sqlrow.DeliveryCols+" FROM deliveries WHERE seq IN ("+pendingSeqsSQL+") ORDER BY seq")
}

// CountPending counts the pending deliveries of every node.
func (s *Store) CountPending(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM deliveries WHERE state = 'pending'").Scan(&n)
	return n, err
}

// Attempts lists a delivery's attempts, first first. A delivery with no
// attempts, or none at all, has an empty list.
func (s *Store) Attempts(ctx context.Context, deliveryID string) ([]*wabi.Attempt, error) {
	return list(ctx, s.pool, sqlrow.ScanAttempt,
		"SELECT "+sqlrow.AttemptCols+" FROM attempts WHERE delivery_id = $1 ORDER BY n, seq", deliveryID)
}
