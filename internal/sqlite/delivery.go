package sqlite

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

const deliveryCols = `id, dialect, target_id, waba_id, phone_number_id, wa_id, message_id, event, body, state,
	attempts, next_attempt_at, created_at, updated_at, last_status, last_error`

const insertDeliverySQL = "INSERT INTO deliveries (" + deliveryCols + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// updateDeliverySQL saves what an attempt changes; the body and the ordering key
// never change once queued.
const updateDeliverySQL = `UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?,
	updated_at = ?, last_status = ?, last_error = ? WHERE id = ?`

const attemptCols = "delivery_id, n, at, url, status_code, error, response, latency_ns"

const insertAttemptSQL = "INSERT INTO attempts (" + attemptCols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"

func scanDelivery(sc scanner) (*wabi.Delivery, error) {
	var d wabi.Delivery
	var next, created, updated int64
	if err := sc.Scan(&d.ID, &d.Dialect, &d.TargetID, &d.WABAID, &d.PhoneNumberID, &d.WaID, &d.MessageID, &d.Event,
		&d.Body, &d.State, &d.Attempts, &next, &created, &updated, &d.LastStatus, &d.LastError); err != nil {
		return nil, err
	}
	d.NextAttemptAt = fromNanos(next)
	d.CreatedAt = fromNanos(created)
	d.UpdatedAt = fromNanos(updated)
	return &d, nil
}

func deliveryArgs(d *wabi.Delivery) []any {
	body := d.Body
	if body == nil {
		body = []byte{} // the column is NOT NULL
	}
	return []any{d.ID, d.Dialect, d.TargetID, d.WABAID, d.PhoneNumberID, d.WaID, d.MessageID, d.Event, body,
		string(d.State), d.Attempts, nanos(d.NextAttemptAt), nanos(d.CreatedAt), nanos(d.UpdatedAt),
		d.LastStatus, d.LastError}
}

func scanAttempt(sc scanner) (*wabi.Attempt, error) {
	var a wabi.Attempt
	var at, latency int64
	if err := sc.Scan(&a.DeliveryID, &a.N, &at, &a.URL, &a.StatusCode, &a.Error, &a.Response, &latency); err != nil {
		return nil, err
	}
	a.At = fromNanos(at)
	a.Latency = time.Duration(latency)
	return &a, nil
}

// deliveryUpdate is a DeliveryUpdate ready for the writer.
type deliveryUpdate struct {
	id      string
	args    []any
	attempt []any // nil if nothing was attempted
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
		ups[i] = deliveryUpdate{id: d.ID, args: []any{string(d.State), d.Attempts, nanos(d.NextAttemptAt),
			nanos(d.UpdatedAt), d.LastStatus, d.LastError, d.ID}}
		if a := u.Attempt; a != nil {
			id := a.DeliveryID
			if id == "" {
				id = d.ID
			}
			ups[i].attempt = []any{id, a.N, nanos(a.At), a.URL, a.StatusCode, a.Error, a.Response, int64(a.Latency)}
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
	d, err := scanDelivery(s.rdb.QueryRowContext(ctx, "SELECT "+deliveryCols+" FROM deliveries WHERE id = ?", id))
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
	return list(ctx, s.rdb, scanDelivery,
		"SELECT "+deliveryCols+" FROM deliveries"+w.String()+" ORDER BY seq DESC LIMIT ?",
		append(w.args, limit(f.Limit))...)
}

// PendingDeliveries returns every pending delivery, oldest first.
func (s *Store) PendingDeliveries(ctx context.Context) ([]*wabi.Delivery, error) {
	return list(ctx, s.rdb, scanDelivery,
		"SELECT "+deliveryCols+" FROM deliveries WHERE state = 'pending' ORDER BY seq") // the partial index's predicate
}

// Attempts lists a delivery's attempts, first first. A delivery with no
// attempts, or none at all, has an empty list.
func (s *Store) Attempts(ctx context.Context, deliveryID string) ([]*wabi.Attempt, error) {
	return list(ctx, s.rdb, scanAttempt,
		"SELECT "+attemptCols+" FROM attempts WHERE delivery_id = ? ORDER BY n, seq", deliveryID)
}
