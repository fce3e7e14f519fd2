package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestRetentionUsesIndexes checks that retention's reads go through indexes: a
// sweep that finds nothing to delete must not read every message or delivery,
// since it runs every minute on a database of millions.
func TestRetentionUsesIndexes(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		query string
		args  []any
		index string // an index the plan must use
	}{
		{"numbers with messages", numbersSQL, nil, "messages_time"},
		{"a number's expired messages", expiredSQL, []any{"pn1", 0, 10}, "messages_time"},
		{"finished deliveries", "SELECT seq" + finishedSQL, []any{0, 10}, "deliveries_finished"},
		{"their attempts", "DELETE FROM attempts WHERE delivery_id IN (SELECT id" + finishedSQL + ")", []any{0, 10}, "deliveries_finished"},
	} {
		rows, err := s.rdb.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "\n"), "INDEX "+c.index) {
			t.Errorf("%s does not use the index %s: plan %q", c.name, c.index, plan)
		}
		for _, step := range plan {
			// A SCAN of a table without an index reads all of it.
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "INDEX") && !strings.Contains(step, "CONSTANT ROW") &&
				!strings.HasPrefix(step, "SCAN nums") {
				t.Errorf("%s reads a whole table: %q in plan %q", c.name, step, plan)
			}
		}
	}
}

// TestRetentionReusesSpace fills the store with a month of messages and a week of
// deliveries, sweeps them all, and does it again: the freed pages take the new
// rows, so the database stops growing; only the small analytics history grows.
func TestRetentionReusesSpace(t *testing.T) {
	s := mustOpenIn(t, t.TempDir())
	ctx := context.Background()
	body := strings.Repeat("Your order #12345 has shipped and will arrive on Tuesday. ", 60) // ~3.5 KB, like a big text
	const perCycle = 500
	var sizes []int64
	for cycle := range 4 {
		// Each cycle's rows are an hour newer than the last's; the cut is after them.
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(cycle) * time.Hour)
		for i := 0; i < perCycle; i += 250 {
			b := &wabi.Batch{}
			var us []wabi.DeliveryUpdate
			for j := i; j < i+250; j++ {
				id := fmt.Sprintf("wamid.%d.%d", cycle, j)
				at := base.Add(time.Duration(j) * time.Millisecond)
				b.Messages = append(b.Messages, &wabi.Message{ID: id, PhoneNumberID: fmt.Sprintf("pn%d", j%3), WaID: "15550002000",
					Direction: wabi.Outbound, Type: wabi.TypeText, Timestamp: at, Status: wabi.StatusRead, StatusAt: at,
					Category: "service", Content: wabi.Content{Text: &wabi.Text{Body: body}}})
				d := &wabi.Delivery{ID: fmt.Sprintf("%d%04d", 1000000000000000+cycle*10000, j), Dialect: wabi.DialectCloud,
					TargetID: "app1", PhoneNumberID: "pn1", WaID: "15550002000", MessageID: id, Event: "status.read",
					Body: []byte(body[:1000]), State: wabi.DeliveryPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
				b.Deliveries = append(b.Deliveries, d)
				done := *d
				done.State, done.Attempts, done.LastStatus = wabi.DeliveryDelivered, 1, 200
				us = append(us, wabi.DeliveryUpdate{Delivery: &done, Attempt: &wabi.Attempt{DeliveryID: d.ID, N: 1, At: at,
					URL: "https://example.com/hook", StatusCode: 200, Response: "ok"}})
			}
			if err := s.Commit(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordAttempts(ctx, us); err != nil {
				t.Fatal(err)
			}
		}
		sizes = append(sizes, pages(t, s))
		cut := base.Add(time.Hour)
		for {
			ms, err := s.ExpireMessages(ctx, cut, 500)
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.ExpireDeliveries(ctx, cut, 500)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 && n == 0 {
				break
			}
		}
		var left int
		if err := s.rdb.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM attempts)").Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Fatalf("cycle %d: %d rows left after the sweep", cycle, left)
		}
	}
	t.Logf("pages when full, per cycle: %v", sizes)
	// The first fill grows the file; later ones reuse what the sweeps freed. The
	// history (about 30 bytes a message) may add a few pages a cycle.
	grown := sizes[len(sizes)-1] - sizes[1]
	if limit := sizes[0] / 20; grown > limit {
		t.Errorf("the database grew by %d pages over two more fill and sweep cycles (full at %v pages), want under %d", grown, sizes, limit)
	}
}

// pages returns how many pages the database has, its size on disk once the WAL
// is checkpointed.
func pages(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.rdb.QueryRowContext(context.Background(), "PRAGMA page_count").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
