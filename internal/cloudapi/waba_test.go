package cloudapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// Consumers in three countries, as their wa_ids say.
const (
	usCustomer = platform.DemoCustomerNumber // +1 555: United States
	gbCustomer = "447700900123"
	inCustomer = "919876543210"
)

// wabaStack is the stack with a second registered number in the demo WABA and a
// month of traffic committed straight to the store, so that analytics have
// something to count at known times.
type wabaStack struct {
	*stack
	second *wabi.PhoneNumber
	day    time.Time // the stack clock's day, midnight UTC
}

func mustWABAStack(t *testing.T) *wabaStack {
	t.Helper()
	s := mustStack(t)
	ctx := context.Background()
	second, err := s.p.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: s.demo.WABA.ID, Number: "15550001111", VerifiedName: "Demo Two", Registered: true})
	if err != nil {
		t.Fatal(err)
	}
	ws := &wabaStack{stack: s, second: second, day: s.clock.Now().Truncate(24 * time.Hour)}
	demo, two := s.demo.Phone.ID, second.ID
	d := ws.day
	n := 0
	msg := func(phone, waID string, dir wabi.Direction, at time.Time, status wabi.Status, category string) *wabi.Message {
		n++
		return &wabi.Message{ID: "wamid.seed" + strconv.Itoa(n), PhoneNumberID: phone, WaID: waID, Direction: dir,
			Type: wabi.TypeText, Timestamp: at, Status: status, StatusAt: at, Category: category,
			Content: wabi.Content{Text: &wabi.Text{Body: "seed"}}}
	}
	out, in := wabi.Outbound, wabi.Inbound
	seed := []*wabi.Message{
		msg(demo, usCustomer, out, d.AddDate(0, 0, -27).Add(10*time.Hour), wabi.StatusRead, "marketing"),
		msg(demo, gbCustomer, out, d.Add(-time.Minute), wabi.StatusDelivered, "utility"),
		msg(demo, usCustomer, out, d.Add(9*time.Hour+10*time.Minute), wabi.StatusRead, "service"),
		msg(demo, inCustomer, out, d.Add(9*time.Hour+20*time.Minute), wabi.StatusDelivered, "marketing"),
		msg(demo, inCustomer, out, d.Add(9*time.Hour+40*time.Minute), wabi.StatusSent, "marketing"),
		msg(two, gbCustomer, out, d.Add(10*time.Hour+5*time.Minute), wabi.StatusDelivered, "authentication"),
		msg(demo, usCustomer, out, d.Add(10*time.Hour+10*time.Minute), wabi.StatusFailed, "marketing"),
		msg(demo, usCustomer, in, d.Add(10*time.Hour+15*time.Minute), wabi.StatusReceived, ""),
		msg(two, usCustomer, out, d.Add(11*time.Hour), wabi.StatusRead, "utility"),
	}
	if err := s.store.Commit(ctx, &wabi.Batch{Messages: seed}); err != nil {
		t.Fatal(err)
	}
	return ws
}

// scrub replaces the ids and the namespace, which change from run to run, for
// golden files.
func (s *wabaStack) scrub(b []byte) []byte {
	out := string(normalize(b))
	for old, repl := range map[string]string{
		s.demo.WABA.ID: "WABA_ID", s.demo.Business.ID: "BUSINESS_ID", s.demo.Phone.ID: "PHONE_ID", s.demo.OnPremPhone.ID: "ONPREM_PHONE_ID",
		s.second.ID: "PHONE2_ID", s.demo.WABA.Namespace: "NAMESPACE",
	} {
		out = strings.ReplaceAll(out, old, repl)
	}
	return []byte(out)
}

