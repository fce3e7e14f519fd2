package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// maxGroup caps how many write requests share one transaction, so that one
// group's latency stays bounded under a flood.
const maxGroup = 1024

// errClosed is returned by writes after Close.
var errClosed = errors.New("sqlite: store is closed")

// The states of a request. A request moves from queued to taken when the writer
// picks it up, or to abandoned when its caller gives up first; whichever moves
// it first wins, so an abandoned request is never run and a taken one is always
// answered.
const (
	queued int32 = iota
	taken
	abandoned
)

// request is one caller's write: a function run inside the group transaction.
type request struct {
	fn func(*wtx) error
	// rerun marks a function that may run again after its group was rolled
	// back: it only executes statements and keeps nothing from a first run. Such
	// requests run without a savepoint of their own (see commit).
	rerun bool
	state atomic.Int32
	done  chan error // buffered, so the writer never waits for the caller
}

// writer owns the writing connection. One goroutine drains reqs, runs each
// group of requests in one transaction, each request so that it may fail alone
// (see commit), commits once and answers every caller.
type writer struct {
	conn *sql.Conn
	st   *stmts
	reqs chan *request
	done chan struct{} // closed when the goroutine has finished

	mu     sync.RWMutex // guards closed against sends on a closed reqs
	closed bool

	observe atomic.Pointer[CommitObserver] // see Store.ObserveCommits
	ckpt    *checkpointer                  // told of every commit; nil in tests that make a bare writer
}

// wtx is what a request's function writes through: the writer's connection,
// inside the group's transaction and the request's savepoint.
type wtx struct {
	ctx  context.Context
	conn *sql.Conn
	st   *stmts
}

// exec runs a statement that is not worth preparing.
func (t *wtx) exec(query string, args ...any) (sql.Result, error) {
	return t.conn.ExecContext(t.ctx, query, args...)
}

// newWriter takes the connection of db, prepares the hot statements on it and
// starts the writer goroutine.
func newWriter(ctx context.Context, db *sql.DB) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: writer connection: %w", err)
	}
	st, err := prepare(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	w := &writer{
		conn: conn,
		st:   st,
		reqs: make(chan *request, maxGroup),
		done: make(chan struct{}),
	}
	go w.run()
	return w, nil
}

// do queues fn and waits for the outcome of its group. If ctx ends before the
// writer picks the request up, fn never runs and do returns ctx.Err(); once
// picked up, do waits for the commit, so a nil error always means durable.
func (w *writer) do(ctx context.Context, fn func(*wtx) error) error {
	return w.submit(ctx, &request{fn: fn, done: make(chan error, 1)})
}

// doRerun is do for a function that may run again after a rollback (see
// request.rerun): it saves the savepoint a request otherwise costs.
func (w *writer) doRerun(ctx context.Context, fn func(*wtx) error) error {
	return w.submit(ctx, &request{fn: fn, rerun: true, done: make(chan error, 1)})
}

func (w *writer) submit(ctx context.Context, r *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.enqueue(ctx, r); err != nil {
		return err
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		return <-r.done
	}
}

func (w *writer) enqueue(ctx context.Context, r *request) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return errClosed
	}
	select {
	case w.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops taking requests, waits until the queued ones are done and closes
// the connection. It reports false if the writer was already closed.
func (w *writer) close() bool {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	w.closed = true
	close(w.reqs)
	w.mu.Unlock()
	<-w.done
	w.st.close()
	w.conn.Close()
	return true
}

func (w *writer) run() {
	defer close(w.done)
	group := make([]*request, 0, maxGroup)
	for r := range w.reqs {
		group = append(group[:0], r)
	fill:
		for len(group) < maxGroup {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break fill
				}
				group = append(group, r)
			default:
				break fill
			}
		}
		w.commit(group)
		clear(group) // let answered requests be collected
	}
}

// errRedo stops the fast run of a group: a request without a savepoint failed,
// so the transaction is rolled back and the group runs again, carefully.
var errRedo = errors.New("sqlite: redo the group with savepoints")

