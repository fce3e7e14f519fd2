// Package sqlrow holds the row shapes the SQL stores share: column lists,
// scanning rows into domain types, and the time and JSON encodings of columns.
//
// The stores keep their own SQL text, placeholders, driver calls and error
// translation; what is here is the part that does not depend on the database.
// Column lists are in the order the scan functions read them, and the
// arguments functions return values in the order the stores' INSERT and
// UPDATE statements name them.
package sqlrow

import (
	"encoding/json"
	"fmt"
	"time"
)

// Scanner is one row of a result: a *sql.Row or *sql.Rows, a pgx.Row or
// pgx.Rows, or an adapter that reads extra columns after a shape's own.
type Scanner interface {
	Scan(dest ...any) error
}

// Nanos stores a time as unix nanoseconds; the zero time, which has no unix
// nanosecond value, is stored as 0.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos: times come back in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// ToJSON encodes a list or object field for a text column.
func ToJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlrow: encode: %w", err)
	}
	return string(b), nil
}

// FromJSON decodes a text column written by ToJSON.
func FromJSON(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("sqlrow: decode: %w", err)
	}
	return nil
}

// Extra returns a Scanner that reads a shape's columns from sc and then the
// columns after them into extra: a row of a shape followed by, say, its seq.
func Extra(sc Scanner, extra ...any) Scanner {
	return extraScanner{sc, extra}
}

// extraScanner is the Scanner Extra returns.
type extraScanner struct {
	sc    Scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error {
	all := make([]any, 0, len(dest)+len(e.extra))
	return e.sc.Scan(append(append(all, dest...), e.extra...)...)
}

// Gather collects up to limit rows by asking fetch for each key in turn for as
// many as are still wanted, stopping once it has limit: how the stores read a
// sweep's candidates number by number, so that each read uses that number's
// index.
func Gather[K, T any](keys []K, limit int, fetch func(key K, want int) ([]T, error)) ([]T, error) {
	var out []T
	for _, k := range keys {
		got, err := fetch(k, limit-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}
