package postgres

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// recordName names a record in errors. The scope, a phone number id, is left
// out: callers already know which number they asked about.
func recordName(kind, key string) string { return "record " + kind + "/" + key }

// PutRecord creates or replaces the record of (Scope, Kind, Key).
func (s *Store) PutRecord(ctx context.Context, r *wabi.Record) error {
	return s.exec(ctx, recordName(r.Kind, r.Key), "", false,
		"INSERT INTO records ("+sqlrow.RecordCols+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (scope, kind, key) DO UPDATE SET value = excluded.value,
			expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
		sqlrow.RecordArgs(r)...)
}

// Record returns a record, expired or not; ENotFound if there is none.
func (s *Store) Record(ctx context.Context, scope, kind, key string) (*wabi.Record, error) {
	r, err := sqlrow.ScanRecord(s.pool.QueryRow(ctx,
		"SELECT "+sqlrow.RecordCols+" FROM records WHERE scope = $1 AND kind = $2 AND key = $3", scope, kind, key))
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
	return list(ctx, s.pool, sqlrow.ScanRecord, "SELECT "+sqlrow.RecordCols+" FROM records"+w.String()+" ORDER BY key", w.args...)
}

// DeleteRecord removes a record; ENotFound if there is none.
func (s *Store) DeleteRecord(ctx context.Context, scope, kind, key string) error {
	return s.exec(ctx, recordName(kind, key), "", true,
		"DELETE FROM records WHERE scope = $1 AND kind = $2 AND key = $3", scope, kind, key)
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
	// The literal "expires_at <> 0" lets the planner use the partial index.
	return s.deleteCount(ctx, "expired records",
		"DELETE FROM records WHERE expires_at <> 0 AND expires_at <= $1", sqlrow.Nanos(now))
}

// keyPrefix adds the condition that key starts with prefix, character for
// character: no pattern characters, and a range the primary key index can seek
// to. Keys compare byte by byte (COLLATE "C"), which for UTF-8 is code point
// order, so the keys with the prefix are exactly those from prefix up to, not
// including, the prefix's successor.
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
// p: p with its trailing U+10FFFF runes dropped and its last rune incremented
// (past the surrogates, which UTF-8 cannot hold). Unlike SQLite, PostgreSQL
// accepts only valid UTF-8 text, so the increment is by code point, not by byte.
// There is no successor when p is all U+10FFFF.
func successor(p string) (string, bool) {
	rs := []rune(p)
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] < utf8.MaxRune {
			rs[i]++
			if rs[i] == 0xD800 {
				rs[i] = 0xE000
			}
			return string(rs[:i+1]), true
		}
	}
	return "", false
}
