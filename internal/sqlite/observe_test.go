package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestObserveCommits queues requests behind a busy writer and checks that the
// observer hears of each group commit with the number of requests it carried,
// and of none once it is removed.
func TestObserveCommits(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
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
	release := blockWriter(t, s)
	const n = 5
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := s.CreateBusiness(ctx, business(fmt.Sprint("biz", i))); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, s, n)
	release()
	wg.Wait()

	// The observer runs once the callers are answered: wait for it.
	got := waitGroups(t, &mu, &groups, 2)
	if len(got) != 2 || got[0] != 1 || got[1] != n {
		t.Errorf("groups observed %v, want [1 %d]: the blocking request, then the queued ones together", got, n)
	}

	s.ObserveCommits(nil)
	if err := s.CreateBusiness(ctx, business("after")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(groups) != len(got) {
		t.Errorf("observer removed, yet told of %d more commits", len(groups)-len(got))
	}
}

// waitGroups waits until n commits were observed and returns them.
func waitGroups(t *testing.T, mu *sync.Mutex, groups *[]int, n int) []int {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		got := append([]int(nil), *groups...)
		mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
	}
}
