package platform_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// rateStack is a stack on a manual clock whose platform applies limits.
type rateStack struct {
	*wabitest.Stack
	t   *testing.T
	ctx context.Context
}

// mustRateStack builds a stack with the server's limits set to cfg.
func mustRateStack(t *testing.T, cfg platform.LimitConfig) *rateStack {
	t.Helper()
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}, Logger: slog.New(slog.DiscardHandler)})
	s.P.Limits = cfg
	return &rateStack{Stack: s, t: t, ctx: context.Background()}
}

// send sends a text from the demo number to waID and returns the error. A
// customer who never wrote fails the message (outside the window), which
// still spends the rates, as at Meta, and leaves the messaging limit alone.
func (s *rateStack) send(waID string) error {
	s.t.Helper()
	_, err := s.P.Send(s.ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: s.Demo.Phone.ID,
		To: waID, Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}})
	return err
}

// sendMany sends one message to each of n customers (distinct from those of
// other calls with another tag) and fails the test at the first error.
func (s *rateStack) sendMany(tag string, n int) {
	s.t.Helper()
	for i := range n {
		if err := s.send(customer(tag, i)); err != nil {
			s.t.Fatalf("send %d of %d (%s): %v", i+1, n, tag, err)
		}
	}
}

// customer is the wa_id of the i-th customer of a tag.
func customer(tag string, i int) string {
	h := fnv.New32a()
	h.Write([]byte(tag))
	return fmt.Sprintf("1555%03d%04d", h.Sum32()%1000, i)
}

