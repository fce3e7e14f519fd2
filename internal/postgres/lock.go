package postgres

import (
	"context"
	"database/sql"
	"fmt"
)

// migrateLockKey is the advisory lock key of the schema a connection works in:
// nodes migrating the same schema wait for each other, nodes on other schemas of
// the same database do not. hashtextextended is PostgreSQL's own stable 64-bit
// text hash.
const migrateLockKey = `hashtextextended('wabi migrate ' || coalesce(current_schema(), ''), 0)`

// schemaLocker is goose's session locker for Open: a session-level advisory lock
// held while migrations run, so that nodes starting at once on a fresh schema
// migrate it once and the others find it done. Unlike goose's own Postgres
// locker, which retries pg_try_advisory_lock every few seconds under one key per
// database, it blocks in pg_advisory_lock until the holder is done (or ctx ends)
// and keys the lock by schema. PostgreSQL releases the lock if the holder's
// connection dies, so a crashed node never blocks the others.
type schemaLocker struct{}

// SessionLock waits for the schema's migration lock.
func (schemaLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+migrateLockKey+")"); err != nil {
		return fmt.Errorf("postgres: take the migration lock: %w", err)
	}
	return nil
}

// SessionUnlock releases the schema's migration lock.
func (schemaLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var released bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock("+migrateLockKey+")").Scan(&released); err != nil {
		return fmt.Errorf("postgres: release the migration lock: %w", err)
	}
	if !released {
		return fmt.Errorf("postgres: the migration lock was not held")
	}
	return nil
}
