package platform_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// analyticsNetwork takes messages and does nothing with them: analytics tests commit
// their traffic straight to the store.
type analyticsNetwork struct{}

func (analyticsNetwork) Deliver(context.Context, *wabi.Message) error { return nil }

// analyticsWorld is a platform on a real SQLite store with one WABA of two
// numbers, a token that manages it, and the time its story starts.
type analyticsWorld struct {
	p        *platform.Platform
	store    *sqlite.Store
	waba     *wabi.WABA
	one, two *wabi.PhoneNumber
	admin    platform.Caller
	now      time.Time
	seq      int
}

// Consumers whose wa_ids say their country.
const (
	waUS = "15550002000" // fictional +1 555: still the United States
	waGB = "447700900123"
	waIN = "919876543210"
	waBR = "5511912345678"
)

func mustAnalyticsWorld(t *testing.T) *analyticsWorld {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	clock := wabi.NewManualClock(now)
	p := platform.New(store, analyticsNetwork{}, clock, wabi.NewIDGen(clock))
	ctx := context.Background()
	w := &analyticsWorld{p: p, store: store, now: now, admin: platform.Admin}
	b, err := p.CreateBusiness(ctx, "Analytics Co")
	if err != nil {
		t.Fatal(err)
	}
	if w.waba, err = p.CreateWABA(ctx, b.ID, "Analytics WABA"); err != nil {
		t.Fatal(err)
	}
	if w.one, err = p.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: w.waba.ID, Number: "15550001000", VerifiedName: "One", Registered: true}); err != nil {
		t.Fatal(err)
	}
	if w.two, err = p.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: w.waba.ID, Number: "+44 7700 900001", VerifiedName: "Two"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// commit writes one message of a number to a consumer at a time, with the
// status it has reached.
func (w *analyticsWorld) commit(t *testing.T, pn *wabi.PhoneNumber, waID string, dir wabi.Direction, at time.Time, status wabi.Status, category string) {
	t.Helper()
	w.seq++
	m := &wabi.Message{ID: "wamid.t" + strconv.Itoa(w.seq), PhoneNumberID: pn.ID, WaID: waID, Direction: dir,
		Type: wabi.TypeText, Timestamp: at, Status: status, StatusAt: at, Category: category,
		Content: wabi.Content{Text: &wabi.Text{Body: "x"}}}
	if err := w.store.Commit(context.Background(), &wabi.Batch{Messages: []*wabi.Message{m}}); err != nil {
		t.Fatal(err)
	}
}

// mustTraffic commits a story across a month boundary: October's last minute,
// November's first, and a busy afternoon.
func (w *analyticsWorld) mustTraffic(t *testing.T) {
	t.Helper()
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	out, inb := wabi.Outbound, wabi.Inbound
	w.commit(t, w.one, waUS, out, nov.Add(-time.Minute), wabi.StatusRead, "marketing")
	w.commit(t, w.one, waGB, out, nov, wabi.StatusDelivered, "utility")
	w.commit(t, w.one, waUS, inb, nov.Add(14*time.Hour), wabi.StatusRead, "")
	w.commit(t, w.one, waUS, out, nov.Add(14*time.Hour+29*time.Minute), wabi.StatusRead, "service")
	w.commit(t, w.one, waIN, out, nov.Add(14*time.Hour+30*time.Minute), wabi.StatusSent, "marketing")
	w.commit(t, w.one, waIN, out, nov.Add(14*time.Hour+31*time.Minute), wabi.StatusFailed, "marketing")
	w.commit(t, w.one, waBR, out, nov.Add(14*time.Hour+45*time.Minute), wabi.StatusDelivered, "authentication")
	w.commit(t, w.two, waGB, out, nov.Add(14*time.Hour+50*time.Minute), wabi.StatusRead, "MARKETING")
	w.commit(t, w.two, waGB, out, nov.Add(15*time.Hour), wabi.StatusAccepted, "utility")
}

// wholeStory is a filter of the whole story with a granularity.
func wholeStory(granularity string) platform.AnalyticsFilter {
	return platform.AnalyticsFilter{Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		End: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), Granularity: granularity}
}

// compact renders a value compactly, so that tables compare whole answers.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