// TestGetWABA reads the WABA node: its fields, each analytics with its
// modifiers, and the errors of bad fields, bad modifiers and wrong tokens
// (golden files under testdata/waba).
func TestGetWABA(t *testing.T) {
	s := mustWABAStack(t)
	ctx := context.Background()
	tok := s.demo.Token.Value
	other, _ := s.p.CreateBusiness(ctx, "Other Co")
	otherTok, err := s.p.CreateToken(ctx, platform.NewToken{BusinessID: other.ID})
	if err != nil {
		t.Fatal(err)
	}
	messagingOnly, err := s.p.CreateToken(ctx, platform.NewToken{BusinessID: s.demo.Business.ID, Scopes: []string{wabi.ScopeMessaging}})
	if err != nil {
		t.Fatal(err)
	}

	unix := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	// The stack's clock stands on the first of a month: period covers the seeded
	// traffic of the month before and of today, morning today's busy hours.
	month := s.day.AddDate(0, -1, 0)
	period := ".start(" + unix(month) + ").end(" + unix(s.day.AddDate(0, 0, 1)) + ")"
	morning := ".start(" + unix(s.day.Add(9*time.Hour)) + ").end(" + unix(s.day.Add(12*time.Hour)) + ")"
	tests := []struct {
		name   string
		fields string
		token  string
		status int
	}{
		{"default", "", tok, 200},
		{"all_fields", "name,currency,timezone_id,message_template_namespace,account_review_status," +
			"business_verification_status,country,ownership_type,primary_business_location,health_status,id", tok, 200},
		{"analytics_day", "analytics" + period + ".granularity(DAY)", tok, 200},
		{"analytics_half_hour_filtered", "analytics" + morning + `.granularity(HALF_HOUR).phone_numbers(["15550001000"]).country_codes(["IN","US"])`, tok, 200},
		{"analytics_month_support", "analytics" + period + ".granularity(MONTH).product_types([2])", tok, 200},
		{"conversation_daily_dimensions", "conversation_analytics" + period + `.granularity(DAILY).dimensions(["CONVERSATION_CATEGORY","CONVERSATION_TYPE","CONVERSATION_DIRECTION","PHONE","COUNTRY"])`, tok, 200},
		{"conversation_monthly_count", "conversation_analytics" + period + ".granularity(MONTHLY).metric_types(CONVERSATION).conversation_directions(BUSINESS_INITIATED)", tok, 200},
		{"pricing_daily_category", "pricing_analytics" + period + `.granularity(DAILY).metric_types(["COST","VOLUME"]).dimensions(["PRICING_CATEGORY","PRICING_TYPE"])`, tok, 200},
		{"pricing_monthly_regular", "pricing_analytics" + period + ".granularity(MONTHLY).pricing_types([REGULAR]).pricing_categories(MARKETING,UTILITY).dimensions(COUNTRY,PHONE,TIER)", tok, 200},
		{"pricing_half_hour_cost", "pricing_analytics" + morning + ".granularity(half_hour).metric_types(COST).country_codes(GB)", tok, 200},
		{"several_fields", "name,analytics" + morning + ".granularity(DAY),pricing_analytics" + morning + ".granularity(DAILY),currency", tok, 200},
		{"unknown_field", "id,bogus", tok, 400},
		{"syntax_error", "analytics.start(1", tok, 400},
		{"missing_start", "analytics.end(" + unix(s.day) + ").granularity(DAY)", tok, 400},
		{"missing_granularity", "pricing_analytics" + period, tok, 400},
		{"wrong_granularity", "analytics" + period + ".granularity(DAILY)", tok, 400},
		{"end_before_start", "analytics.start(" + unix(s.day) + ").end(" + unix(month) + ").granularity(DAY)", tok, 400},
		{"start_too_old", "analytics.start(" + unix(s.day.AddDate(-1, 0, -1)) + ").end(" + unix(s.day) + ").granularity(DAY)", tok, 400},
		{"start_not_a_number", "analytics.start(yesterday).end(" + unix(s.day) + ").granularity(DAY)", tok, 400},
		{"unknown_modifier", "analytics" + period + ".granularity(DAY).dimensions(PHONE)", tok, 400},
		{"unknown_phone_number", "analytics" + period + ".granularity(DAY).phone_numbers([\"15559999999\"])", tok, 400},
		{"bad_dimension", "pricing_analytics" + period + ".granularity(DAILY).dimensions(CONVERSATION_TYPE)", tok, 400},
		{"bad_product_type", "analytics" + period + ".granularity(DAY).product_types([1])", tok, 400},
		{"bad_country_code", "analytics" + period + ".granularity(DAY).country_codes(USA)", tok, 400},
		{"foreign_token", "", otherTok.Value, 400},
		{"no_management_permission", "", messagingOnly.Value, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/v23.0/" + s.demo.WABA.ID
			if tt.fields != "" {
				path += "?fields=" + url.QueryEscape(tt.fields)
			}
			status, body := s.call("GET", path, tt.token, "")
			if status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
			golden.Assert(t, "testdata/waba/"+tt.name+".json", s.scrub(body))
		})
	}
}

