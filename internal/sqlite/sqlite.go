// Package sqlite is wabi's embedded store: wabi.Store on one SQLite file, through
// the pure-Go modernc.org/sqlite driver so that wabi builds without cgo.
//
// The database runs in WAL mode with synchronous=FULL, so a write that returned
// survives a crash. Every write goes through one writer goroutine that owns the
// only writing connection and groups concurrent requests into one transaction
// (group commit): one fsync then covers up to a thousand callers. Reads run on a
// separate pool of read-only connections and never wait for the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"github.com/pressly/goose/v3"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wabihq/wabi/internal/wabi"
)

var _ wabi.Store = (*Store)(nil)

//go:embed migration/*.sql
var migrations embed.FS

// readConns is the size of the read pool. Readers in WAL mode do not block each
// other or the writer, so a few connections serve many goroutines.
const readConns = 4

// Store is a wabi.Store on a SQLite database file. It is safe for concurrent use.
type Store struct {
	wdb  *sql.DB // the one writing connection, owned by the writer goroutine
	rdb  *reader // read-only pool with prepared statements
	w    *writer
	ckpt *checkpointer
	// buckets are the rate limits' token buckets, in memory (rates.go).
	buckets buckets
}

// Open opens the database at path, creating it if needed (the directory must
// exist), brings its schema up to date and starts the writer. Close releases it.
func Open(path string) (*Store, error) {
	wdb, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	// Keep the writing connection for the store's lifetime: its prepared
	// statements live on it.
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	ctx := context.Background()
	if err := migrate(ctx, wdb); err != nil {
		wdb.Close()
		return nil, err
	}

	rdb, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(readConns)
	rdb.SetMaxIdleConns(readConns)

	ckpt, err := newCheckpointer(path)
	if err != nil {
		rdb.Close()
		wdb.Close()
		return nil, err
	}
	w, err := newWriter(ctx, wdb)
	if err != nil {
		ckpt.close()
		rdb.Close()
		wdb.Close()
		return nil, err
	}
	w.ckpt = ckpt
	return &Store{wdb: wdb, rdb: newReader(rdb), w: w, ckpt: ckpt}, nil
}

// Close waits for queued writes to finish, then closes the database. Writes
// attempted after Close fail. Calling Close again does nothing.
func (s *Store) Close() error {
	if !s.w.close() {
		return nil
	}
	return errors.Join(s.ckpt.close(), s.rdb.Close(), s.wdb.Close())
}

// dsn returns the driver's connection string for path. The busy timeout comes
// first among the pragmas (the driver orders it so) because the others may need
// the lock.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// journal_mode is a property of the file: the writer sets it once for all
		// connections. synchronous is per connection and only matters to writers.
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		// Each request runs in a savepoint, whose undo journal would otherwise be
		// a temporary file written on every insert.
		q.Add("_pragma", "temp_store(MEMORY)")
		// The writer's page cache holds the indexes' hot pages: with SQLite's
		// default of 2 MB, a growing database sends every insert to the file
		// system for pages it read a moment ago. Memory is taken as pages are
		// read, up to this cap.
		q.Add("_pragma", "cache_size(-65536)")
		// Checkpoints are mostly the checkpointer's (checkpoint.go).
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walAutocheckpoint))
		q.Set("_txlock", "immediate")
	}
	// A plain path (not a file: URI) keeps the driver from handing the query to
	// SQLite, so paths need no URI escaping.
	return path + "?" + q.Encode()
}

// migrate applies the embedded migrations that the database lacks, each in its
// own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migration")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// constraint tells which constraint, if any, a driver error violated.
type constraint int

const (
	noConstraint constraint = iota
	uniqueConstraint
	foreignKeyConstraint
	otherConstraint
)

// violated classifies err. The driver reports extended result codes, but the
// message is checked too so that a build reporting only primary codes still maps
// duplicates to EConflict.
func violated(err error) constraint {
	var e *msqlite.Error
	if !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_CONSTRAINT {
		return noConstraint
	}
	switch {
	case e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE,
		e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
		strings.Contains(e.Error(), "UNIQUE constraint failed"):
		return uniqueConstraint
	case e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY,
		strings.Contains(e.Error(), "FOREIGN KEY constraint failed"):
		return foreignKeyConstraint
	}
	return otherConstraint
}

// writeError turns the error of writing an object into a domain error: a
// duplicate is EConflict, a missing parent ENotFound, anything else internal.
// what names the object ("waba 123"); parent names what it refers to.
func writeError(err error, what, parent string) error {
	switch violated(err) {
	case noConstraint:
	case uniqueConstraint:
		return wabi.Errorf(wabi.EConflict, "%s already exists", what)
	case foreignKeyConstraint:
		return wabi.Errorf(wabi.ENotFound, "%s: %s not found", what, parent)
	}
	return fmt.Errorf("sqlite: write %s: %w", what, err)
}

// notFound returns the ENotFound error for the object what ("business 123").
func notFound(what string) error {
	return wabi.Errorf(wabi.ENotFound, "%s not found", what)
}

// readError turns the error of reading one object into a domain error.
func readError(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return fmt.Errorf("sqlite: read %s: %w", what, err)
}

// limit applies the list methods' default page size.
func limit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}
