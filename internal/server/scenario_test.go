package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestScenarioLock: nodes on one store apply a scenario one at a time, and a
// claim a dead node left is taken over once it is old.
func TestScenarioLock(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	clock := wabi.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	unlock, err := lockScenario(ctx, store, clock)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		u, err := lockScenario(ctx, store, clock)
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("a second node claimed the scenario while the first held it")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-got:
		u()
	case <-time.After(5 * time.Second):
		t.Fatal("the second node did not get the scenario once the first let go")
	}

	// A node that died holding the claim: its claim is taken over once it is
	// older than scenarioLockWait.
	if _, err := lockScenario(ctx, store, clock); err != nil {
		t.Fatal(err)
	}
	clock.Advance(scenarioLockWait + time.Second)
	done := make(chan error, 1)
	go func() {
		u, err := lockScenario(ctx, store, clock)
		if err == nil {
			u()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a dead node's old claim was not taken over")
	}
}
