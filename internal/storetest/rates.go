package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testRates checks the token buckets the rate limits hold across nodes: GCRA's
// arithmetic, takes from several buckets all or none, and, as properties over
// random request times, that a bucket never grants more than its burst plus
// its rate over any window and never starves a client that waits what it was
// told; then that takers racing from many goroutines get exactly what the
// bucket holds.
func testRates(t *testing.T, s wabi.Store) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s wabi.Store)
	}{
		{"Bucket", testBucket},
		{"AllOrNone", testAllOrNone},
		{"InvalidTakes", testInvalidTakes},
		{"NeverOverRate", testNeverOverRate},
		{"NeverStarving", testNeverStarving},
		{"ConcurrentTakers", testConcurrentTakers},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, s) })
	}
}

// take is one take of n tokens from a bucket of burst tokens, one back every
// interval.
func take(key string, burst int, interval time.Duration, n int) wabi.Take {
	return wabi.Take{Bucket: wabi.Bucket{Key: key, Burst: burst, Interval: interval}, N: n}
}

// mustTake takes and fails the test on an error.
func mustTake(t *testing.T, s wabi.Store, now time.Time, takes ...wabi.Take) (bool, []wabi.Tokens) {
	t.Helper()
	ok, found, err := s.TakeTokens(context.Background(), now, takes)
	if err != nil {
		t.Fatalf("TakeTokens at %s: %v", now.Sub(t0), err)
	}
	if len(found) != len(takes) {
		t.Fatalf("TakeTokens at %s: %d answers to %d takes", now.Sub(t0), len(found), len(takes))
	}
	return ok, found
}

// testBucket walks one bucket of 3 tokens, one back a second, through GCRA:
// a burst, a refusal that says when, a token back on time, a read that takes
// nothing, and a bucket full again after a rest.
func testBucket(t *testing.T, s wabi.Store) {
	b := func(n int) wabi.Take { return take("b/one", 3, time.Second, n) }
	type step struct {
		name string
		at   time.Duration
		take wabi.Take
		ok   bool
		want wabi.Tokens
	}
	s3 := time.Duration(3) * time.Second
	for _, st := range []step{
		{"first of a new bucket", 0, b(1), true, wabi.Tokens{Remaining: 2, Full: time.Second}},
		{"second", 0, b(1), true, wabi.Tokens{Remaining: 1, Full: 2 * time.Second}},
		{"a read", 0, b(0), true, wabi.Tokens{Remaining: 1, Full: 2 * time.Second}},
		{"third", 0, b(1), true, wabi.Tokens{Remaining: 0, Full: s3}},
		{"a read of an empty bucket says when a token comes", 0, b(0), true, wabi.Tokens{Remaining: 0, RetryAfter: time.Second, Full: s3}},
		{"fourth at once", 0, b(1), false, wabi.Tokens{Remaining: 0, RetryAfter: time.Second, Full: s3}},
		{"two tokens 0.4 s later", 400 * time.Millisecond, b(2), false, wabi.Tokens{Remaining: 0, RetryAfter: 1600 * time.Millisecond, Full: 2600 * time.Millisecond}},
		{"one token a nanosecond early", time.Second - 1, b(1), false, wabi.Tokens{Remaining: 0, RetryAfter: 1, Full: 2*time.Second + 1}},
		{"one token on time", time.Second, b(1), true, wabi.Tokens{Remaining: 0, Full: s3}},
		{"half a token later", 1500 * time.Millisecond, b(1), false, wabi.Tokens{Remaining: 0, RetryAfter: 500 * time.Millisecond, Full: 2500 * time.Millisecond}},
		{"after a long rest the bucket is full", time.Hour, b(3), true, wabi.Tokens{Remaining: 0, Full: s3}},
		{"and it holds no more than its burst", 2 * time.Hour, b(0), true, wabi.Tokens{Remaining: 3}},
	} {
		ok, found := mustTake(t, s, t0.Add(st.at), st.take)
		if ok != st.ok || found[0] != st.want {
			t.Errorf("%s: granted %v, found %+v; want %v, %+v", st.name, ok, found[0], st.ok, st.want)
		}
	}
	// When the next token comes follows from when the bucket is full.
	for _, tc := range []struct {
		found wabi.Tokens
		want  time.Duration
	}{
		{wabi.Tokens{Remaining: 0, Full: s3}, time.Second},
		{wabi.Tokens{Remaining: 0, Full: 2500 * time.Millisecond}, 500 * time.Millisecond},
		{wabi.Tokens{Remaining: 1, Full: 2 * time.Second}, 0},
		{wabi.Tokens{Remaining: 3}, 0},
	} {
		if got := tc.found.Next(b(0).Bucket); got != tc.want {
			t.Errorf("%+v: next token in %s, want %s", tc.found, got, tc.want)
		}
	}
	// Another key is another bucket, and a bucket's shape is the take's: the
	// same key read with a larger burst holds more.
	if ok, found := mustTake(t, s, t0.Add(2*time.Hour), take("b/two", 3, time.Second, 3)); !ok || found[0].Remaining != 0 {
		t.Errorf("a second bucket: granted %v, found %+v; want a full bucket of its own", ok, found[0])
	}
	if _, found := mustTake(t, s, t0.Add(2*time.Hour), take("b/two", 5, time.Second, 0)); found[0].Remaining != 2 {
		t.Errorf("a bucket read with a larger burst holds %d tokens, want 2", found[0].Remaining)
	}
}

