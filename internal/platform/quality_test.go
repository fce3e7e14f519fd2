package platform_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// reachWorld is the demo with Meta's limits on (or off), the quality rules'
// timings of Meta, and the demo app hearing every standing webhook at a
// receiver that takes them all.
type reachWorld struct {
	*wabitest.Stack
	t   *testing.T
	ctx context.Context
}

const (
	day  = 24 * time.Hour
	week = 7 * day
)

func newReachWorld(t *testing.T, limitsOn bool) *reachWorld {
	t.Helper()
	s := wabitest.New(t, wabitest.Options{})
	if limitsOn {
		s.P.Limits = platform.MetaLimits()
	}
	rules := platform.MetaQualityRules()
	s.P.QualityRules = &rules
	rcv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(rcv.Close)
	s.P.Verify = nil
	w := &reachWorld{Stack: s, t: t, ctx: context.Background()}
	if _, err := s.P.SetAppWebhook(w.ctx, platform.Admin, s.Demo.App.ID, platform.WebhookConfig{CallbackURL: rcv.URL, VerifyToken: "vt"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// phone makes a virtual phone.
func (w *reachWorld) phone(waID string) {
	w.t.Helper()
	if _, err := w.P.PutVirtualPhone(w.ctx, &wabi.VirtualPhone{WaID: waID, ProfileName: "C " + waID}); err != nil {
		w.t.Fatal(err)
	}
}

// says makes a virtual phone write to the demo number, opening the window.
func (w *reachWorld) says(waID string) {
	w.t.Helper()
	if _, err := w.Net.Send(w.ctx, waID, w.Demo.Phone.ID, &wabi.Message{Type: wabi.TypeText,
		Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
		w.t.Fatal(err)
	}
}

// send sends the demo template (business-initiated when the window is closed)
// or, with text, a text; it returns the message as committed, or the error
// that refused it.
func (w *reachWorld) send(to string, text bool) (*wabi.Message, error) {
	w.t.Helper()
	m := &wabi.Message{Type: wabi.TypeTemplate, Content: wabi.Content{Template: &wabi.TemplateSend{Name: "hello_world",
		Language: &wabi.TemplateLanguage{Code: "en_US"}}}}
	if text {
		m = &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "thanks"}}}
	}
	res, err := w.P.Send(w.ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: w.Demo.Phone.ID, To: to, Message: m})
	if err != nil {
		return nil, err
	}
	got, err := w.Store.Message(w.ctx, res.MessageID)
	if err != nil {
		w.t.Fatal(err)
	}
	return got, nil
}

// wantSent checks that a send went through; wantFailed that it was accepted
// and failed with the code; wantRefused that it was refused with the code.
func (w *reachWorld) wantSent(what, to string, text bool) {
	w.t.Helper()
	m, err := w.send(to, text)
	if err != nil {
		w.t.Fatalf("%s: refused: %v", what, err)
	}
	if m.Status == wabi.StatusFailed {
		w.t.Fatalf("%s: failed: %v", what, m.Error)
	}
}

func (w *reachWorld) wantFailed(what, to string, text bool, code wabi.Code) {
	w.t.Helper()
	m, err := w.send(to, text)
	if err != nil {
		w.t.Fatalf("%s: refused (%v), want a message failed with %s", what, err, code)
	}
	if m.Status != wabi.StatusFailed || m.Error == nil || m.Error.Code != code {
		w.t.Fatalf("%s: %s with %v, want failed with %s", what, m.Status, m.Error, code)
	}
}

func (w *reachWorld) wantRefused(what, to string, text bool, code wabi.Code) {
	w.t.Helper()
	_, err := w.send(to, text)
	if got := wabi.ErrorCode(err); got != code {
		w.t.Fatalf("%s: %q (%v), want refused with %s", what, got, err, code)
	}
}

// prefill records n customers reached by the demo business at, as many sends
// would have: the tests of the edges then send only a few messages.
func (w *reachWorld) prefill(n int, at time.Time) {
	w.t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = w.Store.AddReach(w.ctx, wabi.Reach{BusinessID: w.Demo.Business.ID, PhoneNumberID: w.Demo.Phone.ID,
				WaID: fmt.Sprintf("1999000%04d", i), At: at}, at.Add(-platform.LimitWindow), -1)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			w.t.Fatal(err)
		}
	}
}

