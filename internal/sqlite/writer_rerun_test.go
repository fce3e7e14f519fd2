package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestGroupRedo queues requests that may run again (no savepoint of their own)
// with ordinary ones behind a busy writer, one of each failing after a first
// write, and checks that each failing request takes only its own writes down,
// that the others commit, and that no ordinary request runs twice.
func TestGroupRedo(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
	ctx := context.Background()
	release := blockWriter(t, s)
	defer release()

	insert := func(tx *wtx, id string) error {
		_, err := tx.exec("INSERT INTO businesses (id, name, created_at) VALUES (?, ?, 0)", id, id)
		return err
	}
	const n = 6
	var mu sync.Mutex
	runs := map[string]int{}
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		rerun := i < n
		id := fmt.Sprint("biz", i)
		fn := func(tx *wtx) error {
			mu.Lock()
			runs[id]++
			mu.Unlock()
			if err := insert(tx, id); err != nil {
				return err
			}
			if i == 2 || i == n+2 { // fails after writing
				return insert(tx, id) // a duplicate: EConflict from the store
			}
			return nil
		}
		wg.Go(func() {
			if rerun {
				errs[i] = s.w.doRerun(ctx, fn)
			} else {
				errs[i] = s.w.do(ctx, fn)
			}
		})
	}
	waitQueued(t, s, 2*n)
	release()
	wg.Wait()

	for i, err := range errs {
		id := fmt.Sprint("biz", i)
		_, getErr := s.Business(ctx, id)
		switch {
		case i == 2 || i == n+2:
			if err == nil || wabi.ErrorCode(getErr) != wabi.ENotFound {
				t.Errorf("failing request %d: %v, then %v; want its error and nothing written", i, err, getErr)
			}
		case err != nil || getErr != nil:
			t.Errorf("request %d: %v, then %v", i, err, getErr)
		}
		if i >= n && runs[id] != 1 {
			t.Errorf("ordinary request %d ran %d times, want once", i, runs[id])
		}
	}
}

// TestAloneFailsAlone runs one failing request alone in its group: it runs
// without a savepoint, and its first write is rolled back with it.
func TestAloneFailsAlone(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
	ctx := context.Background()
	runs := 0
	err := s.w.do(ctx, func(tx *wtx) error {
		runs++
		if _, err := tx.exec("INSERT INTO businesses (id, name, created_at) VALUES ('b1', 'b1', 0)"); err != nil {
			return err
		}
		return wabi.Errorf(wabi.EInvalidValue, "refuses")
	})
	if wabi.ErrorCode(err) != wabi.EInvalidValue || runs != 1 {
		t.Fatalf("do = %v after %d runs, want its own error after one", err, runs)
	}
	if _, err := s.Business(ctx, "b1"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Fatalf("business after a failed request: %v, want ENotFound", err)
	}
	// The writer goes on: the next request commits.
	if err := s.w.do(ctx, func(tx *wtx) error {
		_, err := tx.exec("INSERT INTO businesses (id, name, created_at) VALUES ('b2', 'b2', 0)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Business(ctx, "b2"); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointer checks that commits wake the background checkpointer and
// that it copies the WAL's frames to the database file, and that the writer
// keeps SQLite's automatic checkpoint only as the WAL's backstop.
func TestCheckpointer(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
	ctx := context.Background()
	var auto int
	if err := s.w.do(ctx, func(tx *wtx) error {
		return tx.conn.QueryRowContext(tx.ctx, "PRAGMA wal_autocheckpoint").Scan(&auto)
	}); err != nil || auto != walAutocheckpoint {
		t.Fatalf("writer's wal_autocheckpoint = %d (%v), want %d", auto, err, walAutocheckpoint)
	}
	for i := range 20 {
		if err := s.CreateBusiness(ctx, business(fmt.Sprint("biz", i))); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		last := s.ckpt.last.Load()
		log, copied := last>>32, last&0xffffffff
		if s.ckpt.runs.Load() > 0 && log > 0 && copied == log {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5s: %d checkpoints, last copied %d of %d frames", s.ckpt.runs.Load(), copied, log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
