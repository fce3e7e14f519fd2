package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// maxGroup caps how many write requests share one transaction, so that one
// group's latency stays bounded under a flood.
const maxGroup = 1024

// groupTimeout bounds one round trip of a group, commit included, so that a
// database that stops answering fails the writes instead of hanging them.
const groupTimeout = 30 * time.Second

// maxRetries is how many times a group that lost a deadlock or a serialization
// conflict to another node's transaction is sent again before its callers get
// the error.
const maxRetries = 3

// errClosed is returned by writes after Close.
var errClosed = errors.New("postgres: store is closed")

// The states of a request. A request moves from queued to taken when the writer
// picks it up, or to abandoned when its caller gives up first; whichever moves
// it first wins, so an abandoned request is never run and a taken one is always
// answered.
const (
	queued int32 = iota
	taken
	abandoned
)

// op is one statement of a write request. A group is sent in one round trip, so
// a statement cannot be inspected before the next one runs: a write whose
// outcome decides the request's fate must decide it on the server, by failing
// (a constraint, or wabi_must_hit for a write that had to touch a row).
type op struct {
	sql  string
	args []any
	// what and parent name the object written and what it refers to, for the
	// domain error of a failure.
	what, parent string
	// tag, if set, receives the statement's command tag (rows affected).
	tag func(pgconn.CommandTag)
	// rows, if set, reads the rows the statement returns. It may be called again
	// if the group is sent again, so it must start afresh each time. It returns
	// no error: the transaction's fate is sealed on the server by then.
	rows func(pgx.Rows)
}

// request is one caller's write: statements that succeed or fail together.
type request struct {
	ops   []op
	state atomic.Int32
	done  chan error // buffered, so the writer never waits for the caller
}

// writer sends every write of the store. One goroutine drains reqs and sends
// each group of requests as one batch in one implicit transaction, commits once
// and answers every caller. A request that fails is left out and the rest of
// the group is sent again, so requests need no savepoints (which would cost a
// subtransaction each).
type writer struct {
	pool *pgxpool.Pool
	reqs chan *request
	done chan struct{} // closed when the goroutine has finished

	mu     sync.RWMutex // guards closed against sends on a closed reqs
	closed bool

	observe atomic.Pointer[CommitObserver] // see Store.ObserveCommits
}

func newWriter(pool *pgxpool.Pool) *writer {
	w := &writer{
		pool: pool,
		reqs: make(chan *request, maxGroup),
		done: make(chan struct{}),
	}
	go w.run()
	return w
}

// do queues the statements and waits for the outcome of their group. If ctx
// ends before the writer picks the request up, nothing runs and do returns
// ctx.Err(); once picked up, do waits for the commit, so a nil error always
// means durable.
func (w *writer) do(ctx context.Context, ops ...op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ops: ops, done: make(chan error, 1)}
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

// close stops taking requests and waits until the queued ones are done. It
// reports false if the writer was already closed.
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

// commit runs a group in one transaction and answers each request: its own
// error if one of its statements failed, else the outcome of the commit.
// Requests abandoned by their callers are dropped unrun.
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
	errs := make([]error, len(run))
	live := make([]int, len(run)) // the requests still in the group, by index in run
	for i := range live {
		live[i] = i
	}
	for retries := 0; len(live) > 0; {
		failed, err := w.send(run, live)
		if err == nil {
			break
		}
		if failed >= 0 {
			// The failing request's transaction rolled back with everyone's:
			// the others go again without it.
			errs[live[failed]] = err
			live = slices.Delete(live, failed, failed+1)
			continue
		}
		if retryable(err) && retries < maxRetries {
			retries++
			continue
		}
		for _, i := range live {
			errs[i] = fmt.Errorf("postgres: group commit: %w", err)
		}
		break
	}
	for i, r := range run {
		r.done <- errs[i]
	}
}

// send sends the statements of the live requests as one batch, which
// PostgreSQL runs as one implicit transaction committed at its end. If a
// statement fails, send returns the position in live of its request and the
// domain error; if the group failed as a whole (connection, deadlock, commit),
// it returns -1 and the error.
func (w *writer) send(run []*request, live []int) (int, error) {
	// The group runs on the writer's own deadline, not a caller's context: one
	// caller giving up must not interrupt the others' transaction.
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	type ref struct {
		live int
		op   *op
	}
	b := &pgx.Batch{}
	refs := make([]ref, 0, len(live))
	for li, ri := range live {
		for k := range run[ri].ops {
			o := &run[ri].ops[k]
			b.Queue(o.sql, o.args...)
			refs = append(refs, ref{li, o})
		}
	}
	br := w.pool.SendBatch(ctx, b)
	for _, r := range refs {
		if err := read(br, r.op); err != nil {
			br.Close() // the transaction rolls back
			if own(err) {
				return r.live, writeError(err, r.op.what, r.op.parent)
			}
			return -1, err
		}
	}
	return -1, br.Close()
}

// read reads the result of the batch's next statement, o.
func read(br pgx.BatchResults, o *op) error {
	if o.rows == nil {
		tag, err := br.Exec()
		if err == nil && o.tag != nil {
			o.tag(tag)
		}
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	o.rows(rows)
	rows.Close()
	return rows.Err()
}

// own reports whether err is a statement's own failure (a constraint, bad
// data, a missing row), which fails only the request it belongs to, as opposed
// to a failure of the connection, the server or the transaction as a whole.
func own(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code[:2] {
	case "08", // connection exception
		"40", // transaction rollback: deadlock, serialization
		"53", // insufficient resources
		"57", // operator intervention: shutdown, cancel
		"58", // system error
		"XX": // internal error
		return false
	}
	return true
}

// retryable reports whether err is a deadlock or serialization failure: the
// transaction lost to a concurrent one (another node's) and may simply be sent
// again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
