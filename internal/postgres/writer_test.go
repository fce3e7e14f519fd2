package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// blockKey is the advisory lock the writer tests hold to stop the writer.
const blockKey = 0x7761626974657374 // "wabitest"

// blockWriter makes the writer run a request that waits for an advisory lock
// the test holds, so that tests can queue requests behind it; the request then
// creates business "late". It returns the request's outcome and the function
// that releases the lock. ctx is the blocked request's context.
func blockWriter(t *testing.T, s *Store, dbURL string, ctx context.Context) (outcome chan error, release func()) {
	t.Helper()
	bg := context.Background()
	holder, err := pgx.Connect(bg, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Close(bg) })
	if _, err := holder.Exec(bg, "SELECT pg_advisory_lock($1)", int64(blockKey)); err != nil {
		t.Fatal(err)
	}
	outcome = make(chan error, 1)
	go func() {
		outcome <- s.w.do(ctx,
			op{sql: "SELECT pg_advisory_xact_lock($1)", args: []any{int64(blockKey)}, what: "block"},
			op{sql: "INSERT INTO businesses (id, name, created_at) VALUES ('late', 'late', 0)", what: "business late"})
	}()
	waitLockWaiters(t, holder, blockKey, 1)
	var once sync.Once
	return outcome, func() {
		once.Do(func() {
			if _, err := holder.Exec(bg, "SELECT pg_advisory_unlock($1)", int64(blockKey)); err != nil {
				t.Error(err)
			}
		})
	}
}

// waitQueued waits until n requests wait in the writer's queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(s.w.reqs) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", len(s.w.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func (w *writer) isClosed() bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.closed
}

// TestGroupCommit queues requests behind a busy writer and checks that they run
// in one transaction, that a request abandoned in the queue never runs, that a
// failing request takes only itself down (the others are sent again without
// it), and that a caller who gives up after its request was picked up still
// learns the outcome.
func TestGroupCommit(t *testing.T) {
	dbURL := pgtest.Schema(t)
	s := mustOpenURL(t, dbURL)
	ctx := context.Background()
	giveUpCtx, giveUp := context.WithCancel(ctx)
	late, release := blockWriter(t, s, dbURL, giveUpCtx)
	defer release()
	giveUp() // the caller gives up while its request runs

	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint("biz", i)
			insert := op{sql: "INSERT INTO businesses (id, name, created_at) VALUES ($1, txid_current()::text, 0)",
				args: []any{id}, what: "business " + id}
			if i == 3 {
				// Its insert goes through, then its second statement fails.
				errs[i] = s.w.do(ctx, insert, op{sql: "SELECT wabi_must_hit(0)", what: "request 3"})
				return
			}
			errs[i] = s.w.do(ctx, insert)
		})
	}
	waitQueued(t, s, n)

	abandonCtx, abandon := context.WithCancel(ctx)
	var ran atomic.Bool
	queued := make(chan error)
	go func() {
		queued <- s.w.do(abandonCtx, op{sql: "INSERT INTO businesses (id, name, created_at) VALUES ('abandoned', '', 0)",
			what: "business abandoned", tag: func(pgconn.CommandTag) { ran.Store(true) }})
	}()
	waitQueued(t, s, n+1)
	abandon()
	if err := <-queued; err != context.Canceled {
		t.Errorf("abandoned request: %v, want context.Canceled", err)
	}

	release()
	wg.Wait()
	if err := <-late; err != nil {
		t.Errorf("request whose caller gave up while it ran: %v, want its outcome, nil", err)
	}
	if ran.Load() {
		t.Error("an abandoned request ran")
	}
	if _, err := s.Business(ctx, "abandoned"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("write of an abandoned request: %v, want not_found", err)
	}
	txs := map[string]bool{}
	for i, err := range errs {
		id := fmt.Sprint("biz", i)
		b, getErr := s.Business(ctx, id)
		switch {
		case i == 3:
			if wabi.ErrorCode(err) != wabi.ENotFound || wabi.ErrorCode(getErr) != wabi.ENotFound {
				t.Errorf("failing request: %v, then %v; want its own error and nothing written", err, getErr)
			}
		case err != nil || getErr != nil:
			t.Errorf("request %d: %v, then %v", i, err, getErr)
		default:
			txs[b.Name] = true
		}
	}
	if len(txs) != 1 {
		t.Errorf("%d requests committed in %d transactions, want one", n-1, len(txs))
	}
	if _, err := s.Business(ctx, "late"); err != nil {
		t.Errorf("write of the caller who gave up: %v", err)
	}
}

