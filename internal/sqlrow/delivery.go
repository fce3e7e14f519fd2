package sqlrow

import (
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// DeliveryCols are the columns of a webhook delivery, in the order of
// ScanDelivery. The stores bind the values themselves: the last error is TEXT
// in one and BYTEA in the other.
const DeliveryCols = `id, dialect, target_id, waba_id, phone_number_id, wa_id, message_id, event, body, state,
	attempts, next_attempt_at, created_at, updated_at, last_status, last_error`

// ScanDelivery reads a row of DeliveryCols.
func ScanDelivery(sc Scanner) (*wabi.Delivery, error) {
	var d wabi.Delivery
	var next, created, updated int64
	// Bytes read both a TEXT and a BYTEA column.
	var lastError []byte
	if err := sc.Scan(&d.ID, &d.Dialect, &d.TargetID, &d.WABAID, &d.PhoneNumberID, &d.WaID, &d.MessageID, &d.Event,
		&d.Body, &d.State, &d.Attempts, &next, &created, &updated, &d.LastStatus, &lastError); err != nil {
		return nil, err
	}
	d.NextAttemptAt = FromNanos(next)
	d.CreatedAt = FromNanos(created)
	d.UpdatedAt = FromNanos(updated)
	d.LastError = string(lastError)
	return &d, nil
}

// DeliveryBody is the body column of d: never nil, since the column is NOT
// NULL and a nil slice would bind as NULL.
func DeliveryBody(d *wabi.Delivery) []byte {
	if d.Body == nil {
		return []byte{}
	}
	return d.Body
}

// AttemptCols are the columns of a delivery attempt, in the order of
// ScanAttempt. Like a delivery's last error, its error and response are TEXT in
// one store and BYTEA in the other.
const AttemptCols = "delivery_id, n, at, url, status_code, error, response, latency_ns"

// ScanAttempt reads a row of AttemptCols.
func ScanAttempt(sc Scanner) (*wabi.Attempt, error) {
	var a wabi.Attempt
	var at, latency int64
	var errText, response []byte
	if err := sc.Scan(&a.DeliveryID, &a.N, &at, &a.URL, &a.StatusCode, &errText, &response, &latency); err != nil {
		return nil, err
	}
	a.At = FromNanos(at)
	a.Latency = time.Duration(latency)
	a.Error, a.Response = string(errText), string(response)
	return &a, nil
}
