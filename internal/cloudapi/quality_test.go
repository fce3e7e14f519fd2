package cloudapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestQualityCodes: what Meta's quality rules answer through the Cloud API,
// each caused as a test would cause it: 131048 at once from a RED number,
// 131048 in a failed status when the business's messaging limit is reached,
// 368 from a restricted WABA, 131057 during a throughput upgrade, and 131026
// in a failed status to a customer who blocked the number.
func TestQualityCodes(t *testing.T) {
	s := mustStack(t)
	s.p.Limits = platform.MetaLimits()
	ctx := context.Background()
	pn, biz, tok := s.demo.Phone.ID, s.demo.Business.ID, s.demo.Token.Value
	template := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	}
	// send posts a message and returns the answer's status, and its message id
	// or its error code.
	send := func(body string) (status int, id string, code int) {
		t.Helper()
		status, raw := s.call("POST", "/v23.0/"+pn+"/messages", tok, body)
		var out struct {
			Messages []struct{ ID string }
			Error    struct{ Code int }
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("answer %s: %v", raw, err)
		}
		if len(out.Messages) == 1 {
			return status, out.Messages[0].ID, 0
		}
		return status, "", out.Error.Code
	}
	wantRefused := func(what, body string, status, code int) {
		t.Helper()
		if got, id, c := send(body); got != status || id != "" || c != code {
			t.Fatalf("%s: %d %s %d, want %d with code %d", what, got, id, c, status, code)
		}
	}
	wantFailed := func(what, body string, code int) {
		t.Helper()
		got, id, c := send(body)
		if got != http.StatusOK || id == "" {
			t.Fatalf("%s: %d with code %d, want accepted", what, got, c)
		}
		if ev := s.waitEvents(id, 1); ev[0].Kind != "failed" || ev[0].Code != code {
			t.Fatalf("%s: webhook %+v, want failed with %d", what, ev[0], code)
		}
	}

	if _, err := s.p.ForceQuality(ctx, pn, wabi.QualityRed); err != nil {
		t.Fatal(err)
	}
	wantRefused("a template from a RED number", template(platform.DemoCustomerNumber), http.StatusTooManyRequests, 131048)
	if _, err := s.p.ForceQuality(ctx, pn, wabi.QualityGreen); err != nil {
		t.Fatal(err)
	}

	if _, err := s.p.SetMessagingLimit(ctx, biz, wabi.Tier250); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 250 {
		wg.Go(func() {
			if _, err := s.store.AddReach(ctx, wabi.Reach{BusinessID: biz, PhoneNumberID: pn, WaID: fmt.Sprintf("1999000%04d", i),
				At: s.clock.Now()}, s.clock.Now().Add(-platform.LimitWindow), -1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantFailed("a template past the messaging limit", template(platform.DemoCustomerNumber), 131048)
	if _, err := s.p.SetMessagingLimit(ctx, biz, wabi.Tier2K); err != nil {
		t.Fatal(err)
	}

	if _, err := s.p.Restrict(ctx, s.demo.WABA.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	wantRefused("a template from a restricted WABA", template(platform.DemoCustomerNumber), http.StatusForbidden, 368)
	if err := s.p.Unrestrict(ctx, s.demo.WABA.ID); err != nil {
		t.Fatal(err)
	}

	if _, err := s.p.SetThroughput(ctx, pn, wabi.ThroughputHigh); err != nil {
		t.Fatal(err)
	}
	wantRefused("a template during a throughput upgrade", template(platform.DemoCustomerNumber), http.StatusServiceUnavailable, 131057)
	s.clock.Advance(time.Minute)

	s.customerSays("hi")
	if _, err := s.p.GiveFeedback(ctx, platform.Feedback{WaID: platform.DemoCustomerNumber, PhoneNumberID: pn, Kind: wabi.FeedbackBlock}); err != nil {
		t.Fatal(err)
	}
	wantFailed("a reply to a customer who blocked the number",
		`{"messaging_product":"whatsapp","to":"`+platform.DemoCustomerNumber+`","text":{"body":"hello?"}}`, 131026)
}

// TestQualityGraphFields: a number's Graph fields show its quality, its
// business's messaging limit and its throughput as they stand.
func TestQualityGraphFields(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	fields := "?fields=quality_rating,throughput,messaging_limit_tier,whatsapp_business_manager_messaging_limit"
	read := func() string {
		t.Helper()
		status, raw := s.call("GET", "/v23.0/"+s.demo.Phone.ID+fields, s.demo.Token.Value, "")
		if status != http.StatusOK {
			t.Fatalf("%d %s", status, raw)
		}
		return string(raw)
	}
	want := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	id := `"id":"` + s.demo.Phone.ID + `"`
	want(read(), `{"quality_rating":"GREEN","throughput":{"level":"STANDARD"},"messaging_limit_tier":"TIER_1K","whatsapp_business_manager_messaging_limit":"TIER_2K",`+id+`}`)
	if _, err := s.p.ForceQuality(ctx, s.demo.Phone.ID, wabi.QualityYellow); err != nil {
		t.Fatal(err)
	}
	r := platform.MetaQualityRules()
	r.ThroughputUpgrade = 0
	s.p.QualityRules = &r
	if _, err := s.p.SetMessagingLimit(ctx, s.demo.Business.ID, wabi.TierUnlimited); err != nil {
		t.Fatal(err)
	}
	want(read(), `{"quality_rating":"YELLOW","throughput":{"level":"HIGH"},"messaging_limit_tier":"TIER_UNLIMITED","whatsapp_business_manager_messaging_limit":"TIER_UNLIMITED",`+id+`}`)
}
