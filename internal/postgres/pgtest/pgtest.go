// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database WABI_TEST_POSTGRES names, dropped when the test ends.
// Without WABI_TEST_POSTGRES the tests that need one skip, so go test ./...
// stays hermetic; CI sets it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test database.
const Env = "WABI_TEST_POSTGRES"

// DB returns the URL of the test database, or skips the test when Env is not
// set.
func DB(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		t.Skip(Env + " is not set: set it to a PostgreSQL URL " +
			"(postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this test on PostgreSQL")
	}
	return u
}

// Exec runs statements on a connection of its own to the database at dbURL.
func Exec(t testing.TB, dbURL string, sqls ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range sqls {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Schema creates a fresh schema in the test database, dropped with everything
// in it when the test ends, and returns the URL of the database with that
// schema as its search_path. It skips the test when Env is not set.
func Schema(t testing.TB) string {
	t.Helper()
	base := DB(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "wabi_test_" + hex.EncodeToString(b)
	Exec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { Exec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	return WithSearchPath(t, base, schema)
}

// WithSearchPath adds search_path=schema to a connection URL or to a
// key=value connection string.
func WithSearchPath(t testing.TB, dbURL, schema string) string {
	t.Helper()
	if !strings.HasPrefix(dbURL, "postgres://") && !strings.HasPrefix(dbURL, "postgresql://") {
		return dbURL + " search_path=" + schema
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
