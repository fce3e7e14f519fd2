package platform_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestClaimIDNode: nodes on one store lease different node numbers for their
// ids; the number of a node silent for three node timeouts goes to the next
// node, and the silent node learns it lost it when it renews.
func TestClaimIDNode(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := wabi.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	node := func() *platform.Platform {
		p := platform.New(store, idleNetwork{}, clock, wabi.NewIDGen(clock))
		p.Logger = slog.New(slog.DiscardHandler)
		return p
	}
	ctx := context.Background()
	seen := map[uint64]bool{}
	var first *platform.Platform
	for i := range 16 {
		p := node()
		n, err := p.ClaimIDNode(ctx)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if seen[n] {
			t.Fatalf("node %d got number %d, which another live node holds", i, n)
		}
		seen[n] = true
		if i == 0 {
			first = p
		}
	}
	if _, err := node().ClaimIDNode(ctx); wabi.ErrorCode(err) != wabi.EInternal {
		t.Fatalf("a 17th node: %v, want an internal error saying all are held", err)
	}

	// Everyone but the first renews; after three node timeouts its number is
	// free for a new node.
	clock.Advance(31 * time.Second)
	late := node()
	n, err := late.ClaimIDNode(ctx)
	if err != nil || n != 0 {
		t.Fatalf("a node after the first went silent: number %d, %v, want 0", n, err)
	}
	if err := first.RenewIDNodeForTest(ctx); wabi.ErrorCode(err) != wabi.EInternal {
		t.Fatalf("the silent node renewing a number taken over: %v, want an internal error", err)
	}
}
