package platform_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestEnsureDemoOnce: nodes that start together on one empty store make one
// demo between them, and every one of them gets it whole.
func TestEnsureDemoOnce(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := wabi.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	const nodes = 4
	demos := make([]*platform.Demo, nodes)
	created := make([]bool, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		p := platform.New(store, idleNetwork{}, clock, wabi.NewIDGen(clock))
		p.Logger = slog.New(slog.DiscardHandler)
		wg.Go(func() { demos[i], created[i], errs[i] = p.EnsureDemo(context.Background()) })
	}
	wg.Wait()
	made := 0
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		if created[i] {
			made++
		}
		if d := demos[i]; d.Token == nil || d.Customer == nil || d.Phone == nil || d.Token.Value != demos[0].Token.Value {
			t.Fatalf("node %d got the demo %+v, node 0 %+v", i, d, demos[0])
		}
	}
	bs, err := store.Businesses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if made != 1 || len(bs) != 1 {
		t.Fatalf("%d nodes created a demo and the store has %d businesses, want 1 and 1", made, len(bs))
	}
}
