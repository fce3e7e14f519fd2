package sqlite

import (
	"context"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// SwapRecord writes r only if the record of (Scope, Kind, Key) holds old, or
// with old nil if there is none; EConflict if not.
func (s *Store) SwapRecord(ctx context.Context, r *wabi.Record, old []byte) error {
	value := sqlrow.RecordValue(r)
	what := recordName(r.Kind, r.Key)
	if old == nil {
		// A plain INSERT: the primary key turns a second one into EConflict.
		return s.exec(ctx, what, "", false, "INSERT INTO records ("+sqlrow.RecordCols+") VALUES (?, ?, ?, ?, ?, ?)",
			sqlrow.RecordArgs(r)...)
	}
	err := s.exec(ctx, what, "", true,
		"UPDATE records SET value = ?, expires_at = ?, updated_at = ? WHERE scope = ? AND kind = ? AND key = ? AND value = ?",
		value, sqlrow.Nanos(r.ExpiresAt), sqlrow.Nanos(r.UpdatedAt), r.Scope, r.Kind, r.Key, old)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return wabi.Errorf(wabi.EConflict, "%s changed since it was read", what)
	}
	return err
}