// testAllOrNone: a take from a full bucket and an empty one takes from
// neither, and reports each as it is; the same take later takes from both.
func testAllOrNone(t *testing.T, s wabi.Store) {
	full := func(n int) wabi.Take { return take("aon/full", 10, time.Second, n) }
	empty := func(n int) wabi.Take { return take("aon/empty", 2, 6*time.Second, n) }
	if ok, _ := mustTake(t, s, t0, empty(2)); !ok {
		t.Fatal("emptying a new bucket was refused")
	}
	for i := range 3 {
		ok, found := mustTake(t, s, t0.Add(time.Duration(i)*time.Second), full(1), empty(1))
		want := []wabi.Tokens{{Remaining: 10}, {Remaining: 0, RetryAfter: 6*time.Second - time.Duration(i)*time.Second,
			Full: 12*time.Second - time.Duration(i)*time.Second}}
		if ok || !reflect.DeepEqual(found, want) {
			t.Fatalf("take %d from a full and an empty bucket: granted %v, found %+v; want refused, %+v", i, ok, found, want)
		}
	}
	ok, found := mustTake(t, s, t0.Add(6*time.Second), full(1), empty(1))
	if want := []wabi.Tokens{{Remaining: 9, Full: time.Second}, {Remaining: 0, Full: 12 * time.Second}}; !ok || !reflect.DeepEqual(found, want) {
		t.Fatalf("the same take once the empty bucket has a token: granted %v, found %+v; want granted, %+v", ok, found, want)
	}
	// A read alongside a refused take is still a read.
	ok, found = mustTake(t, s, t0.Add(6*time.Second), full(0), empty(1))
	if ok || found[0].Remaining != 9 {
		t.Fatalf("a read with a refused take: granted %v, found %+v; want refused with 9 tokens read", ok, found)
	}
	if ok, _ := mustTake(t, s, t0); !ok {
		t.Fatal("a take of no buckets was refused")
	}
}

// testInvalidTakes: every store refuses the same malformed takes.
func testInvalidTakes(t *testing.T, s wabi.Store) {
	for name, takes := range map[string][]wabi.Take{
		"no key":               {take("", 1, time.Second, 1)},
		"burst 0":              {take("k", 0, time.Second, 0)},
		"burst over the most":  {take("k", wabi.MaxBurst+1, time.Second, 1)},
		"interval 0":           {take("k", 1, 0, 1)},
		"interval over a day":  {take("k", 1, 25*time.Hour, 1)},
		"fill over 1000 days":  {take("k", 2000, 24*time.Hour, 1)},
		"more than the burst":  {take("k", 3, time.Second, 4)},
		"negative take":        {take("k", 3, time.Second, -1)},
		"one key twice":        {take("k", 3, time.Second, 1), take("k", 3, time.Second, 1)},
		"bad after a good one": {take("k", 3, time.Second, 1), take("j", 3, time.Second, 9)},
	} {
		_, _, err := s.TakeTokens(context.Background(), t0, takes)
		wantCode(t, name, err, wabi.EInvalidParam)
	}
	// Nothing was taken by the refused calls.
	if _, found := mustTake(t, s, t0, take("k", 3, time.Second, 0)); found[0].Remaining != 3 {
		t.Fatalf("after refused takes the bucket holds %d tokens, want 3", found[0].Remaining)
	}
}