// TestMessagingAnalytics counts sent and delivered messages per bucket: failed
// and accepted messages are not sent, inbound ones not counted, months are
// calendar months, and filters pick numbers, countries and product types.
func TestMessagingAnalytics(t *testing.T) {
	w := mustAnalyticsWorld(t)
	w.mustTraffic(t)
	pt := func(start, end time.Time, sent, delivered int) platform.MessagingPoint {
		return platform.MessagingPoint{Start: start, End: end, Sent: sent, Delivered: delivered}
	}
	oct, nov, dec := utc(2026, 10, 1, 0, 0), utc(2026, 11, 1, 0, 0), utc(2026, 12, 1, 0, 0)
	with := func(f platform.AnalyticsFilter, edit func(*platform.AnalyticsFilter)) platform.AnalyticsFilter {
		edit(&f)
		return f
	}
	tests := []struct {
		name    string
		q       platform.MessagingQuery
		numbers []string
		want    []platform.MessagingPoint
	}{
		{"monthly", platform.MessagingQuery{AnalyticsFilter: wholeStory("month")}, []string{"15550001000", "447700900001"},
			[]platform.MessagingPoint{pt(oct, nov, 1, 1), pt(nov, dec, 5, 4)}},
		{"daily", platform.MessagingQuery{AnalyticsFilter: wholeStory("DAY")}, []string{"15550001000", "447700900001"},
			[]platform.MessagingPoint{pt(nov.Add(-24*time.Hour), nov, 1, 1), pt(nov, nov.Add(24*time.Hour), 5, 4)}},
		{"half hours of one number", platform.MessagingQuery{AnalyticsFilter: with(wholeStory("HALF_HOUR"), func(f *platform.AnalyticsFilter) {
			f.PhoneNumbers = []string{"+1 555-000-1000"}
			f.Start = nov.Add(14 * time.Hour)
		})}, []string{"15550001000"},
			[]platform.MessagingPoint{pt(nov.Add(14*time.Hour), nov.Add(14*time.Hour+30*time.Minute), 1, 1),
				pt(nov.Add(14*time.Hour+30*time.Minute), nov.Add(15*time.Hour), 2, 1)}},
		{"customer support only", platform.MessagingQuery{AnalyticsFilter: wholeStory("MONTH"), ProductTypes: []int{2}}, []string{"15550001000", "447700900001"},
			[]platform.MessagingPoint{pt(nov, dec, 1, 1)}},
		{"notifications to GB and BR", platform.MessagingQuery{AnalyticsFilter: with(wholeStory("MONTH"), func(f *platform.AnalyticsFilter) {
			f.CountryCodes = []string{"gb", "BR"}
		}), ProductTypes: []int{0}}, []string{"15550001000", "447700900001"},
			[]platform.MessagingPoint{pt(nov, dec, 3, 3)}},
		{"a window that starts on the last minute", platform.MessagingQuery{AnalyticsFilter: with(wholeStory("DAY"), func(f *platform.AnalyticsFilter) {
			f.Start, f.End = nov.Add(-time.Minute), nov
		})}, []string{"15550001000", "447700900001"},
			[]platform.MessagingPoint{pt(nov.Add(-24*time.Hour), nov, 1, 1)}},
		{"nothing in the period", platform.MessagingQuery{AnalyticsFilter: with(wholeStory("DAY"), func(f *platform.AnalyticsFilter) {
			f.Start, f.End = oct, oct.Add(time.Hour)
		})}, []string{"15550001000", "447700900001"}, []platform.MessagingPoint{}},
	}
	for _, tt := range tests {
		got, err := w.p.MessagingAnalytics(context.Background(), w.admin, w.waba.ID, tt.q)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if compact(got.Points) != compact(tt.want) || compact(got.PhoneNumbers) != compact(tt.numbers) {
			t.Errorf("%s:\n got %s %s\nwant %s %s", tt.name, compact(got.PhoneNumbers), compact(got.Points), compact(tt.numbers), compact(tt.want))
		}
	}
}