// wantRefused checks that err is code and its message says each of says.
func wantRefused(t *testing.T, what string, err error, code wabi.Code, says ...string) {
	t.Helper()
	if wabi.ErrorCode(err) != code {
		t.Fatalf("%s: err %v, want %s", what, err, code)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: %q does not say %q", what, err.Error(), s)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestThroughputLimit: a STANDARD number sends 80 messages in an instant and
// the 81st is refused with 130429's code and when to retry; one comes back
// every 12.5 ms; a HIGH number sends more than 80.
func TestThroughputLimit(t *testing.T) {
	s := mustRateStack(t, platform.MetaLimits())
	s.sendMany("a", 80)
	wantRefused(t, "the 81st message in a second", s.send(customer("b", 0)), wabi.ERateLimit,
		s.Demo.Phone.ID, "80 messages per second", "retry after 12.5ms")
	s.Clock.Advance(12*time.Millisecond + 499*time.Microsecond)
	wantRefused(t, "a little early", s.send(customer("b", 0)), wabi.ERateLimit, "retry after 100µs")
	s.Clock.Advance(time.Microsecond)
	if err := s.send(customer("b", 0)); err != nil {
		t.Fatalf("a message 12.5 ms on: %v", err)
	}
	wantRefused(t, "and the next at once", s.send(customer("b", 1)), wabi.ERateLimit)

	// Upgraded to HIGH (by the messaging tiers' rule), the number has 1,000.
	pn := *s.Demo.Phone
	pn.Throughput = "HIGH"
	if err := s.Store.UpdatePhoneNumber(s.ctx, &pn); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(3 * time.Second) // the cached number and the bucket both run out
	v, err := s.P.NumberLimits(s.ctx, pn.ID, "")
	if err != nil || v.Effective.Throughput != platform.MetaHighThroughput {
		t.Fatalf("a HIGH number's limits: %+v, %v; want throughput %d", v, err, platform.MetaHighThroughput)
	}
	s.sendMany("high", 120)
}

// TestPairRateLimit: a number sends one customer 45 messages at once, the
// 46th is refused with 131056's code, and one more comes every 6 s; other
// customers are not held up.
func TestPairRateLimit(t *testing.T) {
	s := mustRateStack(t, platform.MetaLimits())
	alex := customer("pair", 0)
	for i := range platform.MetaPairBurst {
		if err := s.send(alex); err != nil {
			t.Fatalf("message %d to one customer: %v", i+1, err)
		}
	}
	wantRefused(t, "the 46th message to one customer", s.send(alex), wabi.EPairRateLimit,
		s.Demo.Phone.ID, alex, "45 messages at once, then one every 6s", "retry after 6s")
	if err := s.send(customer("pair", 1)); err != nil {
		t.Fatalf("another customer: %v", err)
	}
	s.Clock.Advance(4 * time.Second)
	wantRefused(t, "4 s on", s.send(alex), wabi.EPairRateLimit, "retry after 2s")
	s.Clock.Advance(2 * time.Second)
	if err := s.send(alex); err != nil {
		t.Fatalf("6 s on: %v", err)
	}
	wantRefused(t, "and the next at once", s.send(alex), wabi.EPairRateLimit)
}

// TestRefusedSendCostsNothing: a send the pair rate refuses takes no token
// of the number's throughput, so another customer still gets it.
func TestRefusedSendCostsNothing(t *testing.T) {
	s := mustRateStack(t, platform.MetaLimits())
	if _, err := s.P.SetNumberLimits(s.ctx, s.Demo.Phone.ID, platform.LimitOverride{Throughput: ptr(2), PairBurst: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.send(customer("c", 1)); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, "a second message to the same customer", s.send(customer("c", 1)), wabi.EPairRateLimit)
	if err := s.send(customer("c", 2)); err != nil {
		t.Fatalf("the throughput token the refused send did not spend: %v", err)
	}
	wantRefused(t, "a third customer in the same second", s.send(customer("c", 3)), wabi.ERateLimit, "2 messages per second")
}

// TestLimitsOff: with the server's limits off a number sends without limit;
// an override turns them on for one WABA or number, and a number's override
// beats its WABA's, which beats the server's.
func TestLimitsOff(t *testing.T) {
	s := mustRateStack(t, platform.LimitConfig{})
	alex := customer("off", 0)
	for i := range 200 {
		if err := s.send(alex); err != nil {
			t.Fatalf("message %d with limits off: %v", i+1, err)
		}
	}
	// The WABA turns them on, with its own pair rate and Meta's throughput.
	if _, err := s.P.SetWABALimits(s.ctx, s.Demo.WABA.ID, platform.LimitOverride{
		Enabled: ptr(true), PairBurst: ptr(2), PairInterval: ptr(wabi.Duration(time.Second))}); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(time.Second)
	for range 2 {
		if err := s.send(alex); err != nil {
			t.Fatal(err)
		}
	}
	wantRefused(t, "the WABA's pair rate", s.send(alex), wabi.EPairRateLimit, "2 messages at once, then one every 1s")
	v, err := s.P.NumberLimits(s.ctx, s.Demo.Phone.ID, alex)
	want := platform.Limits{Enabled: true, Throughput: 80, PairBurst: 2, PairInterval: wabi.Duration(time.Second), CallsPerHour: 5000}
	if err != nil || v.Effective != want {
		t.Fatalf("the number's limits: %+v, %v; want %+v", v, err, want)
	}
	if v.Usage.Pair == nil || v.Usage.Pair.Available != 0 || v.Usage.Throughput == nil || v.Usage.Throughput.Available != 78 {
		t.Errorf("usage %+v %+v, want 0 pair tokens and 78 throughput tokens left", v.Usage.Pair, v.Usage.Throughput)
	}
	// The number turns them off again for itself.
	if _, err := s.P.SetNumberLimits(s.ctx, s.Demo.Phone.ID, platform.LimitOverride{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if err := s.send(alex); err != nil {
		t.Fatalf("with the number's override off: %v", err)
	}
	// Without it, the WABA's applies again.
	if _, err := s.P.DeleteNumberLimits(s.ctx, s.Demo.Phone.ID); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, "the override deleted", s.send(alex), wabi.EPairRateLimit)
	if _, err := s.P.DeleteWABALimits(s.ctx, s.Demo.WABA.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.send(alex); err != nil {
		t.Fatalf("both overrides deleted: %v", err)
	}
}

// TestLimitOverrideChecks: overrides out of bounds, or of objects that do not
// exist, are refused and change nothing.
func TestLimitOverrideChecks(t *testing.T) {
	s := mustRateStack(t, platform.MetaLimits())
	pn := s.Demo.Phone.ID
	for name, o := range map[string]platform.LimitOverride{
		"throughput 0":            {Throughput: ptr(0)},
		"throughput over 100,000": {Throughput: ptr(100_001)},
		"pair burst 0":            {PairBurst: ptr(0)},
		"pair interval 0":         {PairInterval: ptr(wabi.Duration(0))},
		"pair interval over 1h":   {PairInterval: ptr(wabi.Duration(2 * time.Hour))},
		"calls per hour -1":       {CallsPerHour: ptr(-1)},
	} {
		_, err := s.P.SetNumberLimits(s.ctx, pn, o)
		wantRefused(t, name, err, wabi.EInvalidParam)
	}
	v, err := s.P.NumberLimits(s.ctx, pn, "")
	if err != nil || v.Override != (platform.LimitOverride{}) {
		t.Fatalf("after refused overrides: %+v, %v; want none", v, err)
	}
	_, err = s.P.SetNumberLimits(s.ctx, "404", platform.LimitOverride{})
	wantRefused(t, "an unknown number", err, wabi.ENotFound)
	_, err = s.P.SetWABALimits(s.ctx, pn, platform.LimitOverride{})
	wantRefused(t, "a number's id as a WABA", err, wabi.ENotFound)
}

// TestCallLimit: management calls of an app on a WABA are counted against
// its hourly limit, refused with 80007's code when it is spent, and come
// back one every hour/limit; reads for a header count nothing; each app has
// its own; the operator and other businesses are not metered.
func TestCallLimit(t *testing.T) {
	s := mustRateStack(t, platform.MetaLimits())
	w := s.Demo.WABA.ID
	tok := platform.Caller{Token: s.Demo.Token}
	// The demo WABA has a registered number: 5,000 an hour.
	u, err := s.P.MeterCall(s.ctx, tok, w, true)
	if err != nil || u == nil || u.Limit != platform.MetaActiveCallsPerHour || u.Used != 1 || u.AppID != s.Demo.App.ID {
		t.Fatalf("a first call: %+v, %v; want 1 of %d by app %s", u, err, platform.MetaActiveCallsPerHour, s.Demo.App.ID)
	}
	s.Clock.Advance(time.Hour)
	if _, err := s.P.SetWABALimits(s.ctx, w, platform.LimitOverride{CallsPerHour: ptr(4)}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := s.P.MeterCall(s.ctx, tok, w, true); err != nil {
			t.Fatalf("call %d of 4: %v", i+1, err)
		}
	}
	u, err = s.P.MeterCall(s.ctx, tok, s.Demo.Phone.ID, false)
	if err != nil || u.Used != 4 || u.Percent() != 100 || u.RetryAfter != wabi.Duration(15*time.Minute) {
		t.Fatalf("a read on the number: %+v, %v; want 4 of 4 used, 100%%, a call back in 15m", u, err)
	}
	u, err = s.P.MeterCall(s.ctx, tok, s.Demo.Phone.ID, true)
	wantRefused(t, "a fifth call in the hour, on the number", err, wabi.ECallLimit, s.Demo.App.ID, "limit of 4 management calls an hour", w, "retry after 15m0s")
	if u == nil || u.Percent() != 100 {
		t.Errorf("usage with the refusal: %+v, want 100%%", u)
	}
	s.Clock.Advance(15 * time.Minute)
	if u, err := s.P.MeterCall(s.ctx, tok, w, true); err != nil || u.Percent() != 100 {
		t.Fatalf("15 minutes on: %+v, %v; want granted, 4 of 4 used", u, err)
	}

	// Another app of the business has a bucket of its own.
	app, err := s.P.CreateApp(s.ctx, s.Demo.Business.ID, "other")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.P.MeterCall(s.ctx, platform.Caller{App: app}, w, true); err != nil || u.Used != 1 {
		t.Fatalf("another app: %+v, %v; want its first call", u, err)
	}
	// Not metered: the operator, a node that is no WABA's, another business.
	if u, err := s.P.MeterCall(s.ctx, platform.Admin, w, true); u != nil || err != nil {
		t.Errorf("the operator: %+v, %v; want nothing", u, err)
	}
	if u, err := s.P.MeterCall(s.ctx, tok, s.Demo.App.ID, true); u != nil || err != nil {
		t.Errorf("an app node: %+v, %v; want nothing", u, err)
	}
	other := &wabi.Token{Value: "other", BusinessID: "elsewhere", AppID: s.Demo.App.ID, Scopes: []string{wabi.ScopeManagement}}
	if u, err := s.P.MeterCall(s.ctx, platform.Caller{Token: other}, w, true); u != nil || err != nil {
		t.Errorf("a token of another business: %+v, %v; want nothing", u, err)
	}
	// The WABA's view lists every app's calls.
	v, err := s.P.WABALimits(s.ctx, w)
	if err != nil || len(v.Usage.Calls) != 2 {
		t.Fatalf("the WABA's limits: %+v, %v; want the calls of 2 apps", v, err)
	}
}

// TestLimitOverrideOnEveryNode: an override set through one node applies at
// once on another that had the number's limits cached, through the bus; with
// the notice lost, within CacheTTL.
func TestLimitOverrideOnEveryNode(t *testing.T) {
	for _, tc := range []struct {
		name string
		deaf bool
	}{{"bus", false}, {"notice lost", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s, a, b := twoNodes(t, tc.deaf)
			ctx := context.Background()
			a.Limits, b.Limits = platform.MetaLimits(), platform.MetaLimits()
			pn := s.Demo.Phone.ID
			send := func() error {
				_, err := b.Send(ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: pn,
					To: s.Demo.Customer.WaID, Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}})
				return err
			}
			if err := send(); err != nil {
				t.Fatal(err)
			}
			if _, err := a.SetNumberLimits(ctx, pn, platform.LimitOverride{PairBurst: ptr(1)}); err != nil {
				t.Fatal(err)
			}
			err := send()
			if tc.deaf {
				if err != nil {
					t.Fatalf("B before its cache ran out: %v", err)
				}
				s.Clock.Advance(3 * time.Second)
				err = send()
			}
			wantRefused(t, "B after the override", err, wabi.EPairRateLimit)
		})
	}
}
