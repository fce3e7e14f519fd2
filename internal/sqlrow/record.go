package sqlrow

import (
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// RecordCols are the columns of a record, in the order of ScanRecord and
// RecordArgs.
const RecordCols = "scope, kind, key, value, expires_at, updated_at"

// ScanRecord reads a row of RecordCols.
func ScanRecord(sc Scanner) (*wabi.Record, error) {
	var r wabi.Record
	var expires, updated int64
	if err := sc.Scan(&r.Scope, &r.Kind, &r.Key, &r.Value, &expires, &updated); err != nil {
		return nil, err
	}
	r.ExpiresAt, r.UpdatedAt = FromNanos(expires), FromNanos(updated)
	return &r, nil
}

// RecordValue is the value column of r: never nil, since the column is NOT
// NULL and a nil slice would bind as NULL.
func RecordValue(r *wabi.Record) []byte {
	if r.Value == nil {
		return []byte{}
	}
	return r.Value
}

// RecordArgs returns the values of RecordCols.
func RecordArgs(r *wabi.Record) []any {
	return []any{r.Scope, r.Kind, r.Key, RecordValue(r), Nanos(r.ExpiresAt), Nanos(r.UpdatedAt)}
}

// ScanStatsRow reads a row of message counts: phone number id, wa_id, the
// bucket's start in unix nanoseconds, category, then the sent, delivered,
// read, failed and received counts.
func ScanStatsRow(sc Scanner) (wabi.StatsRow, error) {
	var r wabi.StatsRow
	var bucket int64
	err := sc.Scan(&r.PhoneNumberID, &r.WaID, &bucket, &r.Category,
		&r.Sent, &r.Delivered, &r.Read, &r.Failed, &r.Received)
	r.Start = time.Unix(0, bucket).UTC()
	return r, err
}