// TestPricingAnalytics prices delivered messages: service replies are free,
// templates cost the rate card, dimensions split the points and filters drop
// what they do not name.
func TestPricingAnalytics(t *testing.T) {
	w := mustAnalyticsWorld(t)
	w.mustTraffic(t)
	nov, dec := utc(2026, 11, 1, 0, 0), utc(2026, 12, 1, 0, 0)
	pt := func(volume int, cost float64, category, typ, country, phone string) platform.PricingPoint {
		return platform.PricingPoint{Start: nov, End: dec, Volume: volume, Cost: cost, Category: category, Type: typ, Country: country, PhoneNumber: phone}
	}
	q := func(edit func(*platform.PricingQuery)) platform.PricingQuery {
		q := platform.PricingQuery{AnalyticsFilter: wholeStory("MONTHLY")}
		q.Start = nov
		edit(&q)
		return q
	}
	tests := []struct {
		name    string
		rates   map[string]float64
		q       platform.PricingQuery
		metrics []string
		want    []platform.PricingPoint
	}{
		{"totals", nil, q(func(*platform.PricingQuery) {}), []string{"VOLUME", "COST"},
			[]platform.PricingPoint{pt(4, 0.0325, "", "", "", "")}},
		{"by category and type", nil, q(func(q *platform.PricingQuery) {
			q.Dimensions = []string{"pricing_category", "PRICING_TYPE", "TIER"}
		}), []string{"VOLUME", "COST"}, []platform.PricingPoint{
			pt(1, 0.0035, "AUTHENTICATION", "REGULAR", "", ""),
			pt(1, 0.025, "MARKETING", "REGULAR", "", ""),
			pt(1, 0, "SERVICE", "FREE_CUSTOMER_SERVICE", "", ""),
			pt(1, 0.004, "UTILITY", "REGULAR", "", ""),
		}},
		{"by phone and country, regular only, own rates", map[string]float64{"marketing": 0.1, "utility": 0.01}, q(func(q *platform.PricingQuery) {
			q.Dimensions = []string{"PHONE", "COUNTRY"}
			q.PricingTypes = []string{"regular"}
			q.MetricTypes = []string{"cost"}
		}), []string{"COST"}, []platform.PricingPoint{
			pt(1, 0, "", "", "BR", "15550001000"),
			pt(1, 0.01, "", "", "GB", "15550001000"),
			pt(1, 0.1, "", "", "GB", "447700900001"),
		}},
		{"free messages only", nil, q(func(q *platform.PricingQuery) {
			q.PricingTypes = []string{"FREE_CUSTOMER_SERVICE"}
			q.Dimensions = []string{"COUNTRY"}
		}), []string{"VOLUME", "COST"}, []platform.PricingPoint{pt(1, 0, "", "", "US", "")}},
		{"one category of one number", nil, q(func(q *platform.PricingQuery) {
			q.PricingCategories = []string{"MARKETING", "MARKETING_LITE"}
			q.PhoneNumbers = []string{"447700900001"}
		}), []string{"VOLUME", "COST"}, []platform.PricingPoint{pt(1, 0.025, "", "", "", "")}},
	}
	for _, tt := range tests {
		w.p.Rates = tt.rates
		got, err := w.p.PricingAnalytics(context.Background(), w.admin, w.waba.ID, tt.q)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if compact(got.Points) != compact(tt.want) || compact(got.Metrics) != compact(tt.metrics) {
			t.Errorf("%s:\n got %s %s\nwant %s %s", tt.name, compact(got.Metrics), compact(got.Points), compact(tt.metrics), compact(tt.want))
		}
	}
}