// TestAnalyticsFromTraffic: messages sent through the API count in the
// analytics once the phone has them: a free reply in the customer service window
// and a utility template, priced at the default rate card.
func TestAnalyticsFromTraffic(t *testing.T) {
	s := mustStack(t)
	tok := s.demo.Token.Value
	s.customerSays("Where is my order?")
	send := func(rest string) string {
		t.Helper()
		status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", tok,
			`{"messaging_product":"whatsapp","to":"`+platform.DemoCustomerNumber+`",`+rest+`}`)
		if status != 200 {
			t.Fatalf("send: %d %s", status, body)
		}
		return sentID(t, body)
	}
	reply := send(`"text":{"body":"On its way."}`)
	tpl := send(`"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}`)
	s.waitEvents(reply, 3)
	s.waitEvents(tpl, 3)

	day := s.clock.Now().Truncate(24 * time.Hour)
	period := ".start(" + strconv.FormatInt(day.Unix(), 10) + ").end(" + strconv.FormatInt(day.Add(24*time.Hour).Unix(), 10) + ")"
	fields := "analytics" + period + ".granularity(DAY),pricing_analytics" + period + ".granularity(DAILY).dimensions(PRICING_CATEGORY,PRICING_TYPE)"
	status, body := s.call("GET", "/v23.0/"+s.demo.WABA.ID+"?fields="+url.QueryEscape(fields), tok, "")
	if status != 200 {
		t.Fatalf("GET: %d %s", status, body)
	}
	type point struct {
		Start, End, Sent, Delivered, Volume int64
		Cost                                float64
		PricingCategory                     string `json:"pricing_category"`
		PricingType                         string `json:"pricing_type"`
	}
	var got struct {
		Analytics struct {
			PhoneNumbers []string `json:"phone_numbers"`
			DataPoints   []point  `json:"data_points"`
		}
		PricingAnalytics struct {
			Data []struct {
				DataPoints []point `json:"data_points"`
			}
		} `json:"pricing_analytics"`
		ID string
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	start, end := day.Unix(), day.Add(24*time.Hour).Unix()
	wantMessaging := []point{{Start: start, End: end, Sent: 2, Delivered: 2}}
	wantPricing := []point{
		{Start: start, End: end, Volume: 1, Cost: 0, PricingCategory: "SERVICE", PricingType: "FREE_CUSTOMER_SERVICE"},
		{Start: start, End: end, Volume: 1, Cost: 0.004, PricingCategory: "UTILITY", PricingType: "REGULAR"},
	}
	if got.ID != s.demo.WABA.ID || strings.Join(got.Analytics.PhoneNumbers, ",") != platform.DemoBusinessNumber+","+platform.DemoOnPremNumber {
		t.Errorf("id %s, phone numbers %v", got.ID, got.Analytics.PhoneNumbers)
	}
	if g, w := compactJSON(got.Analytics.DataPoints), compactJSON(wantMessaging); g != w {
		t.Errorf("analytics data points\n got %s\nwant %s", g, w)
	}
	if len(got.PricingAnalytics.Data) != 1 {
		t.Fatalf("pricing_analytics data %s", body)
	}
	if g, w := compactJSON(got.PricingAnalytics.Data[0].DataPoints), compactJSON(wantPricing); g != w {
		t.Errorf("pricing data points\n got %s\nwant %s", g, w)
	}
}

func compactJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
