package sqlrow

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The zero time is stored as 0 and comes back zero; other times come back in
// UTC to the nanosecond.
func TestNanos(t *testing.T) {
	if n := Nanos(time.Time{}); n != 0 {
		t.Fatalf("Nanos(zero) = %d, want 0", n)
	}
	if got := FromNanos(0); !got.IsZero() {
		t.Fatalf("FromNanos(0) = %v, want the zero time", got)
	}
	at := time.Date(2026, 3, 1, 12, 30, 0, 123456789, time.FixedZone("x", 3600))
	got := FromNanos(Nanos(at))
	if !got.Equal(at) || got.Location() != time.UTC {
		t.Fatalf("FromNanos(Nanos(%v)) = %v, want the same instant in UTC", at, got)
	}
}

// A list survives the round trip through a text column, and bad text is an
// error that says it is a decode.
func TestJSON(t *testing.T) {
	s, err := ToJSON([]string{"a", "b"})
	if err != nil || s != `["a","b"]` {
		t.Fatalf(`ToJSON = %q, %v; want ["a","b"]`, s, err)
	}
	var back []string
	if err := FromJSON(s, &back); err != nil || len(back) != 2 || back[1] != "b" {
		t.Fatalf("FromJSON = %v, %v", back, err)
	}
	if err := FromJSON("{", &back); err == nil || !strings.Contains(err.Error(), "decode") {
		t.Fatalf("FromJSON of bad text = %v, want a decode error", err)
	}
	if _, err := ToJSON(func() {}); err == nil || !strings.Contains(err.Error(), "encode") {
		t.Fatalf("ToJSON of a func = %v, want an encode error", err)
	}
}

// TestGather: rows are asked for key by key, only as many as still wanted,
// and no key is asked once limit rows are in.
func TestGather(t *testing.T) {
	rows := map[string][]int{"a": {1, 2}, "b": {3, 4, 5}, "c": {6}}
	var asked []string
	got, err := Gather([]string{"a", "b", "c"}, 4, func(k string, want int) ([]int, error) {
		asked = append(asked, k)
		r := rows[k]
		return r[:min(want, len(r))], nil
	})
	if err != nil || fmt.Sprint(got) != "[1 2 3 4]" || fmt.Sprint(asked) != "[a b]" {
		t.Fatalf("Gather = %v, %v after asking %v", got, err, asked)
	}
}
