package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// mustOpenIn opens the store kept in dir.
func mustOpenIn(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(filepath.Join(dir, "wabi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// blockWriter makes the writer run a request that waits until the returned
// function is called, so that tests can queue requests behind it.
func blockWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, unblock := make(chan struct{}), make(chan struct{})
	go s.w.do(context.Background(), func(*wtx) error {
		close(started)
		<-unblock
		return nil
	})
	<-started
	return sync.OnceFunc(func() { close(unblock) })
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

func business(id string) *wabi.Business {
	return &wabi.Business{ID: id, Name: id, CreatedAt: time.Unix(1700000000, 0)}
}

// TestGroupCommit queues requests behind a busy writer and checks that they run
// in one transaction, that a request abandoned in the queue never runs, that a
// failing request takes only itself down, and that a caller who gives up after
// its request was picked up still learns the outcome.
func TestGroupCommit(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
	ctx := context.Background()
	release := blockWriter(t, s)
	defer release()

	const n = 8
	var (
		mu     sync.Mutex
		groups = map[*wtx]int{}
	)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint("biz", i)
			errs[i] = s.w.do(ctx, func(t *wtx) error {
				mu.Lock()
				groups[t]++
				mu.Unlock()
				if i == 3 {
					return wabi.Errorf(wabi.EInvalidValue, "request %d refuses", i)
				}
				_, err := t.exec("INSERT INTO businesses (id, name, created_at) VALUES (?, ?, 0)", id, id)
				return err
			})
		})
	}
	waitQueued(t, s, n)

	abandonCtx, abandon := context.WithCancel(ctx)
	var ran atomic.Bool
	queued := make(chan error)
	go func() {
		queued <- s.w.do(abandonCtx, func(*wtx) error { ran.Store(true); return nil })
	}()
	waitQueued(t, s, n+1)
	abandon()
	if err := <-queued; err != context.Canceled {
		t.Errorf("abandoned request: %v, want context.Canceled", err)
	}

	giveUpCtx, giveUp := context.WithCancel(ctx)
	late := make(chan error)
	go func() {
		late <- s.w.do(giveUpCtx, func(t *wtx) error {
			giveUp() // the caller gives up while its request runs
			_, err := t.exec("INSERT INTO businesses (id, name, created_at) VALUES ('late', 'late', 0)")
			return err
		})
	}()
	waitQueued(t, s, n+2)

	release()
	wg.Wait()
	if err := <-late; err != nil {
		t.Errorf("request whose caller gave up while it ran: %v, want its outcome, nil", err)
	}
	if ran.Load() {
		t.Error("an abandoned request ran")
	}
	if len(groups) != 1 {
		t.Errorf("%d requests ran in %d transactions, want one", n, len(groups))
	}
	for i, err := range errs {
		id := fmt.Sprint("biz", i)
		_, getErr := s.Business(ctx, id)
		switch {
		case i == 3:
			if wabi.ErrorCode(err) != wabi.EInvalidValue || wabi.ErrorCode(getErr) != wabi.ENotFound {
				t.Errorf("failing request: %v, then %v; want its own error and nothing written", err, getErr)
			}
		case err != nil || getErr != nil:
			t.Errorf("request %d: %v, then %v", i, err, getErr)
		}
	}
	if _, err := s.Business(ctx, "late"); err != nil {
		t.Errorf("write of the caller who gave up: %v", err)
	}
}

// TestCloseFinishesQueuedWork closes a store while requests wait for the writer:
// each of them is answered, and what they wrote is there after reopening.
func TestCloseFinishesQueuedWork(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenIn(t, dir)
	ctx := context.Background()
	release := blockWriter(t, s)
	defer release()

	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.CreateBusiness(ctx, business(fmt.Sprint("biz", i))) })
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
	if err := s.CreateBusiness(ctx, business("after")); err != errClosed {
		t.Errorf("write after Close: %v, want %v", err, errClosed)
	}
	release()
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("queued request %d: %v", i, err)
		}
	}

	s = mustOpenIn(t, dir)
	bs, err := s.Businesses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != n {
		t.Errorf("%d businesses after reopening, want %d", len(bs), n)
	}
}

// TestPragmas checks the settings durability depends on.
func TestPragmas(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
	ctx := context.Background()
	for _, c := range []struct {
		db     string
		pragma string
		want   string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "synchronous", "2"}, // FULL
		{"writer", "foreign_keys", "1"},
		{"reader", "query_only", "1"},
		{"reader", "foreign_keys", "1"},
	} {
		var got string
		var err error
		if c.db == "writer" {
			err = s.w.do(ctx, func(t *wtx) error {
				return t.conn.QueryRowContext(t.ctx, "PRAGMA "+c.pragma).Scan(&got)
			})
		} else {
			err = s.rdb.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got)
		}
		if err != nil || got != c.want {
			t.Errorf("%s %s = %q (%v), want %q", c.db, c.pragma, got, err, c.want)
		}
	}
}
