package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testReach runs the stories of messaging limits and quality signals.
func testReach(t *testing.T, s wabi.Store) {
	t.Run("Window", func(t *testing.T) { testReachWindow(t, s) })
	t.Run("Concurrent", func(t *testing.T) { testReachConcurrent(t, s) })
	t.Run("Feedback", func(t *testing.T) { testFeedback(t, s) })
	t.Run("Expire", func(t *testing.T) { testExpireReach(t, s) })
}

// testReachWindow: a business under a limit of 3 reaches three customers;
// the fourth is refused, a customer already in the window is not, and
// customers who leave the window free their places. Numbers share their
// business's window; another business has its own.
func testReachWindow(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	const day = 24 * 60 * 60 // seconds
	add := func(biz, number, waID string, sec int) wabi.ReachResult {
		t.Helper()
		now := at(sec)
		r, err := s.AddReach(ctx, wabi.Reach{BusinessID: biz, PhoneNumberID: number, WaID: waID, At: now}, now.Add(-24*time.Hour), 3)
		must(t, err)
		return r
	}
	steps := []struct {
		name           string
		biz, number, c string
		sec            int
		want           wabi.ReachResult
	}{
		{"first customer", "b1", "n1", "c1", 10, wabi.ReachResult{OK: true, New: true, Count: 1}},
		{"second, through another number", "b1", "n2", "c2", 20, wabi.ReachResult{OK: true, New: true, Count: 2}},
		{"the first again", "b1", "n1", "c1", 30, wabi.ReachResult{OK: true}},
		{"the first through the other number", "b1", "n2", "c1", 40, wabi.ReachResult{OK: true}},
		{"third", "b1", "n1", "c3", 50, wabi.ReachResult{OK: true, New: true, Count: 3}},
		{"fourth is one too many", "b1", "n1", "c4", 60, wabi.ReachResult{New: true, Count: 3}},
		{"a counted customer still may be reached", "b1", "n2", "c2", 70, wabi.ReachResult{OK: true}},
		{"another business has its own window", "b2", "n3", "c4", 80, wabi.ReachResult{OK: true, New: true, Count: 1}},
		// c2's window runs from its last reach (70 s): at day+20 c2 still
		// counts, c1 (40 s) and c3 (50 s) do not.
		{"a day later c1 and c3 have left", "b1", "n1", "c4", day + 55, wabi.ReachResult{OK: true, New: true, Count: 2}},
	}
	for _, st := range steps {
		if got := add(st.biz, st.number, st.c, st.sec); got != st.want {
			t.Errorf("%s: %+v, want %+v", st.name, got, st.want)
		}
	}
	unlimited, err := s.AddReach(ctx, wabi.Reach{BusinessID: "b2", PhoneNumberID: "n3", WaID: "c9", At: at(90)}, at(90).Add(-24*time.Hour), -1)
	must(t, err)
	if want := (wabi.ReachResult{OK: true, New: true}); unlimited != want {
		t.Errorf("no limit: %+v, want %+v", unlimited, want)
	}
	refused, err := s.AddReach(ctx, wabi.Reach{BusinessID: "b3", PhoneNumberID: "n4", WaID: "c1", At: at(90)}, at(90).Add(-24*time.Hour), 0)
	must(t, err)
	if want := (wabi.ReachResult{New: true}); refused != want {
		t.Errorf("limit 0: %+v, want %+v", refused, want)
	}

	// c1 through n2 at 40 s, c2 through n2 at 70 s; c4 through n1 the next day.
	wantAll(t, []check{
		{"business b1 since the start", res(s.Reached(ctx, "b1", "", at(0))), 4},
		{"business b1 in the last day", res(s.Reached(ctx, "b1", "", at(day+55).Add(-24*time.Hour))), 2},
		{"number n1 since the start", res(s.Reached(ctx, "b1", "n1", at(0))), 3},
		{"number n2 since the start", res(s.Reached(ctx, "b1", "n2", at(0))), 2},
		{"number n2 after 60 s", res(s.Reached(ctx, "b1", "n2", at(60))), 1},
		{"a refused customer is not counted", res(s.Reached(ctx, "b3", "", at(0))), 0},
		{"an unknown business", res(s.Reached(ctx, "nobody", "", at(0))), 0},
	})
}

// testReachConcurrent: customers racing for a business's last places never
// take more than the limit, and each winner counts itself.
func testReachConcurrent(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	const limit, racers = 5, 16
	results := make([]wabi.ReachResult, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			results[i], errs[i] = s.AddReach(ctx, wabi.Reach{BusinessID: "race", PhoneNumberID: "n1",
				WaID: fmt.Sprintf("c%d", i), At: at(100)}, at(0), limit)
		})
	}
	wg.Wait()
	won := map[int]bool{}
	for i, r := range results {
		must(t, errs[i])
		if r.OK {
			if won[r.Count] {
				t.Errorf("two winners counted themselves as number %d", r.Count)
			}
			won[r.Count] = true
		} else if r.Count != limit {
			t.Errorf("a refused customer saw %d in the window, want %d", r.Count, limit)
		}
	}
	if len(won) != limit {
		t.Errorf("%d racing customers were recorded, want %d", len(won), limit)
	}
	wantAll(t, []check{{"customers in the window", res(s.Reached(ctx, "race", "", at(0))), limit}})
}

