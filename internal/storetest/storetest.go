// Package storetest is the behavioural suite every wabi.Store passes. A store's
// own tests call Run with a function that opens a fresh, empty store, and
// RunDurable with one that opens the store kept in a directory; the suite then
// checks what the platform relies on: not-found and conflict codes, list orders
// and filters, status ranks, atomic batches, concurrent commits and durability.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Run runs the suite. Each subtest runs in parallel with the others on a store
// of its own: open must return a new, empty store each time it is called. Run
// closes the stores it opens.
func Run(t *testing.T, open func(t *testing.T) wabi.Store) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s wabi.Store)
	}{
		{"Tenancy", testTenancy},
		{"NotFoundAndConflict", testNotFoundAndConflict},
		{"Tokens", testTokens},
		{"Subscriptions", testSubscriptions},
		{"Templates", testTemplates},
		{"VirtualPhones", testVirtualPhones},
		{"Commit", testCommit},
		{"StatusRank", testStatusRank},
		{"DuplicateMessage", testDuplicateMessage},
		{"Window", testWindow},
		{"Messages", testMessages},
		{"MessageFilter", testMessageFilter},
		{"Unfinished", testUnfinished},
		{"AdoptMessages", testAdoptMessages}, {"ConcurrentAdoptions", testConcurrentAdoptions},
		{"PendingDeliveries", testPendingDeliveries},
		{"RecordAttempts", testRecordAttempts},
		{"Claims", testClaims}, {"ClaimOrder", testClaimOrder}, {"ConcurrentClaims", testConcurrentClaims},
		{"ClaimBacklog", testClaimBacklog}, {"ClaimRuns", testClaimRuns},
		{"Deliveries", testDeliveries},
		{"DeliveryFilter", testDeliveryFilter},
		{"ConcurrentCommits", testConcurrentCommits},
		{"CancelledContext", testCancelledContext},
		{"Media", testMedia},
		{"TemplateDetails", testTemplateDetails},
		{"PhoneRegistration", testPhoneRegistration},
		{"Profiles", testProfiles},
		{"UploadSessions", testUploadSessions},
		{"MessageStats", testMessageStats},
		{"DeleteMessages", testDeleteMessages},
		{"ExpireMessages", testExpireMessages},
		{"ExpireDeliveries", testExpireDeliveries},
		{"Records", testRecords},
		{"SwapRecord", testSwapRecord},
		{"Rates", testRates},
		{"Reach", testReach},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.test(t, s)
		})
	}
}

// t0 is when the suite's stories start. Its nanoseconds check that times
// round-trip exactly.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// tree is a small tenancy tree: one business with a WABA, a phone number and an
// app.
type tree struct {
	biz   *wabi.Business
	waba  *wabi.WABA
	phone *wabi.PhoneNumber
	app   *wabi.App
}

// mustTree creates tenancy tree n: business "bizN" with WABA "wabaN", phone
// number "phoneN" and app "appN".
func mustTree(t *testing.T, s wabi.Store, n int, created time.Time) tree {
	t.Helper()
	ctx := context.Background()
	id := func(kind string) string { return fmt.Sprintf("%s%d", kind, n) }
	tr := tree{
		biz: &wabi.Business{ID: id("biz"), Name: "Acme " + id(""), CreatedAt: created},
		waba: &wabi.WABA{ID: id("waba"), BusinessID: id("biz"), Name: "Acme WABA",
			Currency: "USD", TimezoneID: "1", Namespace: id("ns_"), CreatedAt: created},
		phone: &wabi.PhoneNumber{ID: id("phone"), WABAID: id("waba"),
			DisplayPhoneNumber: id("1555000"), VerifiedName: "Acme", Platform: wabi.PlatformCloud,
			Registered: true, QualityRating: "GREEN", CreatedAt: created},
		app: &wabi.App{ID: id("app"), BusinessID: id("biz"), Name: "Acme App",
			Secret: "s3cret", CallbackURL: "https://example.com/hook", VerifyToken: "vt",
			Fields: []string{wabi.FieldMessages}, APIVersion: "v23.0", CreatedAt: created},
	}
	must(t, s.CreateBusiness(ctx, tr.biz))
	must(t, s.CreateWABA(ctx, tr.waba))
	must(t, s.CreatePhoneNumber(ctx, tr.phone))
	must(t, s.CreateApp(ctx, tr.app))
	return tr
}

// must fails the test at once on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// result is what a store method returned, so that tables of checks can hold
// calls: res(s.WABAs(ctx, "biz1")).
type result struct {
	v   any
	err error
}

func res[T any](v T, err error) result { return result{v, err} }

// check is one expectation of a table: a call's result and the value it should
// have returned.
type check struct {
	name string
	got  result
	want any
}

// wantAll runs a table of checks.
func wantAll(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		if c.got.err != nil {
			t.Errorf("%s: %v", c.name, c.got.err)
			continue
		}
		wantEqual(t, c.name, c.got.v, c.want)
	}
}

// wantCode checks that err carries the domain code.
func wantCode(t *testing.T, what string, err error, code wabi.Code) {
	t.Helper()
	if got := wabi.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

// wantEqual checks that got equals want, comparing times with time.Equal and
// treating nil and empty slices alike, since stores need not keep either.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !equal(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Errorf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

var timeType = reflect.TypeFor[time.Time]()

func equal(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equal(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if v := b.MapIndex(k); !v.IsValid() || !equal(a.MapIndex(k), v) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}
