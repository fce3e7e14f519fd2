package wabi

import (
	"context"
	"time"
)

// Bucket is a token bucket: it holds Burst tokens when full and gets one back
// every Interval. Keys of every limit share one space, so a limit prefixes its
// own ("tput/<phone number id>").
type Bucket struct {
	Key string
	// Burst is how many tokens the full bucket holds: 1 to MaxBurst.
	Burst int
	// Interval is how long one token takes to come back: more than 0 and at
	// most MaxInterval. Burst × Interval is at most MaxFill.
	Interval time.Duration
}

// Bounds of a Bucket, so that a bucket's times fit in int64 nanoseconds.
const (
	MaxBurst    = 10_000_000
	MaxInterval = 24 * time.Hour
	MaxFill     = 1000 * 24 * time.Hour
)

// Take asks a bucket for N tokens: 0 to the bucket's Burst. N = 0 only reads
// the bucket: it is always granted, and its RetryAfter is how long until the
// bucket holds a token.
type Take struct {
	Bucket
	N int
}

// Tokens is what a take found in its bucket.
type Tokens struct {
	// Remaining is how many whole tokens the bucket holds now: after the take
	// when it was granted, without it when it was not.
	Remaining int
	// RetryAfter is how long until this take alone would be granted: 0 when
	// its bucket had the tokens. A caller that waits that long and finds
	// nobody else took from the bucket meanwhile gets them.
	RetryAfter time.Duration
	// Full is how long until the bucket is full again, as Remaining counts
	// it: 0 when it is full.
	Full time.Duration
}

// Next is how long until the bucket of t, as f found it, holds a token: 0
// when it holds one.
func (f Tokens) Next(b Bucket) time.Duration {
	return max(0, f.Full-time.Duration(b.Burst-1)*b.Interval)
}

// RateStore keeps the token buckets of Meta's rate limits (throughput per
// number, pair rate per customer, management calls per app and WABA), so that
// a limit holds across every node sharing the store.
//
// A bucket is kept as its theoretical arrival time (GCRA): the time at which
// it would be full again. A bucket never seen, or full for a while, is full;
// a store may forget such buckets. Times are the caller's: nodes sharing a
// store should keep their clocks in step, as a node whose clock runs d ahead
// can take up to d's worth of tokens early.
type RateStore interface {
	// TakeTokens takes, at now, the tokens of every take or of none: granted
	// is true when each bucket had its take's tokens, and then all of them are
	// taken; when one had not, nothing is taken from any. It returns what
	// each take found, in the order of takes. Takes made at once, through one
	// store or several on the same database, never grant more than the
	// buckets hold. EInvalidParam for a bucket out of bounds, a take out of
	// its bucket's range or a key given twice.
	TakeTokens(ctx context.Context, now time.Time, takes []Take) (granted bool, found []Tokens, err error)
}

// CheckTakes returns EInvalidParam if TakeTokens may not take takes, so that
// every store refuses the same ones.
func CheckTakes(takes []Take) error {
	for i, t := range takes {
		switch {
		case t.Key == "":
			return Errorf(EInvalidParam, "bucket %d has no key", i)
		case t.Burst < 1 || t.Burst > MaxBurst:
			return Errorf(EInvalidParam, "bucket %s: burst %d is not 1 to %d", t.Key, t.Burst, MaxBurst)
		case t.Interval <= 0 || t.Interval > MaxInterval:
			return Errorf(EInvalidParam, "bucket %s: interval %s is not above 0 and at most %s", t.Key, t.Interval, MaxInterval)
		case t.Interval > MaxFill/time.Duration(t.Burst):
			return Errorf(EInvalidParam, "bucket %s: %d tokens of %s take longer than %s to fill", t.Key, t.Burst, t.Interval, MaxFill)
		case t.N < 0 || t.N > t.Burst:
			return Errorf(EInvalidParam, "bucket %s: a take of %d tokens is not 0 to its burst %d", t.Key, t.N, t.Burst)
		}
		for _, u := range takes[:i] {
			if u.Key == t.Key {
				return Errorf(EInvalidParam, "bucket %s is taken from twice", t.Key)
			}
		}
	}
	return nil
}

// Apply applies GCRA to the take's bucket, whose theoretical arrival time is
// tat (Unix nanoseconds; 0 for a bucket never seen), at now: it returns what
// the take finds, the bucket's theoretical arrival time after it, and whether
// it is granted. A take of 0 tokens is always granted and changes nothing; its
// RetryAfter is how long until the bucket holds a token. Stores that keep
// buckets in memory call it; the others compute the same in their own
// language.
func (t Take) Apply(tat, now int64) (found Tokens, newTAT int64, granted bool) {
	interval := int64(t.Interval)
	full := int64(t.Burst) * interval
	if tat < now {
		tat = now
	}
	next := tat + int64(max(t.N, 1))*interval
	wait := next - full - now
	if t.N == 0 || wait > 0 {
		return Tokens{Remaining: whole(now+full-tat, interval), RetryAfter: time.Duration(max(wait, 0)), Full: time.Duration(tat - now)}, tat, t.N == 0
	}
	return Tokens{Remaining: whole(now+full-next, interval), Full: time.Duration(next - now)}, next, true
}

// whole is how many whole intervals d holds, 0 if d is negative: a bucket
// whose burst shrank may hold more debt than it could now run up.
func whole(d, interval int64) int {
	if d <= 0 {
		return 0
	}
	return int(d / interval)
}