// TestConversationAnalytics counts every delivered outbound message as its own
// conversation: service replies user-initiated and free, templates
// business-initiated and priced.
func TestConversationAnalytics(t *testing.T) {
	w := mustAnalyticsWorld(t)
	w.mustTraffic(t)
	oct31, nov, nov2 := utc(2026, 10, 31, 0, 0), utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0)
	pt := func(start, end time.Time, n int, cost float64, category, typ, dir string) platform.ConversationPoint {
		return platform.ConversationPoint{Start: start, End: end, Conversations: n, Cost: cost, Category: category, Type: typ, Direction: dir}
	}
	tests := []struct {
		name string
		q    platform.ConversationQuery
		want []platform.ConversationPoint
	}{
		{"daily by direction and type", platform.ConversationQuery{AnalyticsFilter: wholeStory("DAILY"),
			Dimensions: []string{"CONVERSATION_DIRECTION", "CONVERSATION_TYPE"}},
			[]platform.ConversationPoint{
				pt(oct31, nov, 1, 0.025, "", "REGULAR", "BUSINESS_INITIATED"),
				pt(nov, nov2, 1, 0, "", "FREE_TIER", "USER_INITIATED"),
				pt(nov, nov2, 3, 0.0325, "", "REGULAR", "BUSINESS_INITIATED"),
			}},
		{"user-initiated only, by category", platform.ConversationQuery{AnalyticsFilter: wholeStory("DAILY"),
			Directions: []string{"USER_INITIATED"}, Dimensions: []string{"CONVERSATION_CATEGORY"}},
			[]platform.ConversationPoint{pt(nov, nov2, 1, 0, "SERVICE", "", "")}},
		{"free tier filtered away", platform.ConversationQuery{AnalyticsFilter: wholeStory("DAILY"),
			Types: []string{"FREE_ENTRY_POINT"}}, []platform.ConversationPoint{}},
		{"marketing and utility", platform.ConversationQuery{AnalyticsFilter: wholeStory("DAILY"),
			Categories: []string{"marketing", "UTILITY"}, Dimensions: []string{"CONVERSATION_CATEGORY"}},
			[]platform.ConversationPoint{
				pt(oct31, nov, 1, 0.025, "MARKETING", "", ""),
				pt(nov, nov2, 1, 0.025, "MARKETING", "", ""),
				pt(nov, nov2, 1, 0.004, "UTILITY", "", ""),
			}},
	}
	for _, tt := range tests {
		got, err := w.p.ConversationAnalytics(context.Background(), w.admin, w.waba.ID, tt.q)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if compact(got.Points) != compact(tt.want) || compact(got.Metrics) != `["CONVERSATION","COST"]` {
			t.Errorf("%s:\n got %s %s\nwant %s", tt.name, compact(got.Metrics), compact(got.Points), compact(tt.want))
		}
	}
}

