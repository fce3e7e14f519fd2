package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestObserveCommits queues requests behind a busy writer and checks that the
// observer hears of each group commit with the number of requests it carried,
// and of none once it is removed.
func TestObserveCommits(t *testing.T) {
	dbURL := pgtest.Schema(t)
	s := mustOpenURL(t, dbURL)
	ctx := context.Background()
	var (
		mu     sync.Mutex
		groups []int
	)
	s.ObserveCommits(func(took time.Duration, n int) {
		if took < 0 {
			t.Errorf("commit took %v", took)
		}
		mu.Lock()
		groups = append(groups, n)
		mu.Unlock()
	})
	late, release := blockWriter(t, s, dbURL, ctx)
	defer release()
	const n = 5
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint("biz", i)
			if err := s.CreateBusiness(ctx, &wabi.Business{ID: id, Name: id, CreatedAt: time.Unix(1700000000, 0)}); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, s, n)
	release()
	wg.Wait()
	if err := <-late; err != nil {
		t.Fatal(err)
	}

	// The observer runs once the callers are answered: wait for it.
	var got []int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		got = append(got[:0], groups...)
		mu.Unlock()
		if len(got) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if len(got) != 2 || got[0] != 1 || got[1] != n {
		t.Errorf("groups observed %v, want [1 %d]: the blocking request, then the queued ones together", got, n)
	}

	s.ObserveCommits(nil)
	if err := s.CreateBusiness(ctx, &wabi.Business{ID: "after", Name: "after", CreatedAt: time.Unix(1700000000, 0)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(groups) != len(got) {
		t.Errorf("observer removed, yet told of %d more commits", len(groups)-len(got))
	}
}