// commit runs a group in one transaction and answers each request: its own
// error if its function failed (its writes are undone, the others stand), else
// the outcome of the commit. Requests abandoned by their callers are dropped
// unrun.
//
// A savepoint per request is what lets one request fail alone, but it costs
// three statements and a copy of every page the request touches. So a group
// first runs fast: requests that may run again (request.rerun), and a request
// alone in its group, run without one; the others still get theirs. Should a
// request without a savepoint fail, the transaction is rolled back before any
// request with one has run, and the group runs again with a savepoint for
// every request. A failing request alone in its group is simply rolled back.
func (w *writer) commit(group []*request) {
	run := group[:0]
	for _, r := range group {
		if r.state.CompareAndSwap(queued, taken) {
			run = append(run, r)
		}
	}
	if len(run) == 0 {
		return
	}
	defer w.observed(time.Now(), len(run))
	if w.ckpt != nil {
		defer w.ckpt.committed()
	}
	// The group's statements run on the writer's own context, not a caller's:
	// one caller giving up must not interrupt the others' transaction.
	t := &wtx{ctx: context.Background(), conn: w.conn, st: w.st}
	errs := make([]error, len(run))
	err := w.inTx(t, func() error { return w.runFast(t, run, errs) })
	if errors.Is(err, errRedo) {
		if len(run) == 1 {
			err = nil // errs[0] is the request's own failure; nothing was written
		} else {
			clear(errs)
			err = w.inTx(t, func() error { return w.runSafe(t, run, errs, false) })
		}
	}
	for i, r := range run {
		switch {
		case errs[i] != nil:
			r.done <- errs[i] // its own failure, whatever became of the group
		case err != nil:
			r.done <- fmt.Errorf("sqlite: group commit: %w", err)
		default:
			r.done <- nil
		}
	}
}

// runFast runs the requests that need no savepoint, then the others, each in
// its own savepoint. It returns errRedo as soon as a request without a
// savepoint fails.
func (w *writer) runFast(t *wtx, run []*request, errs []error) error {
	alone := len(run) == 1
	for i, r := range run {
		if !r.rerun && !alone {
			continue
		}
		if errs[i] = r.fn(t); errs[i] != nil {
			return errRedo
		}
	}
	if alone {
		return nil
	}
	return w.runSafe(t, run, errs, true)
}

// runSafe runs each request in its own savepoint, rolled back if it fails; with
// skipRerun, only the requests runFast left.
func (w *writer) runSafe(t *wtx, run []*request, errs []error, skipRerun bool) error {
	for i, r := range run {
		if skipRerun && r.rerun {
			continue
		}
		if _, err := w.st.savepoint.ExecContext(t.ctx); err != nil {
			return err
		}
		if errs[i] = r.fn(t); errs[i] != nil {
			if _, err := w.st.rollbackTo.ExecContext(t.ctx); err != nil {
				return err
			}
		}
		if _, err := w.st.release.ExecContext(t.ctx); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs fn between BEGIN IMMEDIATE and COMMIT, rolling back if either fails.
func (w *writer) inTx(t *wtx, fn func() error) error {
	if _, err := w.st.begin.ExecContext(t.ctx); err != nil {
		return err
	}
	err := fn()
	if err == nil {
		if _, err = w.st.commit.ExecContext(t.ctx); err == nil {
			return nil
		}
	}
	// SQLite may already have rolled back on its own (disk full, I/O error), in
	// which case this fails harmlessly.
	_, _ = w.conn.ExecContext(t.ctx, "ROLLBACK")
	return err
}

// stmts are the statements every group runs, prepared once on the writer's
// connection: transaction control and the hot inserts and updates of Commit and
// RecordAttempts.
type stmts struct {
	begin, commit, savepoint, release, rollbackTo *sql.Stmt

	insertMessage, setStatus, messageExists, upsertWindow *sql.Stmt
	insertDelivery, updateDelivery, insertAttempt         *sql.Stmt

	all []*sql.Stmt
}

func prepare(ctx context.Context, conn *sql.Conn) (*stmts, error) {
	st := &stmts{}
	for _, p := range []struct {
		s     **sql.Stmt
		query string
	}{
		{&st.begin, "BEGIN IMMEDIATE"},
		{&st.commit, "COMMIT"},
		{&st.savepoint, "SAVEPOINT request"},
		{&st.release, "RELEASE request"},
		{&st.rollbackTo, "ROLLBACK TO request"},
		{&st.insertMessage, insertMessageSQL},
		{&st.setStatus, setStatusSQL},
		{&st.messageExists, "SELECT 1 FROM messages WHERE id = ?"},
		{&st.upsertWindow, upsertWindowSQL},
		{&st.insertDelivery, insertDeliverySQL},
		{&st.updateDelivery, updateDeliverySQL},
		{&st.insertAttempt, insertAttemptSQL},
	} {
		s, err := conn.PrepareContext(ctx, p.query)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("sqlite: prepare %q: %w", p.query, err)
		}
		*p.s = s
		st.all = append(st.all, s)
	}
	return st, nil
}

func (st *stmts) close() {
	for _, s := range st.all {
		s.Close()
	}
}