// testFeedback: blocks, unblocks and reports of numbers, counted by period;
// who blocks a number now; a second block or an unblock of nobody changes
// nothing.
func testFeedback(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	fb := func(kind wabi.FeedbackKind, number, waID string, sec int) bool {
		t.Helper()
		changed, err := s.AddFeedback(ctx, wabi.Feedback{PhoneNumberID: number, WaID: waID, Kind: kind, At: at(sec)})
		must(t, err)
		return changed
	}
	steps := []struct {
		name   string
		kind   wabi.FeedbackKind
		number string
		waID   string
		sec    int
		want   bool
	}{
		{"c1 blocks n1", wabi.FeedbackBlock, "n1", "c1", 10, true},
		{"c1 blocks n1 again", wabi.FeedbackBlock, "n1", "c1", 20, false},
		{"c2 blocks n1", wabi.FeedbackBlock, "n1", "c2", 30, true},
		{"c1 reports n1", wabi.FeedbackReport, "n1", "c1", 40, true},
		{"c1 reports n1 again", wabi.FeedbackReport, "n1", "c1", 50, true},
		{"c1 unblocks n1", wabi.FeedbackUnblock, "n1", "c1", 60, true},
		{"c1 unblocks n1 again", wabi.FeedbackUnblock, "n1", "c1", 70, false},
		{"c3 unblocks what it never blocked", wabi.FeedbackUnblock, "n1", "c3", 80, false},
		{"c1 blocks n1 once more", wabi.FeedbackBlock, "n1", "c1", 90, true},
		{"c1 blocks n2", wabi.FeedbackBlock, "n2", "c1", 100, true},
	}
	for _, st := range steps {
		if got := fb(st.kind, st.number, st.waID, st.sec); got != st.want {
			t.Errorf("%s: changed %v, want %v", st.name, got, st.want)
		}
	}
	_, err := s.AddFeedback(ctx, wabi.Feedback{PhoneNumberID: "n1", WaID: "c1", Kind: "like", At: at(1)})
	if err == nil {
		t.Error("a feedback of an unknown kind was taken")
	}
	wantAll(t, []check{
		{"n1 since the start", res(s.CountFeedback(ctx, "n1", at(0))), wabi.FeedbackCount{Blocks: 3, Reports: 2}},
		{"n1 after 45 s", res(s.CountFeedback(ctx, "n1", at(45))), wabi.FeedbackCount{Blocks: 1, Reports: 1}},
		{"n1 from 90 s on does not count 90 s", res(s.CountFeedback(ctx, "n1", at(90))), wabi.FeedbackCount{}},
		{"n2", res(s.CountFeedback(ctx, "n2", at(0))), wabi.FeedbackCount{Blocks: 1}},
		{"who blocks n1", res(s.Blockers(ctx, "n1")), []string{"c1", "c2"}},
		{"who blocks n2", res(s.Blockers(ctx, "n2")), []string{"c1"}},
		{"who blocks n3", res(s.Blockers(ctx, "n3")), []string{}},
	})
}

// testExpireReach: expiry forgets reaches and signals older than its cut, not
// who blocks a number now. Its times come before the other stories', which
// share the store.
func testExpireReach(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	for i, sec := range []int{-30, -20, -10} {
		_, err := s.AddReach(ctx, wabi.Reach{BusinessID: "old", PhoneNumberID: "x1", WaID: fmt.Sprintf("c%d", i), At: at(sec)}, at(-40), -1)
		must(t, err)
	}
	for _, f := range []wabi.Feedback{{PhoneNumberID: "x1", WaID: "c1", Kind: wabi.FeedbackBlock, At: at(-25)},
		{PhoneNumberID: "x1", WaID: "c2", Kind: wabi.FeedbackReport, At: at(-15)}} {
		_, err := s.AddFeedback(ctx, f)
		must(t, err)
	}
	wantAll(t, []check{
		{"expired", res(s.ExpireReach(ctx, at(-20))), 2}, // the reach at -30 s and the block at -25 s
		{"reach left", res(s.Reached(ctx, "old", "", at(-40))), 2},
		{"signals left", res(s.CountFeedback(ctx, "x1", at(-40))), wabi.FeedbackCount{Reports: 1}},
		{"blockers kept", res(s.Blockers(ctx, "x1")), []string{"c1"}},
		{"nothing more to expire", res(s.ExpireReach(ctx, at(-20))), 0},
	})
}
