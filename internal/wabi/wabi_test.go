package wabi_test

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestIDsAreTimeOrderedAndUnique: ids sort by creation, also within one millisecond
// and across many goroutines.
func TestIDsAreTimeOrderedAndUnique(t *testing.T) {
	clock := wabi.NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	g := wabi.NewIDGen(clock)
	prev := g.NewID()
	for i := range 10_000 { // more than one millisecond's sequence numbers
		if i%3000 == 0 {
			clock.Advance(time.Millisecond)
		}
		id := g.NewID()
		if a, _ := strconv.ParseUint(id, 10, 64); a <= mustUint(t, prev) {
			t.Fatalf("id %s after %s is not larger", id, prev)
		}
		if n := len(id); n < 15 || n > 17 {
			t.Fatalf("id %s has %d digits", id, n)
		}
		prev = id
	}
	seen := sync.Map{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if _, dup := seen.LoadOrStore(g.NewID(), true); dup {
					t.Error("duplicate id")
				}
			}
		})
	}
	wg.Wait()
}

// TestWAMID: wamids carry the chat's wa_id and direction in Meta's layout.
func TestWAMID(t *testing.T) {
	g := wabi.NewIDGen(wabi.SystemClock{})
	out := g.NewWAMID("16505551234", true)
	in := g.NewWAMID("16505551234", false)
	for _, id := range []string{out, in} {
		if !strings.HasPrefix(id, "wamid.HBgLMTY1MDU1NTEyMzQVAgA") {
			t.Errorf("wamid %s does not start like Meta's for this wa_id", id)
		}
		if got := wabi.WaIDOfWAMID(id); got != "16505551234" {
			t.Errorf("WaIDOfWAMID(%s) = %q", id, got)
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(out, "wamid."))
	if raw[17] != 0x11 {
		t.Errorf("outbound flag byte %#x, want 0x11", raw[17])
	}
	raw, _ = base64.StdEncoding.DecodeString(strings.TrimPrefix(in, "wamid."))
	if raw[17] != 0x12 {
		t.Errorf("inbound flag byte %#x, want 0x12", raw[17])
	}
	if wabi.WaIDOfWAMID("wamid.nope") != "" || wabi.WaIDOfWAMID("ABGGFlA5Fpa") != "" {
		t.Error("WaIDOfWAMID read a foreign id")
	}
}

// TestFloatAndDuration: coordinates as numbers or strings, delays as strings or ms.
func TestFloatAndDuration(t *testing.T) {
	var loc wabi.Location
	if err := json.Unmarshal([]byte(`{"latitude":"37.5","longitude":-122.25}`), &loc); err != nil {
		t.Fatal(err)
	}
	if *loc.Latitude != 37.5 || *loc.Longitude != -122.25 {
		t.Errorf("location %v %v", *loc.Latitude, *loc.Longitude)
	}
	if err := json.Unmarshal([]byte(`{"latitude":"north"}`), &loc); err == nil {
		t.Error("a non-numeric latitude was accepted")
	}
	var b wabi.Behaviour
	if err := json.Unmarshal([]byte(`{"delivery_delay":"1.5s","read_delay":250}`), &b); err != nil {
		t.Fatal(err)
	}
	if time.Duration(b.DeliveryDelay) != 1500*time.Millisecond || time.Duration(b.ReadDelay) != 250*time.Millisecond {
		t.Errorf("behaviour %+v", b)
	}
	out, _ := json.Marshal(b)
	if !strings.Contains(string(out), `"delivery_delay":"1.5s"`) {
		t.Errorf("encoded %s", out)
	}
	if err := json.Unmarshal([]byte(`{"read_delay":"soon"}`), &b); err == nil {
		t.Error("an invalid duration was accepted")
	}
}

// TestManualClock: timers fire only when the clock passes them, in order.
func TestManualClock(t *testing.T) {
	c := wabi.NewManualClock(time.Unix(0, 0))
	fired := make(chan int, 3)
	c.AfterFunc(2*time.Second, func() { fired <- 2 })
	c.AfterFunc(time.Second, func() { fired <- 1 })
	stopped := c.AfterFunc(time.Second, func() { fired <- 99 })
	if !stopped.Stop() {
		t.Error("Stop of a pending timer reported false")
	}
	c.Advance(500 * time.Millisecond)
	if c.Pending() != 2 {
		t.Fatalf("pending %d, want 2", c.Pending())
	}
	c.Advance(time.Second)
	if got := <-fired; got != 1 {
		t.Fatalf("fired %d first", got)
	}
	c.Advance(time.Second)
	if got := <-fired; got != 2 {
		t.Fatalf("fired %d second", got)
	}
	select {
	case got := <-fired:
		t.Fatalf("stopped timer fired: %d", got)
	default:
	}
}

// TestErrorCode: codes come through wrapping; anything else is internal.
func TestErrorCode(t *testing.T) {
	err := wabi.Errorf(wabi.ENotFound, "no %s", "thing")
	if wabi.ErrorCode(err) != wabi.ENotFound || wabi.AsError(err).Message != "no thing" {
		t.Errorf("ErrorCode(%v) = %s", err, wabi.ErrorCode(err))
	}
	if wabi.ErrorCode(json.Unmarshal([]byte("{"), new(any))) != wabi.EInternal {
		t.Error("a plain error is not internal")
	}
	if wabi.ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
