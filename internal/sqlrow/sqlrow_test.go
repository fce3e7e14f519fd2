package sqlrow

import (
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