// testNeverOverRate: over random request times and sizes, the tokens a
// bucket grants in any window [a, b] are at most its burst plus one per
// interval of b - a.
func testNeverOverRate(t *testing.T, s wabi.Store) {
	const burst, interval = 5, 100 * time.Millisecond
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 12))
		key := fmt.Sprintf("rate/%d", seed)
		now := t0
		type grant struct {
			at time.Time
			n  int
		}
		var grants []grant
		for range 150 {
			// Gaps from none to 2.5 intervals, often none: bursts and lulls.
			if rng.IntN(3) > 0 {
				now = now.Add(time.Duration(rng.Int64N(int64(interval) * 5 / 2)))
			}
			n := 1 + rng.IntN(2)
			if ok, _ := mustTake(t, s, now, take(key, burst, interval, n)); ok {
				grants = append(grants, grant{now, n})
			}
		}
		if len(grants) < 20 {
			t.Fatalf("seed %d: only %d takes granted; the test needs more to mean anything", seed, len(grants))
		}
		for i := range grants {
			tokens := 0
			for j := i; j < len(grants); j++ {
				tokens += grants[j].n
				window := grants[j].at.Sub(grants[i].at)
				if most := burst + int(window/interval); tokens > most {
					t.Fatalf("seed %d: %d tokens granted within %s, more than %d (burst %d + one per %s)",
						seed, tokens, window, most, burst, interval)
				}
			}
		}
	}
}

// testNeverStarving: a client refused, which waits the RetryAfter it was told
// while nobody else takes, is granted, with one bucket or several.
func testNeverStarving(t *testing.T, s wabi.Store) {
	rng := rand.New(rand.NewPCG(7, 7))
	now := t0
	tput := func(n int) wabi.Take { return take("starve/tput", 8, 125*time.Millisecond, n) }
	pair := func(n int) wabi.Take { return take("starve/pair", 3, 6*time.Second, n) }
	refused := 0
	for range 120 {
		now = now.Add(time.Duration(rng.Int64N(int64(time.Second))))
		takes := []wabi.Take{tput(1 + rng.IntN(3))}
		if rng.IntN(2) == 0 {
			takes = append(takes, pair(1))
		}
		ok, found := mustTake(t, s, now, takes...)
		if ok {
			continue
		}
		refused++
		var wait time.Duration
		for _, f := range found {
			wait = max(wait, f.RetryAfter)
		}
		if wait <= 0 {
			t.Fatalf("refused at %s with no time to wait: %+v", now.Sub(t0), found)
		}
		now = now.Add(wait)
		if ok, found := mustTake(t, s, now, takes...); !ok {
			t.Fatalf("refused again at %s after waiting the %s it was told: %+v", now.Sub(t0), wait, found)
		}
	}
	if refused < 10 {
		t.Fatalf("only %d takes were refused; the test needs more to mean anything", refused)
	}
}

// testConcurrentTakers: takers racing from many goroutines, at one instant,
// get exactly what the buckets hold: from one bucket, and from two buckets
// taken all or none in opposite orders (which must not deadlock a store that
// locks them).
func testConcurrentTakers(t *testing.T, s wabi.Store) {
	const takers, tries = 8, 30
	race := func(takes func(i int) []wabi.Take) int {
		var granted atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, takers)
		for i := range takers {
			wg.Go(func() {
				for range tries {
					ok, _, err := s.TakeTokens(context.Background(), t0, takes(i))
					if err != nil {
						errs <- err
						return
					}
					if ok {
						granted.Add(1)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		return int(granted.Load())
	}
	if got := race(func(int) []wabi.Take { return []wabi.Take{take("race/one", 100, time.Hour, 1)} }); got != 100 {
		t.Errorf("one bucket of 100: %d takes granted, want 100", got)
	}
	x := func() wabi.Take { return take("race/x", 70, time.Hour, 1) }
	y := func() wabi.Take { return take("race/y", 50, time.Hour, 1) }
	got := race(func(i int) []wabi.Take {
		// Each taker also has a bucket of its own, new to the store.
		own := take(fmt.Sprintf("race/own/%d", i), tries, time.Hour, 1)
		if i%2 == 0 {
			return []wabi.Take{x(), y(), own}
		}
		return []wabi.Take{own, y(), x()}
	})
	if got != 50 {
		t.Errorf("buckets of 70 and 50 taken together: %d takes granted, want 50", got)
	}
	if _, found := mustTake(t, s, t0, take("race/x", 70, time.Hour, 0)); found[0].Remaining != 20 {
		t.Errorf("the bucket of 70 holds %d tokens after 50 joint takes, want 20", found[0].Remaining)
	}
}
