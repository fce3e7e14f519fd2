// Package postgres is wabi's scale-out store: wabi.Store on PostgreSQL 15 or
// newer through pgx, so that several wabi nodes can share one database.
//
// Every write goes through one writer goroutine per Store that groups concurrent
// requests (group commit) and sends each group as one pgx.Batch: one round trip
// and one transaction, whose commit covers every caller of the group. A request
// that fails (a duplicate id, a missing object) is dropped from its group and the
// rest is sent again, so one caller's failure never fails the others. Reads go
// straight to the connection pool.
//
// The schema is embedded as numbered migrations and brought up to date by Open
// under a PostgreSQL advisory lock, so nodes starting together migrate once. The
// schema lives in the first schema of the connection's search_path: a
// search_path parameter in the URL puts wabi's tables in a schema of its own.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/wabihq/wabi/internal/wabi"
)

var _ wabi.Store = (*Store)(nil)

//go:embed migration/*.sql
var migrations embed.FS

// connectTimeout bounds Open's first connection when the URL sets no
// connect_timeout, so that a database that does not answer fails Open instead
// of hanging it.
const connectTimeout = 10 * time.Second

// Store is a wabi.Store on a PostgreSQL database. It is safe for concurrent use,
// also by several processes on the same database.
type Store struct {
	pool *pgxpool.Pool
	w    *writer
	// takes counts token takes, so that rows of full buckets are pruned now
	// and then (rates.go).
	takes takeCounter
}

// Open connects to the database at url (postgres://user@host:port/db?...),
// brings its schema up to date and starts the writer. The URL's parameters are
// pgx's: pool_max_conns sizes the pool, search_path chooses the schema, which
// must exist. Close releases the store.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, errors.New("postgres: the store URL is not a valid PostgreSQL connection URL")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, pool, cfg.ConnConfig); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, w: newWriter(pool)}, nil
}

// Close waits for queued writes to finish, then closes the pool. Writes
// attempted after Close fail. Calling Close again does nothing.
func (s *Store) Close() error {
	if !s.w.close() {
		return nil
	}
	s.pool.Close()
	return nil
}

// migrate applies the embedded migrations that the schema lacks, each in its own
// transaction, holding the schema's migration lock throughout. cfg is how to
// connect for the lock.
func migrate(ctx context.Context, pool *pgxpool.Pool, cfg *pgx.ConnConfig) error {
	fsys, err := fs.Sub(migrations, "migration")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	unlock, err := lockSchema(ctx, cfg)
	if err != nil {
		return err
	}
	defer unlock()
	// goose speaks database/sql; this handle borrows the pool's connections.
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// notFound returns the ENotFound error for the object what ("business 123").
func notFound(what string) error {
	return wabi.Errorf(wabi.ENotFound, "%s not found", what)
}

// SQLSTATE codes the store tells apart.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	noDataFound         = "P0002" // raised by wabi_must_hit
	badCharacter        = "22021" // character_not_in_repertoire: a NUL byte in text
)

// writeError turns the error of writing an object into a domain error: a
// duplicate is EConflict, a missing parent ENotFound, a write that had to touch
// a row and touched none ENotFound, text PostgreSQL cannot hold EInvalidValue,
// anything else internal. what names the object ("waba 123"); parent names what
// it refers to.
func writeError(err error, what, parent string) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case uniqueViolation:
			return wabi.Errorf(wabi.EConflict, "%s already exists", what)
		case foreignKeyViolation:
			return wabi.Errorf(wabi.ENotFound, "%s: %s not found", what, parent)
		case noDataFound:
			return notFound(what)
		case badCharacter:
			return wabi.Errorf(wabi.EInvalidValue, "%s: text must not contain NUL characters", what)
		}
	}
	return fmt.Errorf("postgres: write %s: %w", what, err)
}

// readError turns the error of reading one object into a domain error.
func readError(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(what)
	}
	return fmt.Errorf("postgres: read %s: %w", what, err)
}

// limit applies the list methods' default page size.
func limit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}
