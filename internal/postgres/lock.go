package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrateLockKey is the advisory lock key of the schema a connection works in:
// nodes migrating the same schema wait for each other, nodes on other schemas of
// the same database do not. hashtextextended is PostgreSQL's own stable 64-bit
// text hash.
const migrateLockKey = `hashtextextended('wabi migrate ' || coalesce(current_schema(), ''), 0)`

// lockSchema takes the schema's migration lock on a connection of its own and
// returns the function that releases it. The lock is a session-level advisory
// lock held around the whole of goose's work: goose's own session locker covers
// only the migrations, not the creation of its version table, which nodes
// starting together on a fresh schema would then race for (goose retries that
// after a second). pg_advisory_lock waits without polling until the holder is
// done or ctx ends, and PostgreSQL releases the lock if the holder's connection
// dies, so a crashed node never blocks the others. The connection is not the
// pool's, so that a pool of one connection cannot deadlock against it.
func lockSchema(ctx context.Context, cfg *pgx.ConnConfig) (unlock func(), err error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock("+migrateLockKey+")"); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: take the migration lock: %w", err)
	}
	return func() {
		// Closing the session releases its advisory locks; unlocking first
		// lets a waiting node go on at once even if the close is slow.
		bg := context.WithoutCancel(ctx)
		conn.Exec(bg, "SELECT pg_advisory_unlock("+migrateLockKey+")")
		conn.Close(bg)
	}, nil
}