// tier puts the demo business at a tier.
func (w *reachWorld) tier(tier string) {
	w.t.Helper()
	if _, err := w.P.SetMessagingLimit(w.ctx, w.Demo.Business.ID, tier); err != nil {
		w.t.Fatal(err)
	}
}

// hooks returns the bodies of the standing webhooks queued so far with the
// event name, oldest first.
func (w *reachWorld) hooks(event string) []string {
	w.t.Helper()
	ds, err := w.Store.Deliveries(w.ctx, wabi.DeliveryFilter{Limit: 1000})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].Event == event {
			out = append(out, string(ds[i].Body))
		}
	}
	return out
}

// wantHooks checks how many webhooks of an event were queued, and that the
// last says each of says.
func (w *reachWorld) wantHooks(event string, n int, says ...string) {
	w.t.Helper()
	got := w.hooks(event)
	if len(got) != n {
		w.t.Fatalf("%d %s webhooks, want %d", len(got), event, n)
	}
	for _, s := range says {
		if n > 0 && !strings.Contains(got[n-1], s) {
			w.t.Errorf("%s webhook lacks %s: %s", event, s, got[n-1])
		}
	}
}

func (w *reachWorld) quality() *platform.Quality {
	w.t.Helper()
	q, err := w.P.NumberQuality(w.ctx, w.Demo.Phone.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return q
}

func (w *reachWorld) limit() *platform.MessagingLimit {
	w.t.Helper()
	l, err := w.P.BusinessLimit(w.ctx, w.Demo.Business.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return l
}

func (w *reachWorld) sweep() {
	w.t.Helper()
	if err := w.P.SweepQuality(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

// TestDemoBusinessVerified: the demo business starts verified at TIER_2K, and
// its numbers show it.
func TestDemoBusinessVerified(t *testing.T) {
	w := newReachWorld(t, true)
	l := w.limit()
	if l.Tier != wabi.Tier2K || !l.Verified || l.Limit != 2000 {
		t.Errorf("demo business: %+v, want verified at TIER_2K", l)
	}
	pn, err := w.Store.PhoneNumber(w.ctx, w.Demo.Phone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pn.MessagingLimit != wabi.Tier2K {
		t.Errorf("demo number's messaging limit %s, want TIER_2K", pn.MessagingLimit)
	}
}

// TestMessagingLimit: a business at TIER_250 that reached 249 customers
// reaches one more; the next fails with EMessagingLimit, in its status; a
// customer already counted, and a reply inside an open window, still go; a
// day later the window has moved on.
func TestMessagingLimit(t *testing.T) {
	w := newReachWorld(t, true)
	w.tier(wabi.Tier250)
	w.prefill(249, w.Clock.Now())
	for _, c := range []string{"15550100250", "15550100251"} {
		w.phone(c)
	}
	w.wantSent("the 250th customer", "15550100250", false)
	w.wantFailed("the 251st customer", "15550100251", false, wabi.EMessagingLimit)
	w.wantSent("the 250th again", "15550100250", false)
	w.says("15550100251")
	w.wantSent("a reply in the window of the 251st", "15550100251", true)
	if l := w.limit(); l.Reached24h != 250 {
		t.Errorf("reached in 24 h: %d, want 250", l.Reached24h)
	}
	w.Clock.Advance(day + time.Second)
	w.wantSent("the 251st a day later", "15550100251", false)
}

// TestMessagingLimitOff: with the limits off nothing is counted and nothing is
// refused; blocks still hold, being the phone's doing.
func TestMessagingLimitOff(t *testing.T) {
	w := newReachWorld(t, false)
	w.tier(wabi.Tier250)
	w.prefill(250, w.Clock.Now())
	w.phone("15550100251")
	w.wantSent("past the limit", "15550100251", false)
	if l := w.limit(); l.Reached24h != 250 {
		t.Errorf("reached in 24 h: %d, want the 250 recorded before", l.Reached24h)
	}
	if _, err := w.P.ForceQuality(w.ctx, w.Demo.Phone.ID, wabi.QualityRed); err != nil {
		t.Fatal(err)
	}
	w.wantSent("from a RED number", "15550100251", false)
	if _, err := w.P.GiveFeedback(w.ctx, platform.Feedback{WaID: "15550100251", PhoneNumberID: w.Demo.Phone.ID, Kind: wabi.FeedbackBlock}); err != nil {
		t.Fatal(err)
	}
	w.wantFailed("to a phone that blocked the number", "15550100251", false, wabi.ENotOnWhatsApp)
}

// TestTierUpgrade: a business that used half its limit meets the upgrade
// rule, through the last 24 hours or the last 7 days; the upgrade applies
// UpgradeDelay later, and its apps hear of it. With a number RED it waits.
func TestTierUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name string
		ago  time.Duration // when the 124 earlier customers were reached
		red  bool
	}{
		{"in the last 24 hours", time.Hour, false},
		{"in the last 7 days", 3 * day, false},
		{"not with a number RED", time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newReachWorld(t, true)
			w.tier(wabi.Tier250)
			w.prefill(124, w.Clock.Now().Add(-tc.ago))
			w.phone("15550100125")
			if tc.red {
				// Another number of the business is RED: the demo number still
				// sends, but the business does not rise.
				if _, err := w.P.ForceQuality(w.ctx, w.Demo.OnPremPhone.ID, wabi.QualityRed); err != nil {
					t.Fatal(err)
				}
			}
			w.wantSent("the 125th customer", "15550100125", false)
			l := w.limit()
			if tc.red {
				if l.UpgradeTo != "" {
					t.Fatalf("upgrade scheduled with a number RED: %+v", l)
				}
				return
			}
			if l.UpgradeTo != wabi.Tier2K || !l.UpgradeAt.Equal(w.Clock.Now().Add(6*time.Hour)) {
				t.Fatalf("after half the limit: %+v, want TIER_2K in 6 hours", l)
			}
			w.wantHooks("quality.upgrade", 0)
			w.Clock.Advance(6*time.Hour - time.Second)
			if l := w.limit(); l.Tier != wabi.Tier250 {
				t.Fatalf("a second early: %s", l.Tier)
			}
			w.Clock.Advance(time.Second)
			w.sweep()
			if l := w.limit(); l.Tier != wabi.Tier2K || l.UpgradeTo != "" {
				t.Fatalf("when due: %+v, want TIER_2K", l)
			}
			// Both demo numbers hear it, and the WABA its new capability.
			w.wantHooks("quality.upgrade", 2, `"event":"UPGRADE"`, `"max_daily_conversations_per_business":"TIER_2K"`)
			w.wantHooks("capability", 2, `"max_daily_conversations_per_business":2000`)
			pn, err := w.Store.PhoneNumber(w.ctx, w.Demo.Phone.ID)
			if err != nil {
				t.Fatal(err)
			}
			if pn.MessagingLimit != wabi.Tier2K {
				t.Errorf("number's messaging limit %s, want TIER_2K", pn.MessagingLimit)
			}
		})
	}
}

// TestVerifyBusiness: verification lifts a new business from TIER_250 to
// TIER_2K, once.
func TestVerifyBusiness(t *testing.T) {
	w := newReachWorld(t, true)
	b, err := w.P.CreateBusiness(w.ctx, "New Co")
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.P.BusinessLimit(w.ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Tier != wabi.Tier250 || l.Verified {
		t.Fatalf("a new business: %+v, want TIER_250, not verified", l)
	}
	for range 2 {
		if l, err = w.P.VerifyBusiness(w.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
	}
	if l.Tier != wabi.Tier2K || !l.Verified {
		t.Errorf("verified: %+v, want TIER_2K", l)
	}
	if _, err := w.P.SetMessagingLimit(w.ctx, b.ID, "TIER_3K"); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Errorf("an unknown tier: %v", err)
	}
	if _, err := w.P.VerifyBusiness(w.ctx, "404"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("an unknown business: %v", err)
	}
}

// TestQualityFromBlocks: blocks and reports lower the number's rating by
// wabi's rule; RED refuses business-initiated sends with ESpamLimit, never
// replies; a blocked number's messages to the phone fail as undeliverable
// until it unblocks; as the signals age out the number recovers.
func TestQualityFromBlocks(t *testing.T) {
	w := newReachWorld(t, true)
	phones := []string{"15550100001", "15550100002", "15550100003", "15550100004", "15550100005"}
	for _, c := range phones {
		w.phone(c)
	}
	give := func(waID string, kind wabi.FeedbackKind) *platform.Blocked {
		t.Helper()
		b, err := w.P.GiveFeedback(w.ctx, platform.Feedback{WaID: waID, PhoneNumberID: w.Demo.Phone.ID, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	wantRating := func(when, rating string) {
		t.Helper()
		if q := w.quality(); q.QualityRating != rating {
			t.Fatalf("%s: %s, want %s", when, q.QualityRating, rating)
		}
	}
	if b := give(phones[0], wabi.FeedbackBlock); !b.Blocked {
		t.Fatalf("after a block: %+v", b)
	}
	wantRating("one block", wabi.QualityGreen)
	w.wantFailed("to the phone that blocked", phones[0], false, wabi.ENotOnWhatsApp)
	w.wantSent("to another phone", phones[1], false)

	give(phones[1], wabi.FeedbackBlock)
	wantRating("two blocks", wabi.QualityYellow)
	w.wantHooks("quality.flagged", 0)
	for _, c := range phones[2:] {
		give(c, wabi.FeedbackReport)
	}
	q := w.quality()
	if q.QualityRating != wabi.QualityRed || q.Blocks7d != 2 || q.Reports7d != 3 || !q.FlaggedAt.Equal(w.Clock.Now()) {
		t.Fatalf("two blocks and three reports: %+v, want RED since now", q)
	}
	w.wantHooks("quality.flagged", 1, `"event":"FLAGGED"`, `"display_phone_number":"`+w.Demo.Phone.DisplayPhoneNumber+`"`)
	w.wantRefused("business-initiated from a RED number", phones[2], false, wabi.ESpamLimit)
	w.says(phones[2])
	w.wantSent("a reply from a RED number", phones[2], true)

	if b := give(phones[0], wabi.FeedbackUnblock); b.Blocked {
		t.Fatalf("after an unblock: %+v", b)
	}
	w.says(phones[0])
	w.wantSent("a reply to the phone that unblocked", phones[0], true)

	// A second block by one who blocks already counts nothing.
	give(phones[1], wabi.FeedbackBlock)
	if q := w.quality(); q.Blocks7d != 2 {
		t.Errorf("blocks after a repeated block: %d", q.Blocks7d)
	}

	w.Clock.Advance(week - time.Minute)
	w.sweep()
	wantRating("a minute before the signals age out", wabi.QualityRed)
	w.Clock.Advance(time.Minute)
	w.sweep()
	wantRating("when they have", wabi.QualityGreen)
	w.wantHooks("quality.unflagged", 1, `"event":"UNFLAGGED"`)
	// RED for its whole period, the number cost its business a tier.
	w.wantHooks("quality.downgrade", 2, `"max_daily_conversations_per_business":"TIER_250"`)
	w.wantSent("business-initiated again", phones[3], false)
}

// TestForcedQuality: a forced rating stands until the signals change; a
// number RED for RedPeriod drops its business one tier, and again after
// another; forcing it GREEN unflags it.
func TestForcedQuality(t *testing.T) {
	w := newReachWorld(t, true)
	w.tier(wabi.Tier10K)
	if _, err := w.P.ForceQuality(w.ctx, w.Demo.Phone.ID, "PURPLE"); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Fatalf("an unknown rating: %v", err)
	}
	q, err := w.P.ForceQuality(w.ctx, w.Demo.Phone.ID, wabi.QualityRed)
	if err != nil {
		t.Fatal(err)
	}
	if q.QualityRating != wabi.QualityRed {
		t.Fatalf("forced: %+v", q)
	}
	w.sweep()
	if q := w.quality(); q.QualityRating != wabi.QualityRed {
		t.Fatalf("a sweep undid the forced rating: %s", q.QualityRating)
	}
	w.Clock.Advance(week)
	w.sweep()
	if l := w.limit(); l.Tier != wabi.Tier2K {
		t.Fatalf("RED for a week: %s, want TIER_2K", l.Tier)
	}
	w.sweep()
	if l := w.limit(); l.Tier != wabi.Tier2K {
		t.Fatalf("a second sweep dropped again: %s", l.Tier)
	}
	w.Clock.Advance(week)
	w.sweep()
	if l := w.limit(); l.Tier != wabi.Tier250 {
		t.Fatalf("RED for two weeks: %s, want TIER_250", l.Tier)
	}
	w.wantHooks("quality.downgrade", 4) // two numbers, two moves down
	if _, err := w.P.ForceQuality(w.ctx, w.Demo.Phone.ID, wabi.QualityGreen); err != nil {
		t.Fatal(err)
	}
	w.wantHooks("quality.unflagged", 1)
	if q := w.quality(); !q.FlaggedAt.IsZero() {
		t.Errorf("flagged_at after recovery: %v", q.FlaggedAt)
	}
}

// TestRestriction: a restricted WABA's business-initiated sends are refused
// with ERestricted, replies go; lifting it, or its end, lets them go again;
// each restriction and lift is an account_update.
func TestRestriction(t *testing.T) {
	w := newReachWorld(t, true)
	w.phone("15550100001")
	if _, err := w.P.Restrict(w.ctx, w.Demo.WABA.ID, 0); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Fatalf("a restriction of no time: %v", err)
	}
	r, err := w.P.Restrict(w.ctx, w.Demo.WABA.ID, day)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Until.Equal(w.Clock.Now().Add(day)) {
		t.Fatalf("restricted until %v", r.Until)
	}
	w.wantHooks("account.account_restriction", 1, `"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING"`,
		fmt.Sprintf(`"expiration":%d`, w.Clock.Now().Add(day).Unix()))
	w.wantRefused("business-initiated while restricted", "15550100001", false, wabi.ERestricted)
	if q := w.quality(); !q.RestrictedUntil.Equal(r.Until) {
		t.Errorf("quality view: restricted until %v, want %v", q.RestrictedUntil, r.Until)
	}
	w.says("15550100001")
	w.wantSent("a reply while restricted", "15550100001", true)
	if err := w.P.Unrestrict(w.ctx, w.Demo.WABA.ID); err != nil {
		t.Fatal(err)
	}
	w.wantHooks("account.account_restriction", 2, `"restriction_info":[]`)
	if err := w.P.Unrestrict(w.ctx, w.Demo.WABA.ID); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("lifting what is lifted: %v", err)
	}
	w.Clock.Advance(day + time.Second) // the window closes
	w.wantSent("business-initiated after the lift", "15550100001", false)

	if _, err := w.P.Restrict(w.ctx, w.Demo.WABA.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(time.Hour)
	w.wantSent("business-initiated when the restriction ended", "15550100001", false)
}

// TestThroughputUpgrade: a business that becomes unlimited moves its numbers
// to higher throughput: for a minute every send is refused with
// EThroughputUpgrade, then the number is HIGH and its apps hear of it.
func TestThroughputUpgrade(t *testing.T) {
	w := newReachWorld(t, true)
	w.phone("15550100001")
	w.says("15550100001")
	w.tier(wabi.TierUnlimited)
	w.wantHooks("capability", 1, `"max_daily_conversations_per_business":-1`)
	q := w.quality()
	if q.Throughput != wabi.ThroughputStandard || !q.ThroughputUpgradeUntil.Equal(w.Clock.Now().Add(time.Minute)) {
		t.Fatalf("upgrading: %+v", q)
	}
	w.wantRefused("a reply while upgrading", "15550100001", true, wabi.EThroughputUpgrade)
	w.Clock.Advance(time.Minute)
	w.wantSent("a reply after the upgrade", "15550100001", true)
	pn, err := w.Store.PhoneNumber(w.ctx, w.Demo.Phone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pn.Throughput != wabi.ThroughputHigh {
		t.Errorf("throughput %s, want HIGH", pn.Throughput)
	}
	w.sweep() // the On-Premises number's upgrade ends in the sweep
	w.wantHooks("quality.throughput_upgrade", 2, `"event":"THROUGHPUT_UPGRADE"`, `"TIER_UNLIMITED"`)

	// Back to STANDARD by hand, the number of an unlimited business moves up
	// again; with the limits off, an upgrade refuses nothing.
	if _, err := w.P.SetThroughput(w.ctx, w.Demo.Phone.ID, wabi.ThroughputStandard); err != nil {
		t.Fatal(err)
	}
	w.sweep()
	if q := w.quality(); q.ThroughputUpgradeUntil.IsZero() {
		t.Fatalf("no upgrade after going back to STANDARD: %+v", q)
	}
	w.P.Limits = platform.LimitConfig{}
	w.wantSent("a reply while upgrading with the limits off", "15550100001", true)
	if _, err := w.P.SetThroughput(w.ctx, w.Demo.Phone.ID, "TURBO"); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Errorf("an unknown level: %v", err)
	}
}
