package platform_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/bus"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

func faultRef[T any](v T) *T { return &v }

// TestFaultValidation: what each kind needs, and what it refuses, before it
// is kept.
func TestFaultValidation(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx := context.Background()
	num, phone := s.Demo.Phone.ID, s.Demo.Customer.WaID
	for _, tc := range []struct {
		name string
		f    wabi.Fault
		code wabi.Code // "" for accepted
		says string
	}{
		{"no kind", wabi.Fault{PhoneNumberID: num}, wabi.ERequired, "kind"},
		{"unknown kind", wabi.Fault{PhoneNumberID: num, Kind: "meteor"}, wabi.EInvalidParam, "kind"},
		{"no target", wabi.Fault{Kind: wabi.FaultWebhookDuplicated}, wabi.ERequired, "phone_number_id"},
		{"unknown number", wabi.Fault{PhoneNumberID: "404", Kind: wabi.FaultWebhookDuplicated}, wabi.ENotFound, "404"},
		{"bad wa_id", wabi.Fault{WaID: "abc", Kind: wabi.FaultWebhookDuplicated}, wabi.EInvalidParam, "wa_id"},
		{"probability 0", wabi.Fault{WaID: phone, Kind: wabi.FaultWebhookDuplicated, Probability: faultRef(0.0)}, wabi.EInvalidParam, "probability"},
		{"probability over 1", wabi.Fault{WaID: phone, Kind: wabi.FaultWebhookDuplicated, Probability: faultRef(1.5)}, wabi.EInvalidParam, "probability"},
		{"count 0", wabi.Fault{WaID: phone, Kind: wabi.FaultWebhookDuplicated, Count: faultRef(0)}, wabi.EInvalidParam, "count"},
		{"delivery_failed without code", wabi.Fault{WaID: phone, Kind: wabi.FaultDeliveryFailed}, wabi.ERequired, "code"},
		{"delivery_failed with an unknown code", wabi.Fault{WaID: phone, Kind: wabi.FaultDeliveryFailed, Code: 999}, wabi.EInvalidParam, "131026"},
		{"delivery_failed with a delay", wabi.Fault{WaID: phone, Kind: wabi.FaultDeliveryFailed, Code: 131026, Delay: wabi.Duration(time.Second)}, wabi.EInvalidParam, "delay"},
		{"status_delayed without delay", wabi.Fault{WaID: phone, Kind: wabi.FaultStatusDelayed}, wabi.ERequired, "delay"},
		{"status_delayed of failed", wabi.Fault{WaID: phone, Kind: wabi.FaultStatusDelayed, Status: wabi.StatusFailed, Delay: wabi.Duration(time.Second)}, wabi.EInvalidParam, "status"},
		{"status_dropped of a made-up status", wabi.Fault{WaID: phone, Kind: wabi.FaultStatusDropped, Status: "lost"}, wabi.EInvalidParam, "status"},
		{"webhook_delayed without delay", wabi.Fault{WaID: phone, Kind: wabi.FaultWebhookDelayed}, wabi.ERequired, "delay"},
		{"media_url_expired without ttl", wabi.Fault{PhoneNumberID: num, Kind: wabi.FaultMediaURLExpired}, wabi.EInvalidParam, "ttl"},
		{"media_url_expired for a phone", wabi.Fault{WaID: phone, Kind: wabi.FaultMediaURLExpired, TTL: wabi.Duration(time.Second)}, wabi.EInvalidParam, "phone_number_id"},
		{"api_error of 404", wabi.Fault{PhoneNumberID: num, Kind: wabi.FaultAPIError, HTTPStatus: 404}, wabi.EInvalidParam, "500 or 503"},
		{"api_error for a phone too", wabi.Fault{PhoneNumberID: num, WaID: phone, Kind: wabi.FaultAPIError}, wabi.EInvalidParam, "no wa_id"},
		{"api_timeout too long", wabi.Fault{PhoneNumberID: num, Kind: wabi.FaultAPITimeout, Delay: wabi.Duration(time.Hour)}, wabi.EInvalidParam, "delay"},
		{"a note too long", wabi.Fault{WaID: phone, Kind: wabi.FaultWebhookDuplicated, Note: strings.Repeat("x", 501)}, wabi.EInvalidParam, "note"},
		{"delivery_failed", wabi.Fault{WaID: phone, Kind: wabi.FaultDeliveryFailed, Code: 131049}, "", ""},
		{"api_error", wabi.Fault{PhoneNumberID: num, Kind: wabi.FaultAPIError}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := s.P.CreateFault(ctx, &tc.f)
			if got := wabi.ErrorCode(err); got != tc.code {
				t.Fatalf("CreateFault = %v, want code %q", err, tc.code)
			}
			if err != nil && !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not mention %q", err, tc.says)
			}
			if err == nil && (f.ID == "" || f.CreatedAt.IsZero() || f.Recent == nil) {
				t.Errorf("fault kept without id, time or hits: %+v", f)
			}
		})
	}
	// Defaults a kind fills in, and a number given as dialled.
	f, err := s.P.CreateFault(ctx, &wabi.Fault{PhoneNumberID: "+" + s.Demo.Phone.DisplayPhoneNumber, Kind: wabi.FaultAPIError})
	if err != nil || f.PhoneNumberID != num || f.HTTPStatus != 500 {
		t.Errorf("api_error as dialled: %+v, %v; want number %s, http_status 500", f, err, num)
	}
	f, err = s.P.CreateFault(ctx, &wabi.Fault{WaID: "+" + phone, Kind: wabi.FaultWebhookReordered, Count: faultRef(2)})
	if err != nil || f.WaID != phone || f.Delay == 0 || f.Remaining == nil || *f.Remaining != 2 {
		t.Errorf("webhook_reordered: %+v, %v; want wa_id %s, a default delay, remaining 2", f, err, phone)
	}
}

