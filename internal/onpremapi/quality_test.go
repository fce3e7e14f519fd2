package onpremapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestQualityCodes: what Meta's quality rules answer through the On-Premises
// API, in its own codes: 471 at once from a RED number (the Cloud API's
// 131048), 471 in a failed status when the business's messaging limit is
// reached, 1031 from a restricted WABA (368), 1011 during a throughput
// upgrade (131057), and 1013 in a failed status to a customer who blocked the
// number (131026). The On-Premises API has no webhooks of quality, limits or
// restrictions: its deployment hears only of its messages.
func TestQualityCodes(t *testing.T) {
	s := newStack(t)
	s.P.Limits = platform.MetaLimits()
	tok := s.mustAdmin()
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"webhooks": map[string]any{"url": s.rcv.srv.URL}}), http.StatusOK)
	ctx := context.Background()
	pn, biz := s.pn.ID, s.Demo.Business.ID
	template := map[string]any{"to": platform.DemoCustomerNumber, "type": "template", "template": map[string]any{
		"namespace": s.Demo.WABA.Namespace, "name": "hello_world", "language": map[string]string{"policy": "deterministic", "code": "en_US"}}}
	wantFailed := func(what string, body map[string]any, code int) {
		t.Helper()
		r := s.do("POST", "/v1/messages", tok, body)
		wantOK(t, r, http.StatusOK)
		id := r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
		s.rcv.waitFor(t, id, `"status":"failed"`, fmt.Sprintf(`"code":%d`, code))
	}

	if _, err := s.P.ForceQuality(ctx, pn, wabi.QualityRed); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.do("POST", "/v1/messages", tok, template), http.StatusTooManyRequests, 471)
	if _, err := s.P.ForceQuality(ctx, pn, wabi.QualityGreen); err != nil {
		t.Fatal(err)
	}

	if _, err := s.P.SetMessagingLimit(ctx, biz, wabi.Tier250); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 250 {
		wg.Go(func() {
			if _, err := s.Store.AddReach(ctx, wabi.Reach{BusinessID: biz, PhoneNumberID: pn, WaID: fmt.Sprintf("1999000%04d", i),
				At: s.Clock.Now()}, s.Clock.Now().Add(-platform.LimitWindow), -1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantFailed("a template past the messaging limit", template, 471)
	if _, err := s.P.SetMessagingLimit(ctx, biz, wabi.Tier2K); err != nil {
		t.Fatal(err)
	}

	if _, err := s.P.Restrict(ctx, s.Demo.WABA.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.do("POST", "/v1/messages", tok, template), http.StatusForbidden, 1031)
	if err := s.P.Unrestrict(ctx, s.Demo.WABA.ID); err != nil {
		t.Fatal(err)
	}

	if _, err := s.P.SetThroughput(ctx, pn, wabi.ThroughputHigh); err != nil {
		t.Fatal(err)
	}
	wantError(t, s.do("POST", "/v1/messages", tok, template), http.StatusServiceUnavailable, 1011)
	s.Clock.Advance(time.Minute)

	s.openWindow()
	if _, err := s.P.GiveFeedback(ctx, platform.Feedback{WaID: platform.DemoCustomerNumber, PhoneNumberID: pn, Kind: wabi.FeedbackBlock}); err != nil {
		t.Fatal(err)
	}
	wantFailed("a reply to a customer who blocked the number",
		map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "hello?"}}, 1013)

	for _, p := range s.rcv.snapshot() {
		for _, field := range []string{wabi.FieldPhoneNumberQualityUpdate, wabi.FieldBusinessCapabilityUpdate, wabi.FieldAccountUpdate, "FLAGGED", "ACCOUNT_RESTRICTION"} {
			if containsAll(string(p.body), []string{field}) {
				t.Errorf("the deployment got a %s webhook: %s", field, p.body)
			}
		}
	}
}
