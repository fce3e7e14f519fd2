package webhook

import (
	"net/http"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestPending: the backlog counts what is queued, ignores repeats, and is
// empty once everything is delivered.
func TestPending(t *testing.T) {
	t.Parallel()
	s := mustStore(t)
	r := mustReceiver(t, func(string, int) (int, string) { return http.StatusOK, "ok" })
	clock := wabi.NewManualClock(start)
	e := NewEngine(s, toReceiver(r), clock)
	a := delivery(1, "app1", "15550001", clock.Now())
	b := delivery(2, "app1", "15550001", clock.Now())
	c := delivery(3, "app1", "15550002", clock.Now())
	mustCommit(t, s, a, b, c)
	e.Enqueue(a, b)
	e.Enqueue(b, c) // b again: one delivery, not two
	if got := e.Pending(); got != 3 {
		t.Fatalf("pending = %d, want 3", got)
	}
	mustRun(t, e)
	waitFor(t, "deliveries", e.Idle)
	if got := e.Pending(); got != 0 {
		t.Errorf("pending after delivery = %d, want 0", got)
	}
}