// TestFaultNextN: a fault with a count acts on that many matching events, and
// then no more; events that do not match it do not use it up.
func TestFaultNextN(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx := context.Background()
	p := s.P
	if p.Armed(wabi.FaultStatusDropped) {
		t.Fatal("a fault is armed before any was set")
	}
	f, err := p.CreateFault(ctx, &wabi.Fault{WaID: s.Demo.Customer.WaID, Kind: wabi.FaultStatusDropped, Status: wabi.StatusDelivered, Count: faultRef(3)})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Armed(wabi.FaultStatusDropped) || p.Armed(wabi.FaultStatusDuplicated) {
		t.Fatal("only the kind of the fault set should be armed")
	}
	other := wabi.FaultEvent{Kind: wabi.FaultStatusDropped, WaID: "15550009999", Status: wabi.StatusDelivered, Where: "other"}
	read := wabi.FaultEvent{Kind: wabi.FaultStatusDropped, WaID: s.Demo.Customer.WaID, Status: wabi.StatusRead, Where: "read"}
	fired := 0
	for i := range 10 {
		if p.Fire(ctx, other) != nil || p.Fire(ctx, read) != nil {
			t.Fatal("a fault fired on an event it does not match")
		}
		ev := wabi.FaultEvent{Kind: wabi.FaultStatusDropped, PhoneNumberID: s.Demo.Phone.ID, WaID: s.Demo.Customer.WaID,
			Status: wabi.StatusDelivered, Where: fmt.Sprintf("wamid.%d", i)}
		if hit := p.Fire(ctx, ev); hit != nil {
			fired++
			if hit.ID != f.ID || *hit.Remaining != 3-fired {
				t.Errorf("hit %d: %+v", fired, hit)
			}
		}
	}
	if fired != 3 {
		t.Fatalf("%d events fired, want exactly 3", fired)
	}
	if p.Armed(wabi.FaultStatusDropped) {
		t.Error("a used-up fault is still armed")
	}
	got, err := p.Fault(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hits != 3 || *got.Remaining != 0 || len(got.Recent) != 3 || got.Recent[0].Where != "wamid.2" ||
		got.Recent[2].Where != "wamid.0" || got.Recent[0].What != "delivered status recorded, its webhook dropped" {
		t.Errorf("counters after three hits: %+v", got)
	}
}

// TestFaultProbability: with a probability and a count, each of the next N
// events fires with that probability (here a seeded draw); without a count,
// about that share of all events fire.
func TestFaultProbability(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx := context.Background()
	p := s.P
	ev := wabi.FaultEvent{Kind: wabi.FaultWebhookDuplicated, WaID: s.Demo.Customer.WaID, Where: "d"}

	draws := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	var want []bool // what each draw decides at p = 0.25
	p.SetFaultRollForTest(func() float64 {
		mu.Lock()
		defer mu.Unlock()
		x := draws.Float64()
		want = append(want, x < 0.25)
		return x
	})
	f, err := p.CreateFault(ctx, &wabi.Fault{WaID: s.Demo.Customer.WaID, Kind: wabi.FaultWebhookDuplicated, Probability: faultRef(0.25), Count: faultRef(40)})
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for range 60 {
		got = append(got, p.Fire(ctx, ev) != nil)
	}
	if len(want) != 40 {
		t.Fatalf("%d draws, want one for each of the 40 events the fault tries", len(want))
	}
	hits := 0
	for i := range 60 {
		if i < 40 && got[i] != want[i] || i >= 40 && got[i] {
			t.Fatalf("event %d fired %v, want %v", i, got[i], i < 40 && want[i])
		}
		if got[i] {
			hits++
		}
	}
	if f, _ = p.Fault(ctx, f.ID); f.Hits != hits || *f.Remaining != 0 || hits == 0 || hits == 40 {
		t.Errorf("hits %d (fault says %d), remaining %d", hits, f.Hits, *f.Remaining)
	}

	// Without a count, the real draw: 2,000 events at p = 0.3 fire 600 times
	// on average, with a standard deviation of 20; 450 to 750 is a margin of
	// over 7 deviations.
	p.SetFaultRollForTest(nil)
	if _, err := p.DeleteFaults(ctx, platform.FaultFilter{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateFault(ctx, &wabi.Fault{WaID: s.Demo.Customer.WaID, Kind: wabi.FaultWebhookDuplicated, Probability: faultRef(0.3)}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for range 2000 {
		if p.Fire(ctx, ev) != nil {
			n++
		}
	}
	if n < 450 || n > 750 {
		t.Errorf("%d of 2000 events fired at p = 0.3", n)
	}
}

// TestFaultScope: a fault of a number, of a phone, of both, and of one
// status, and which of several faults fires.
func TestFaultScope(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx := context.Background()
	p := s.P
	num, phone := s.Demo.Phone.ID, s.Demo.Customer.WaID
	byNumber, _ := p.CreateFault(ctx, &wabi.Fault{PhoneNumberID: num, Kind: wabi.FaultStatusDuplicated, Status: wabi.StatusRead})
	byPhone, _ := p.CreateFault(ctx, &wabi.Fault{WaID: phone, Kind: wabi.FaultStatusDuplicated})
	both, _ := p.CreateFault(ctx, &wabi.Fault{PhoneNumberID: num, WaID: "15550001234", Kind: wabi.FaultStatusDuplicated})
	ev := func(number, waID string, st wabi.Status) string {
		f := p.Fire(ctx, wabi.FaultEvent{Kind: wabi.FaultStatusDuplicated, PhoneNumberID: number, WaID: waID, Status: st, Where: "x"})
		if f == nil {
			return ""
		}
		return f.ID
	}
	for _, tc := range []struct {
		number, waID string
		status       wabi.Status
		want         string
	}{
		{num, phone, wabi.StatusRead, byNumber.ID}, // the oldest that matches fires
		{num, phone, wabi.StatusSent, byPhone.ID},  // the number's is only of read
		{"other", phone, wabi.StatusSent, byPhone.ID},
		{num, "15550001234", wabi.StatusSent, both.ID},
		{"other", "15550001234", wabi.StatusSent, ""},
		{num, "15550005678", wabi.StatusSent, ""},
	} {
		if got := ev(tc.number, tc.waID, tc.status); got != tc.want {
			t.Errorf("%s/%s/%s fired %q, want %q", tc.number, tc.waID, tc.status, got, tc.want)
		}
	}
	list, err := p.Faults(ctx, platform.FaultFilter{WaID: "+" + phone})
	if err != nil || len(list) != 1 || list[0].ID != byPhone.ID {
		t.Errorf("faults of the phone: %v, %v", list, err)
	}
	if n, err := p.DeleteFaults(ctx, platform.FaultFilter{PhoneNumberID: num}); err != nil || n != 2 {
		t.Errorf("DeleteFaults of the number = %d, %v; want 2", n, err)
	}
	if ev(num, "15550001234", wabi.StatusSent) != "" {
		t.Error("a deleted fault fired")
	}
	if err := p.DeleteFault(ctx, byPhone.ID); err != nil {
		t.Fatal(err)
	}
	if p.Armed(wabi.FaultStatusDuplicated) {
		t.Error("a kind stays armed with none of its faults left")
	}
	if err := p.DeleteFault(ctx, byPhone.ID); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("deleting it again: %v, want not_found", err)
	}
}

// TestFaultsCostNothingUnset: with no fault set, asking whether one fires
// allocates nothing and reads no store.
func TestFaultsCostNothingUnset(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx := context.Background()
	ev := wabi.FaultEvent{Kind: wabi.FaultDeliveryFailed, PhoneNumberID: "1", WaID: "2", Where: "w"}
	if n := testing.AllocsPerRun(1000, func() {
		if s.P.Armed(wabi.FaultDeliveryFailed) || s.P.APIArmed() || s.P.Fire(ctx, ev) != nil {
			t.Fatal("a fault fired with none set")
		}
	}); n != 0 {
		t.Errorf("%v allocations per event with no fault set, want 0", n)
	}
}

// BenchmarkFaultCheck is what an event costs the paths faults act on: with no
// fault set, and with a fault of another kind set.
func BenchmarkFaultCheck(b *testing.B) {
	s := wabitest.New(b, wabitest.Options{Network: idleNetwork{}})
	ctx := context.Background()
	ev := wabi.FaultEvent{Kind: wabi.FaultDeliveryFailed, PhoneNumberID: "1", WaID: "2", Where: "w"}
	b.Run("none", func(b *testing.B) {
		for b.Loop() {
			_ = s.P.Fire(ctx, ev)
		}
	})
	if _, err := s.P.CreateFault(ctx, &wabi.Fault{PhoneNumberID: s.Demo.Phone.ID, Kind: wabi.FaultAPIError}); err != nil {
		b.Fatal(err)
	}
	b.Run("other_kind", func(b *testing.B) {
		for b.Loop() {
			_ = s.P.Fire(ctx, ev)
		}
	})
}

// TestFaultNextNAcrossNodes: two nodes on one store share a fault's count: of
// many events played on both at once, exactly N fire. A fault set on one node
// is armed on the other through the bus, and so is its deletion.
func TestFaultNextNAcrossNodes(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			c := newCluster(t, st.open(t))
			var l bus.Local
			a, b := c.node(t, "node-a", idleNetwork{}), c.node(t, "node-b", idleNetwork{})
			a.Bus, b.Bus = l.Node(), l.Node()
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, p := range []*platform.Platform{a, b} {
				if err := p.LoadFaults(ctx); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() { _ = p.RunFaults(ctx, time.Hour) })
			}
			t.Cleanup(func() { cancel(); wg.Wait() })

			const n = 7
			f, err := a.CreateFault(ctx, &wabi.Fault{PhoneNumberID: c.demo.Phone.ID, Kind: wabi.FaultDeliveryFailed, Code: 131026, Count: faultRef(n)})
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "node B to arm the fault", func() bool { return b.Armed(wabi.FaultDeliveryFailed) })

			var fired sync.Map
			var play sync.WaitGroup
			for i := range 40 {
				p := a
				if i%2 == 1 {
					p = b
				}
				play.Go(func() {
					ev := wabi.FaultEvent{Kind: wabi.FaultDeliveryFailed, PhoneNumberID: c.demo.Phone.ID, WaID: c.demo.Customer.WaID, Where: fmt.Sprint(i)}
					if hit := p.Fire(ctx, ev); hit != nil {
						if hit.Failure == nil || hit.Failure.Code != wabi.ENotOnWhatsApp || !strings.Contains(hit.Failure.Message, f.ID) {
							t.Errorf("failure of a hit: %+v", hit.Failure)
						}
						fired.Store(i, p.NodeID)
					}
				})
			}
			play.Wait()
			count, nodes := 0, map[any]bool{}
			fired.Range(func(_, node any) bool { count++; nodes[node] = true; return true })
			if count != n {
				t.Fatalf("%d events fired across the nodes, want exactly %d", count, n)
			}
			got, err := b.Fault(ctx, f.ID)
			if err != nil || got.Hits != n || *got.Remaining != 0 || len(got.Recent) != n {
				t.Errorf("the fault as node B reads it: %+v, %v", got, err)
			}
			waitUntil(t, "both nodes to disarm the used-up fault", func() bool {
				return !a.Armed(wabi.FaultDeliveryFailed) && !b.Armed(wabi.FaultDeliveryFailed)
			})

			// A deletion on one node disarms the other.
			g, err := b.CreateFault(ctx, &wabi.Fault{WaID: c.demo.Customer.WaID, Kind: wabi.FaultStatusDropped})
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "node A to arm B's fault", func() bool { return a.Armed(wabi.FaultStatusDropped) })
			if err := a.DeleteFault(ctx, g.ID); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "node B to disarm the fault A deleted", func() bool { return !b.Armed(wabi.FaultStatusDropped) })
		})
	}
}

// waitUntil polls cond for at most 5 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
