package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// recordName names a record in errors. The scope, a phone number id, is left
// out: callers already know which number they asked about.
func recordName(kind, key string) string { return "record " + kind + "/" + key }

// PutRecord creates or replaces the record of (Scope, Kind, Key).
func (s *Store) PutRecord(ctx context.Context, r *wabi.Record) error {
	return s.exec(ctx, recordName(r.Kind, r.Key), "", false,
		"INSERT OR REPLACE INTO records ("+sqlrow.RecordCols+") VALUES (?, ?, ?, ?, ?, ?)",
		sqlrow.RecordArgs(r)...)
}

// Record returns a record, expired or not; ENotFound if there is none.
func (s *Store) Record(ctx context.Context, scope, kind, key string) (*wabi.Record, error) {
	r, err := sqlrow.ScanRecord(s.rdb.QueryRowContext(ctx,
		"SELECT "+sqlrow.RecordCols+" FROM records WHERE scope = ? AND kind = ? AND key = ?", scope, kind, key))
	if err != nil {
		return nil, readError(err, recordName(kind, key))
	}
	return r, nil
}

// Records lists the records of a kind in a scope whose key starts with prefix,
// ordered by key. The store has no clock, so expired records are listed too.
func (s *Store) Records(ctx context.Context, scope, kind, prefix string) ([]*wabi.Record, error) {
	var w where
	w.add("scope = ?", scope)
	w.add("kind = ?", kind)
	keyPrefix(&w, prefix)
	return list(ctx, s.rdb, sqlrow.ScanRecord, "SELECT "+sqlrow.RecordCols+" FROM records"+w.String()+" ORDER BY key", w.args...)
}

// DeleteRecord removes a record; ENotFound if there is none.
func (s *Store) DeleteRecord(ctx context.Context, scope, kind, key string) error {
	return s.exec(ctx, recordName(kind, key), "", true,
		"DELETE FROM records WHERE scope = ? AND kind = ? AND key = ?", scope, kind, key)
}

// DeleteRecords deletes the records of a kind in a scope whose key starts with
// prefix, of every kind when kind is "", and returns how many it deleted.
func (s *Store) DeleteRecords(ctx context.Context, scope, kind, prefix string) (int, error) {
	var w where
	w.add("scope = ?", scope)
	w.eq("kind", kind)
	keyPrefix(&w, prefix)
	return s.deleteCount(ctx, "records", "DELETE FROM records"+w.String(), w.args...)
}

// DeleteExpiredRecords deletes the records whose expiry is set and not after
// now, and returns how many it deleted.
func (s *Store) DeleteExpiredRecords(ctx context.Context, now time.Time) (int, error) {
	// The literal "expires_at != 0" lets the planner use the partial index.
	return s.deleteCount(ctx, "expired records",
		"DELETE FROM records WHERE expires_at != 0 AND expires_at <= ?", sqlrow.Nanos(now))
}

// deleteCount runs one DELETE through the writer and returns how many rows it
// removed; what names them for the error.
func (s *Store) deleteCount(ctx context.Context, what, query string, args ...any) (int, error) {
	var n int64
	err := s.w.do(ctx, func(t *wtx) error {
		res, err := t.exec(query, args...)
		if err != nil {
			return fmt.Errorf("sqlite: delete %s: %w", what, err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// keyPrefix adds the condition that key starts with prefix, byte for byte: no
// pattern characters, and a range the primary key index can seek to. SQLite
// compares text with memcmp, so the keys with the prefix are exactly those from
// prefix up to, not including, the prefix's successor.
func keyPrefix(w *where, prefix string) {
	if prefix == "" {
		return
	}
	w.add("key >= ?", prefix)
	if end, ok := successor(prefix); ok {
		w.add("key < ?", end)
	}
}

// successor returns the least string greater than every string that starts with
// p: p with its trailing 0xff bytes dropped and its last byte incremented. There
// is none when p is all 0xff bytes.
func successor(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
