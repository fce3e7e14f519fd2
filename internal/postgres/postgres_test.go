package postgres

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/storetest"
	"github.com/wabihq/wabi/internal/wabi"
)

// mustOpenURL opens the store at dbURL, closed when the test ends (before its
// schema is dropped).
func mustOpenURL(t testing.TB, dbURL string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustOpen opens a store in a fresh schema.
func mustOpen(t testing.TB) *Store {
	t.Helper()
	return mustOpenURL(t, pgtest.Schema(t))
}

func TestStore(t *testing.T) {
	pgtest.DB(t)
	storetest.Run(t, func(t *testing.T) wabi.Store { return mustOpen(t) })
}

func TestDurable(t *testing.T) {
	dbURL := pgtest.Schema(t)
	// The store keeps nothing in the directory: reopening means connecting to
	// the same schema again.
	storetest.RunDurable(t, func(string) (wabi.Store, error) { return Open(context.Background(), dbURL) })
}

// lockKey returns the advisory lock key that the SQL expression key gives on
// conn.
func lockKey(t *testing.T, conn *pgx.Conn, key string) int64 {
	t.Helper()
	var k int64
	if err := conn.QueryRow(context.Background(), "SELECT "+key).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}

// waitLockWaiters waits until n connections wait for the advisory lock key.
// pg_locks shows a 64-bit advisory key as two 32-bit halves.
func waitLockWaiters(t *testing.T, conn *pgx.Conn, key int64, n int) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var waiting int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND classid::bigint = ($1::bigint >> 32) & 4294967295 AND objid::bigint = $1::bigint & 4294967295`,
			key).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections wait for advisory lock %d, want %d", waiting, key, n)
		}
	}
}

// TestConcurrentOpen starts two stores at once on a fresh schema while the
// schema's migration lock is held: both wait for it, and once it is released
// both open, the schema is migrated once, and each store sees what the other
// writes.
func TestConcurrentOpen(t *testing.T) {
	dbURL := pgtest.Schema(t)
	ctx := context.Background()
	holder, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock("+migrateLockKey+")"); err != nil {
		t.Fatal(err)
	}

	stores := make([]*Store, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, dbURL) })
	}
	// Both Opens must be waiting for the lock, having touched nothing yet.
	waitLockWaiters(t, holder, lockKey(t, holder, migrateLockKey), 2)
	var tables int
	if err := holder.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").
		Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("%d tables (%v) in the schema while its migration lock is held, want none", tables, err)
	}
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock("+migrateLockKey+")"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}

	var applied, distinct int
	if err := holder.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id) FROM goose_db_version
		WHERE version_id > 0`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied == 0 {
		t.Errorf("%d migrations recorded, %d distinct: want each once", applied, distinct)
	}
	b := &wabi.Business{ID: "biz1", Name: "Acme", CreatedAt: time.Unix(1700000000, 1).UTC()}
	if err := stores[0].CreateBusiness(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := stores[1].Business(ctx, "biz1")
	if err != nil || !got.CreatedAt.Equal(b.CreatedAt) {
		t.Errorf("Business through the other store = %+v, %v", got, err)
	}
}

// TestSchemas: stores on two schemas of one database keep apart, and a
// schema's migration lock does not hold up another's.
func TestSchemas(t *testing.T) {
	a, b := mustOpen(t), mustOpen(t)
	ctx := context.Background()
	if err := a.CreateBusiness(ctx, &wabi.Business{ID: "biz1", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Business(ctx, "biz1"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("Business of another schema: %v, want not_found", err)
	}
	if err := b.CreateBusiness(ctx, &wabi.Business{ID: "biz1", Name: "B"}); err != nil {
		t.Errorf("the same id in another schema: %v", err)
	}
}

// TestOpenErrors: a URL that is not one fails without repeating itself (it may
// hold a password), and a database that is not there fails Open.
func TestOpenErrors(t *testing.T) {
	pgtest.DB(t)
	ctx := context.Background()
	_, err := Open(ctx, "postgres://wabi:s3cret@[::1/db")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a malformed URL: %v; want an error without the password", err)
	}
	u, perr := url.Parse(pgtest.DB(t))
	if perr != nil {
		t.Fatal(perr)
	}
	u.Path = "/wabi_no_such_database"
	if s, err := Open(ctx, u.String()); err == nil {
		s.Close()
		t.Error("Open of a database that does not exist succeeded")
	}
}