// TestCloseFinishesQueuedWork closes a store while requests wait for the writer:
// each of them is answered, and what they wrote is there after reopening.
func TestCloseFinishesQueuedWork(t *testing.T) {
	dbURL := pgtest.Schema(t)
	s := mustOpenURL(t, dbURL)
	ctx := context.Background()
	late, release := blockWriter(t, s, dbURL, ctx)
	defer release()

	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.CreateBusiness(ctx, &wabi.Business{ID: fmt.Sprint("biz", i), Name: "Acme"})
		})
	}
	waitQueued(t, s, n)
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	// Close refuses new work at once, before it waits for the queue to drain.
	for deadline := time.Now().Add(5 * time.Second); !s.w.isClosed(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Close did not mark the writer closed")
		}
	}
	if err := s.CreateBusiness(ctx, &wabi.Business{ID: "after"}); err != errClosed {
		t.Errorf("write after Close: %v, want %v", err, errClosed)
	}
	release()
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-late; err != nil {
		t.Errorf("blocked request: %v", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("queued request %d: %v", i, err)
		}
	}

	s = mustOpenURL(t, dbURL)
	bs, err := s.Businesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != n+1 {
		t.Errorf("%d businesses after reopening, want %d", len(bs), n+1)
	}
}

// TestText: PostgreSQL text cannot hold a NUL byte. Text a caller sent with one
// fails that caller alone with invalid_value, not as an internal error; what a
// webhook receiver answered, NULs and all, is kept byte for byte.
func TestText(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	now := time.Unix(1700000000, 123456789).UTC()
	bad := &wabi.Message{ID: "wamid.nul", PhoneNumberID: "phone1", WaID: "wa1", Direction: wabi.Outbound,
		Type: wabi.TypeText, Timestamp: now, Status: wabi.StatusAccepted, StatusAt: now,
		BizOpaqueCallbackData: "a\x00b", Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	if err := s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{bad}}); wabi.ErrorCode(err) != wabi.EInvalidValue {
		t.Errorf("Commit of text with a NUL: %v, want invalid_value", err)
	}

	d := &wabi.Delivery{ID: "1000000000000001", Dialect: wabi.DialectCloud, TargetID: "app1", PhoneNumberID: "phone1",
		WaID: "wa1", MessageID: "wamid.1", Event: "message", Body: []byte("{}"), State: wabi.DeliveryPending,
		NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	if err := s.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{d}}); err != nil {
		t.Fatal(err)
	}
	d.State, d.Attempts, d.LastStatus, d.LastError = wabi.DeliveryFailed, 1, 500, "receiver said \x00\xff"
	a := &wabi.Attempt{DeliveryID: d.ID, N: 1, At: now, URL: "https://example.com/hook", StatusCode: 500,
		Error: "HTTP 500: \x00", Response: "\x00binary\x01"}
	if err := s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d, Attempt: a}}); err != nil {
		t.Fatalf("RecordAttempts with a NUL in the response: %v", err)
	}
	got, err := s.Attempts(ctx, d.ID)
	if err != nil || len(got) != 1 || got[0].Response != a.Response || got[0].Error != a.Error {
		t.Errorf("Attempts = %+v, %v; want the response and error byte for byte", got, err)
	}
	if gd, err := s.Delivery(ctx, d.ID); err != nil || gd.LastError != d.LastError {
		t.Errorf("Delivery = %+v, %v; want its last error byte for byte", gd, err)
	}
}

// TestConnectionLost kills the writer's connection while a group waits in the
// database: the group's callers get an internal error (not a domain code, which
// would blame their own request), nothing of the group is written, and the
// next write goes through on a new connection.
func TestConnectionLost(t *testing.T) {
	dbURL := pgtest.Schema(t)
	s := mustOpenURL(t, dbURL)
	ctx := context.Background()
	blocked, release := blockWriter(t, s, dbURL, ctx)
	defer release()
	queued := make(chan error, 1)
	go func() { queued <- s.CreateBusiness(ctx, &wabi.Business{ID: "queued", Name: "Acme"}) }()
	waitQueued(t, s, 1)

	var killed bool
	if err := s.pool.QueryRow(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND NOT granted AND objid::bigint = $1::bigint & 4294967295`,
		int64(blockKey)).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminating the writer's connection: %v, %v", killed, err)
	}
	err := <-blocked
	if err == nil || wabi.ErrorCode(err) != wabi.EInternal {
		t.Errorf("write of the lost group: %v, want an internal error", err)
	}
	if err := <-queued; err != nil {
		t.Errorf("write queued behind the lost group: %v", err)
	}
	if _, err := s.Business(ctx, "late"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("Business of the lost group: %v, want not_found", err)
	}
	if _, err := s.Business(ctx, "queued"); err != nil {
		t.Errorf("Business written after the loss: %v", err)
	}
}