// TestAnalyticsErrors: what a query gets wrong is an invalid parameter that
// names it; callers that may not manage the WABA get Graph's usual answers.
func TestAnalyticsErrors(t *testing.T) {
	w := mustAnalyticsWorld(t)
	ctx := context.Background()
	other, _ := w.p.CreateBusiness(ctx, "Other")
	otherTok, err := w.p.CreateToken(ctx, platform.NewToken{BusinessID: other.ID})
	if err != nil {
		t.Fatal(err)
	}
	messaging, err := w.p.CreateToken(ctx, platform.NewToken{BusinessID: w.waba.BusinessID, Scopes: []string{wabi.ScopeMessaging}})
	if err != nil {
		t.Fatal(err)
	}
	with := func(edit func(*platform.AnalyticsFilter)) platform.AnalyticsFilter {
		f := wholeStory("DAY")
		edit(&f)
		return f
	}
	yearAgo := w.now.AddDate(-1, 0, 0)
	tests := []struct {
		name   string
		caller platform.Caller
		f      platform.AnalyticsFilter
		types  []int
		code   wabi.Code
		msg    string
	}{
		{"no start", w.admin, with(func(f *platform.AnalyticsFilter) { f.Start = time.Time{} }), nil, wabi.EInvalidParam, "start is required for analytics"},
		{"no end", w.admin, with(func(f *platform.AnalyticsFilter) { f.End = time.Time{} }), nil, wabi.EInvalidParam, "end is required"},
		{"empty period", w.admin, with(func(f *platform.AnalyticsFilter) { f.End = f.Start }), nil, wabi.EInvalidParam, "end of analytics must be after its start"},
		{"over a year ago", w.admin, with(func(f *platform.AnalyticsFilter) { f.Start = yearAgo.Add(-time.Second) }), nil, wabi.EInvalidParam, "within the last year"},
		{"exactly a year ago", w.admin, with(func(f *platform.AnalyticsFilter) { f.Start = yearAgo }), nil, "", ""},
		{"no granularity", w.admin, with(func(f *platform.AnalyticsFilter) { f.Granularity = "" }), nil, wabi.EInvalidParam, "granularity is required for analytics: HALF_HOUR, DAY or MONTH"},
		{"hourly", w.admin, with(func(f *platform.AnalyticsFilter) { f.Granularity = "HOUR" }), nil, wabi.EInvalidParam, `not "HOUR"`},
		{"country name", w.admin, with(func(f *platform.AnalyticsFilter) { f.CountryCodes = []string{"Germany"} }), nil, wabi.EInvalidParam, "country_codes"},
		{"foreign number", w.admin, with(func(f *platform.AnalyticsFilter) { f.PhoneNumbers = []string{"15550009999"} }), nil, wabi.EInvalidParam, `"15550009999" is not a phone number`},
		{"product type 1", w.admin, wholeStory("DAY"), []int{0, 1}, wabi.EInvalidParam, "not 1"},
		{"another business", platform.Caller{Token: otherTok}, wholeStory("DAY"), nil, wabi.ENotFound, "does not exist"},
		{"messaging token", platform.Caller{Token: messaging}, wholeStory("DAY"), nil, wabi.EPermission, "whatsapp_business_management"},
	}
	for _, tt := range tests {
		_, err := w.p.MessagingAnalytics(ctx, tt.caller, w.waba.ID, platform.MessagingQuery{AnalyticsFilter: tt.f, ProductTypes: tt.types})
		if wabi.ErrorCode(err) != tt.code || err != nil && !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %q containing %q", tt.name, err, tt.code, tt.msg)
		}
	}

	enums := []struct {
		name string
		call func() error
		msg  string
	}{
		{"pricing metric", func() error {
			_, err := w.p.PricingAnalytics(ctx, w.admin, w.waba.ID, platform.PricingQuery{AnalyticsFilter: wholeStory("DAILY"), MetricTypes: []string{"CONVERSATION"}})
			return err
		}, `metric_types of pricing_analytics must hold COST, VOLUME, not "CONVERSATION"`},
		{"pricing granularity", func() error {
			_, err := w.p.PricingAnalytics(ctx, w.admin, w.waba.ID, platform.PricingQuery{AnalyticsFilter: wholeStory("DAY")})
			return err
		}, `granularity of pricing_analytics must be HALF_HOUR, DAILY or MONTHLY, not "DAY"`},
		{"pricing type", func() error {
			_, err := w.p.PricingAnalytics(ctx, w.admin, w.waba.ID, platform.PricingQuery{AnalyticsFilter: wholeStory("DAILY"), PricingTypes: []string{"FREE_TIER"}})
			return err
		}, "pricing_types"},
		{"conversation dimension", func() error {
			_, err := w.p.ConversationAnalytics(ctx, w.admin, w.waba.ID, platform.ConversationQuery{AnalyticsFilter: wholeStory("DAILY"), Dimensions: []string{"PRICING_TYPE"}})
			return err
		}, "dimensions of conversation_analytics"},
		{"conversation direction", func() error {
			_, err := w.p.ConversationAnalytics(ctx, w.admin, w.waba.ID, platform.ConversationQuery{AnalyticsFilter: wholeStory("DAILY"), Directions: []string{"INBOUND"}})
			return err
		}, "conversation_directions"},
	}
	for _, tt := range enums {
		if err := tt.call(); wabi.ErrorCode(err) != wabi.EInvalidParam || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want invalid parameter containing %q", tt.name, err, tt.msg)
		}
	}
}

// TestWABADetails: a WABA's health follows its numbers' registration, and its
// country is its first number's.
func TestWABADetails(t *testing.T) {
	w := mustAnalyticsWorld(t)
	d, err := w.p.WABADetails(context.Background(), w.admin, w.waba.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := platform.WABAHealth{CanSendMessage: "BLOCKED", Entities: []platform.WABAHealthEntity{
		{Type: "PHONE_NUMBER", ID: w.one.ID, CanSendMessage: "AVAILABLE"},
		{Type: "PHONE_NUMBER", ID: w.two.ID, CanSendMessage: "BLOCKED"},
		{Type: "WABA", ID: w.waba.ID, CanSendMessage: "AVAILABLE"},
		{Type: "BUSINESS", ID: w.waba.BusinessID, CanSendMessage: "AVAILABLE"},
	}}
	if compact(d.Health) != compact(want) || d.Country != "US" || d.WABA.ID != w.waba.ID || len(d.Numbers) != 2 {
		t.Errorf("details: country %q, health %s\nwant US, %s", d.Country, compact(d.Health), compact(want))
	}
}
