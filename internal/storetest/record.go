package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// keys returns the keys of records, for compact comparisons of lists.
func keys(rs []*wabi.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

// testRecords puts, replaces, lists and deletes records: each (scope, kind, key)
// is its own record, lists come in key order, prefixes match literally (no
// pattern characters), and expiry times round-trip and drive
// DeleteExpiredRecords.
func testRecords(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	rec := func(scope, kind, key string, value string) *wabi.Record {
		return &wabi.Record{Scope: scope, Kind: kind, Key: key, Value: []byte(value), UpdatedAt: at(1)}
	}
	// Put out of key order, with keys that LIKE or GLOB patterns would confuse
	// and a multi-byte rune whose successor byte starts a different rune.
	puts := []*wabi.Record{
		rec("phone1", "user", "bob", `{"role":"USER"}`),
		rec("phone1", "user", "admin", `{"role":"ADMIN"}`),
		rec("phone1", "user", "a%b", `1`),
		rec("phone1", "user", "a_b", `2`),
		rec("phone1", "user", "axb", `3`),
		rec("phone1", "user", "a*b", `4`),
		rec("phone1", "user", "é1", `5`),
		rec("phone1", "user", "ê1", `6`),
		rec("phone1", "user", "\U0010FFFFz", `7`),
		rec("phone1", "session", "admin", `{"token":"t1"}`),
		rec("phone2", "user", "admin", `{"role":"OTHER"}`),
		rec("phone1", "settings", "application", ""), // an empty value
	}
	for _, r := range puts {
		must(t, s.PutRecord(ctx, r))
	}
	admin, session, other := puts[1], puts[9], puts[10]
	wantAll(t, []check{
		{"Record", res(s.Record(ctx, "phone1", "user", "admin")), admin},
		{"Record of another kind", res(s.Record(ctx, "phone1", "session", "admin")), session},
		{"Record of another scope", res(s.Record(ctx, "phone2", "user", "admin")), other},
		{"Record with an empty value", res(s.Record(ctx, "phone1", "settings", "application")), puts[11]},
		{"Records in key order", res(s.Records(ctx, "phone1", "user", "")).keys(),
			[]string{"a%b", "a*b", "a_b", "admin", "axb", "bob", "é1", "ê1", "\U0010FFFFz"}},
		{"Records prefix", res(s.Records(ctx, "phone1", "user", "ad")), []*wabi.Record{admin}},
		{"Records prefix with %", res(s.Records(ctx, "phone1", "user", "a%")).keys(), []string{"a%b"}},
		{"Records prefix with _", res(s.Records(ctx, "phone1", "user", "a_")).keys(), []string{"a_b"}},
		{"Records prefix with *", res(s.Records(ctx, "phone1", "user", "a*")).keys(), []string{"a*b"}},
		{"Records prefix of a whole key", res(s.Records(ctx, "phone1", "user", "bob")).keys(), []string{"bob"}},
		{"Records prefix longer than keys", res(s.Records(ctx, "phone1", "user", "bobby")).keys(), []string{}},
		{"Records multi-byte prefix", res(s.Records(ctx, "phone1", "user", "é")).keys(), []string{"é1"}},
		{"Records prefix of the last rune", res(s.Records(ctx, "phone1", "user", "\U0010FFFF")).keys(),
			[]string{"\U0010FFFFz"}},
		{"Records of another scope", res(s.Records(ctx, "phone2", "user", "")), []*wabi.Record{other}},
		{"Records of another kind", res(s.Records(ctx, "phone1", "session", "")), []*wabi.Record{session}},
		{"Records of an unknown scope", res(s.Records(ctx, "phone3", "user", "")), []*wabi.Record{}},
	})

	// A second put replaces the record, value, expiry and all; an expiry keeps
	// its nanoseconds and no expiry stays the zero time.
	replaced := rec("phone1", "user", "admin", `{"role":"ADMIN","password":"x"}`)
	replaced.ExpiresAt, replaced.UpdatedAt = at(50), at(2)
	must(t, s.PutRecord(ctx, replaced))
	got, err := s.Record(ctx, "phone1", "user", "admin")
	must(t, err)
	wantEqual(t, "replaced Record", got, replaced)
	if got.ExpiresAt.Nanosecond() != t0.Nanosecond() {
		t.Errorf("ExpiresAt %v lost its nanoseconds, want %v", got.ExpiresAt, replaced.ExpiresAt)
	}
	if got, err := s.Record(ctx, "phone1", "user", "bob"); err != nil || !got.ExpiresAt.IsZero() {
		t.Errorf("Record without expiry: ExpiresAt %v, %v; want the zero time", got.ExpiresAt, err)
	}
	wantAll(t, []check{{"Records after a replace", res(s.Records(ctx, "phone1", "user", "ad")), []*wabi.Record{replaced}}})

	for _, c := range []struct {
		name string
		err  error
	}{
		{"Record unknown key", errOf(s.Record(ctx, "phone1", "user", "carol"))},
		{"Record unknown kind", errOf(s.Record(ctx, "phone1", "contact", "admin"))},
		{"Record unknown scope", errOf(s.Record(ctx, "phone3", "user", "admin"))},
		{"DeleteRecord unknown", s.DeleteRecord(ctx, "phone1", "user", "carol")},
	} {
		wantCode(t, c.name, c.err, wabi.ENotFound)
	}
	must(t, s.DeleteRecord(ctx, "phone1", "user", "bob"))
	wantCode(t, "Record deleted", errOf(s.Record(ctx, "phone1", "user", "bob")), wabi.ENotFound)
	wantCode(t, "DeleteRecord twice", s.DeleteRecord(ctx, "phone1", "user", "bob"), wabi.ENotFound)

	// DeleteRecords takes a literal prefix within one kind, or within every kind
	// of the scope when the kind is empty; other scopes keep theirs.
	wantAll(t, []check{
		{"DeleteRecords prefix with _", res(s.DeleteRecords(ctx, "phone1", "user", "a_")), 1},
		{"DeleteRecords nothing", res(s.DeleteRecords(ctx, "phone1", "user", "zz")), 0},
		{"Records after DeleteRecords", res(s.Records(ctx, "phone1", "user", "a")).keys(),
			[]string{"a%b", "a*b", "admin", "axb"}},
		{"DeleteRecords every kind", res(s.DeleteRecords(ctx, "phone1", "", "adm")), 2},
		{"session after DeleteRecords of every kind", res(s.Records(ctx, "phone1", "session", "")), []*wabi.Record{}},
		{"other scope after DeleteRecords", res(s.Records(ctx, "phone2", "user", "")), []*wabi.Record{other}},
		{"DeleteRecords a kind", res(s.DeleteRecords(ctx, "phone1", "user", "")), 6},
		{"settings after DeleteRecords of a kind", res(s.Records(ctx, "phone1", "settings", "")).keys(),
			[]string{"application"}},
	})

	// The store keeps no clock: a record is there, expired or not, until
	// DeleteExpiredRecords takes those due at its now, in every scope, leaving
	// those without expiry.
	var soon, later []*wabi.Record
	for i, scope := range []string{"phone1", "phone2"} {
		r := rec(scope, "session", "s1", "{}")
		r.ExpiresAt = at(10 + i)
		soon = append(soon, r)
		r = rec(scope, "session", "s2", "{}")
		r.ExpiresAt = at(20)
		later = append(later, r)
	}
	for _, r := range append(soon, later...) {
		must(t, s.PutRecord(ctx, r))
	}
	wantAll(t, []check{
		{"DeleteExpiredRecords before any", res(s.DeleteExpiredRecords(ctx, at(10).Add(-time.Nanosecond))), 0},
		{"DeleteExpiredRecords at the first", res(s.DeleteExpiredRecords(ctx, at(10))), 1},
		{"Record due later kept", res(s.Record(ctx, "phone2", "session", "s1")), soon[1]},
		{"Records due later kept", res(s.Records(ctx, "phone2", "session", "")), []*wabi.Record{soon[1], later[1]}},
		{"DeleteExpiredRecords", res(s.DeleteExpiredRecords(ctx, at(30))), 3},
		{"Records after expiry", res(s.Records(ctx, "phone1", "session", "")), []*wabi.Record{}},
		{"records without expiry", res(s.Records(ctx, "phone1", "settings", "")).keys(), []string{"application"}},
		{"DeleteExpiredRecords again", res(s.DeleteExpiredRecords(ctx, at(30))), 0},
	})
}

// keys turns a result holding records into one holding their keys.
func (r result) keys() result {
	if rs, ok := r.v.([]*wabi.Record); ok {
		return result{keys(rs), r.err}
	}
	return r
}
