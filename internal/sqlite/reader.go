package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the reader's statement cache. Queries are built from a
// fixed set of fragments, so the number of distinct texts is small.
const maxCachedStmts = 256

// reader is the read-only connection pool with a cache of prepared statements:
// preparing a query (parsing the SQL) costs more than running most of wabi's point
// reads, and they run on every send.
type reader struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newReader(db *sql.DB) *reader { return &reader{db: db, stmts: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement for query, preparing it on first use.
func (r *reader) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	r.mu.RLock()
	st, ok := r.stmts[query]
	r.mu.RUnlock()
	if ok {
		return st, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.stmts[query]; ok {
		return st, nil
	}
	st, err := r.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(r.stmts) < maxCachedStmts {
		r.stmts[query] = st
	}
	return st, nil
}

// QueryContext runs a query through its cached statement.
func (r *reader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := r.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a single-row query through its cached statement.
func (r *reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := r.stmt(ctx, query)
	if err != nil {
		// Let the error surface through Row.Scan, as database/sql does.
		return r.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes the cached statements and the pool.
func (r *reader) Close() error {
	r.mu.Lock()
	for _, st := range r.stmts {
		st.Close()
	}
	clear(r.stmts)
	r.mu.Unlock()
	return r.db.Close()
}
