package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// Nodes adopting a dead node's messages at once, each through its own store on
// one database, get every message exactly once, and the store names the one
// that got it.
func TestAdoptAcrossStores(t *testing.T) {
	dbURL := pgtest.Schema(t)
	stores := []*Store{mustOpenURL(t, dbURL), mustOpenURL(t, dbURL), mustOpenURL(t, dbURL)}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const n = 300
	ms := make([]*wabi.Message, n)
	want := make([]string, n)
	for i := range ms {
		ms[i] = &wabi.Message{ID: fmt.Sprintf("wamid.%04d", i), PhoneNumberID: "p1", WaID: fmt.Sprintf("1555%04d", i%7),
			Direction: wabi.Outbound, Type: wabi.TypeText, Timestamp: now, Status: wabi.StatusSent, StatusAt: now,
			Node: "dead", Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
		want[i] = ms[i].ID
	}
	if err := stores[0].Commit(ctx, &wabi.Batch{Messages: ms}); err != nil {
		t.Fatal(err)
	}
	const adopters = 6
	for i := range adopters {
		if err := stores[i%len(stores)].Heartbeat(ctx, fmt.Sprintf("n%d", i), now); err != nil {
			t.Fatal(err)
		}
	}

	got := make([][]string, adopters)
	errs := make([]error, adopters)
	var wg sync.WaitGroup
	for i := range adopters {
		wg.Go(func() {
			s, node := stores[i%len(stores)], fmt.Sprintf("n%d", i)
			for range n {
				ms, err := s.AdoptMessages(ctx, node, now.Add(-time.Second), time.Time{}, 5)
				if err != nil || len(ms) == 0 {
					errs[i] = err
					return
				}
				for _, m := range ms {
					got[i] = append(got[i], m.ID)
				}
			}
		})
	}
	wg.Wait()
	var all []string
	for i := range adopters {
		if errs[i] != nil {
			t.Fatalf("adopter %d: %v", i, errs[i])
		}
		all = append(all, got[i]...)
		for _, id := range got[i] {
			m, err := stores[0].Message(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("n%d", i); m.Node != want {
				t.Errorf("%s: stored node %q, want %q, which adopted it", id, m.Node, want)
			}
		}
	}
	slices.Sort(all)
	if !slices.Equal(all, want) {
		t.Errorf("adopted %d messages %v,\nwant each of the %d once", len(all), all, n)
	}
}
