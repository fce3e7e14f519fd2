package controlapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestLimitsScenario: the operator reads the server's limits, overrides a
// WABA's and a number's, sees what applies and what is used, is told what is
// wrong with a bad override, and removes the overrides again.
func TestLimitsScenario(t *testing.T) {
	s := mustStack(t, "")
	s.p.Limits = platform.MetaLimits()
	send := func(t *testing.T, s *stack, _ response, vars map[string]string) {
		t.Helper()
		_, err := s.p.Send(context.Background(), platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud,
			PhoneNumberID: vars["phone_number"], To: vars["customer"],
			Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.run(t, s.vars(), []step{
		{name: "server limits", method: "GET", path: "/api/limits", status: 200, want: map[string]string{
			"mode": "meta", "defaults.enabled": "true", "defaults.throughput": "80", "defaults.throughput_high": "1000",
			"defaults.pair_burst": "45", "defaults.pair_interval": "6s", "defaults.calls_per_hour": "200",
			"defaults.calls_per_hour_active": "5000"}},
		{name: "a number without override", method: "GET", path: "/api/phone_numbers/{phone_number}/limits", status: 200,
			want: map[string]string{"override": "{}", "effective.enabled": "true", "effective.throughput": "80",
				"effective.pair_burst": "45", "effective.pair_interval": "6s", "effective.calls_per_hour": "5000",
				"usage.throughput.limit": "80", "usage.throughput.available": "80", "usage.pair": "-"},
			then: send},
		{name: "its buckets after a send", method: "GET", path: "/api/phone_numbers/{phone_number}/limits?wa_id={customer}", status: 200,
			want: map[string]string{"usage.throughput.available": "79", "usage.pair.wa_id": "{customer}",
				"usage.pair.limit": "45", "usage.pair.available": "44", "usage.pair.retry_after": "0s"}},
		{name: "a WABA override", method: "PUT", path: "/api/wabas/{waba}/limits", status: 200,
			body: `{"throughput":10,"pair_interval":"1m","calls_per_hour":300}`,
			want: map[string]string{"override.throughput": "10", "override.pair_interval": "1m0s", "override.enabled": "-",
				"effective.throughput": "10", "effective.pair_interval": "1m0s", "effective.calls_per_hour": "300",
				"effective.pair_burst": "45", "usage.calls.0.app_id": "{app}", "usage.calls.0.limit": "300",
				"usage.calls.0.used": "0"}},
		{name: "a number override beats it", method: "PUT", path: "/api/phone_numbers/{phone_number}/limits", status: 200,
			body: `{"throughput":5,"pair_burst":null}`,
			want: map[string]string{"override.throughput": "5", "override.pair_burst": "-", "effective.throughput": "5",
				"effective.pair_interval": "1m0s", "effective.calls_per_hour": "300", "usage.throughput.limit": "5"}},
		{name: "another number of the WABA has the WABA's", method: "GET", path: "/api/wabas/{waba}/limits", status: 200,
			want: map[string]string{"effective.throughput": "10"}},
		{name: "a bad throughput", method: "PUT", path: "/api/phone_numbers/{phone_number}/limits", status: 400,
			body: `{"throughput":0}`, want: map[string]string{"error.code": "invalid_parameter",
				"error.message": "Param throughput must be a whole number from 1 to 100000, not 0."}},
		{name: "a bad interval", method: "PUT", path: "/api/phone_numbers/{phone_number}/limits", status: 400,
			body: `{"pair_interval":"soon"}`, want: map[string]string{"error.code": "invalid_value"}},
		{name: "an unknown field", method: "PUT", path: "/api/wabas/{waba}/limits", status: 400,
			body: `{"rate":1}`, want: map[string]string{"error.code": "invalid_parameter", "error.message": `Unknown parameter "rate".`}},
		{name: "the refused override left the number's", method: "GET", path: "/api/phone_numbers/{phone_number}/limits", status: 200,
			want: map[string]string{"override.throughput": "5"}},
		{name: "limits off for the number", method: "PUT", path: "/api/phone_numbers/{phone_number}/limits", status: 200,
			body: `{"enabled":false}`, want: map[string]string{"override.enabled": "false", "override.throughput": "-",
				"effective.enabled": "false", "usage": "{}"}},
		{name: "the number's override removed", method: "DELETE", path: "/api/phone_numbers/{phone_number}/limits", status: 200,
			want: map[string]string{"override": "{}", "effective.enabled": "true", "effective.throughput": "10"}},
		{name: "the WABA's removed", method: "DELETE", path: "/api/wabas/{waba}/limits", status: 200,
			want: map[string]string{"override": "{}", "effective.throughput": "80", "effective.calls_per_hour": "5000"}},
		{name: "removed twice", method: "DELETE", path: "/api/wabas/{waba}/limits", status: 200},
		{name: "an unknown WABA", method: "PUT", path: "/api/wabas/404/limits", body: `{}`, status: http.StatusNotFound},
		{name: "an unknown number", method: "GET", path: "/api/phone_numbers/404/limits", status: http.StatusNotFound},
		{name: "a bad customer", method: "GET", path: "/api/phone_numbers/{phone_number}/limits?wa_id=abc", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
	})
}

// TestLimitsOff: with the server's limits off, GET /api/limits says so, and
// a number shows Meta's values, off, with no usage.
func TestLimitsOff(t *testing.T) {
	s := mustStack(t, "")
	s.run(t, s.vars(), []step{
		{name: "server limits", method: "GET", path: "/api/limits", status: 200,
			want: map[string]string{"mode": "off", "defaults.enabled": "false", "defaults.throughput": "80"}},
		{name: "a number", method: "GET", path: "/api/phone_numbers/{phone_number}/limits", status: 200,
			want: map[string]string{"effective.enabled": "false", "effective.pair_burst": "45", "usage": "{}"}},
	})
}
