package cloudapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
)

// callWithHeader is call that also returns the answer's headers.
func (s *stack) callWithHeader(method, path, body string) (int, []byte, http.Header) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.demo.Token.Value)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// overrideNumber sets the demo number's limit override.
func (s *stack) overrideNumber(o platform.LimitOverride) {
	s.t.Helper()
	if _, err := s.p.SetNumberLimits(context.Background(), s.demo.Phone.ID, o); err != nil {
		s.t.Fatal(err)
	}
}

func limit(n int) *int { return &n }

// TestRateLimitScenarios: sends over the number's throughput are answered
// 429 with 130429, sends over the pair rate 429 with 131056, each saying which
// limit and when to retry (golden files under testdata/limits).
func TestRateLimitScenarios(t *testing.T) {
	s := mustStack(t)
	s.p.Limits = platform.MetaLimits()
	s.customerSays("hi")
	pn := s.demo.Phone.ID
	text := `{"messaging_product":"whatsapp","to":"` + platform.DemoCustomerNumber + `","type":"text","text":{"body":"Hello"}}`
	send := func() (int, []byte) {
		status, body, _ := s.callWithHeader("POST", "/v23.0/"+pn+"/messages", text)
		return status, bytes.ReplaceAll(normalize(body), []byte(pn), []byte("PHONE_NUMBER_ID"))
	}

	s.overrideNumber(platform.LimitOverride{Throughput: limit(1)})
	if status, body := send(); status != 200 {
		t.Fatalf("first send: %d %s", status, body)
	}
	status, body := send()
	if status != 429 {
		t.Errorf("a second send in the second: status %d, want 429: %s", status, body)
	}
	golden.Assert(t, "testdata/limits/throughput.json", body)

	s.clock.Advance(time.Second)
	s.overrideNumber(platform.LimitOverride{PairBurst: limit(1)})
	status, body = send()
	if status != 429 {
		t.Errorf("a second send to the customer in 6 s: status %d, want 429: %s", status, body)
	}
	golden.Assert(t, "testdata/limits/pair_rate.json", body)

	s.clock.Advance(5 * time.Second)
	if status, body := send(); status != 200 {
		t.Fatalf("a send 6 s after the first: %d %s", status, body)
	}
}

// usageOf decodes the X-Business-Use-Case-Usage header.
func usageOf(t *testing.T, h http.Header) map[string][]map[string]any {
	t.Helper()
	v := h.Get("X-Business-Use-Case-Usage")
	if v == "" {
		return nil
	}
	var u map[string][]map[string]any
	if err := json.Unmarshal([]byte(v), &u); err != nil {
		t.Fatalf("usage header %q: %v", v, err)
	}
	return u
}

// TestCallLimitScenario: management calls of the demo app on its WABA count
// against the WABA's hourly limit; each answer's X-Business-Use-Case-Usage
// says how much is used, sends on the WABA's number say it too without
// counting, and the call over the limit is answered 429 with 80007 and the
// minutes until a call is allowed again.
func TestCallLimitScenario(t *testing.T) {
	s := mustStack(t)
	s.p.Limits = platform.MetaLimits()
	w := s.demo.WABA.ID
	if _, err := s.p.SetWABALimits(context.Background(), w, platform.LimitOverride{CallsPerHour: limit(4)}); err != nil {
		t.Fatal(err)
	}
	want := func(what string, h http.Header, callCount, regain int) {
		t.Helper()
		u := usageOf(t, h)
		got := u[w]
		if len(u) != 1 || len(got) != 1 {
			t.Fatalf("%s: usage %v, want one entry for WABA %s", what, u, w)
		}
		e := got[0]
		if e["type"] != "whatsapp_business_management" || e["call_count"] != float64(callCount) ||
			e["estimated_time_to_regain_access"] != float64(regain) || e["total_cputime"] != float64(0) || e["total_time"] != float64(0) {
			t.Errorf("%s: usage %v, want call_count %d and %d minutes to regain access", what, e, callCount, regain)
		}
	}
	for i, path := range []string{"/v23.0/" + w + "/phone_numbers", "/v23.0/" + w, "/v23.0/" + w + "/message_templates"} {
		status, body, h := s.callWithHeader("GET", path, "")
		if status != 200 {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		want("GET "+path, h, (i+1)*25, 0)
	}
	// A send says how much is used, and counts nothing.
	s.customerSays("hi")
	status, body, h := s.callWithHeader("POST", "/v23.0/"+s.demo.Phone.ID+"/messages",
		`{"messaging_product":"whatsapp","to":"`+platform.DemoCustomerNumber+`","text":{"body":"x"}}`)
	if status != 200 {
		t.Fatalf("send: %d %s", status, body)
	}
	want("a send", h, 75, 0)
	status, body, h = s.callWithHeader("GET", "/v23.0/"+s.demo.Phone.ID, "")
	if status != 200 {
		t.Fatalf("GET the number: %d %s", status, body)
	}
	want("the fourth call, on the number", h, 100, 15)

	status, body, h = s.callWithHeader("GET", "/v23.0/"+w+"/subscribed_apps", "")
	if status != 429 {
		t.Errorf("the fifth call: status %d, want 429: %s", status, body)
	}
	want("the fifth call", h, 100, 15)
	golden.Assert(t, "testdata/limits/call_limit.json",
		bytes.ReplaceAll(bytes.ReplaceAll(normalize(body), []byte(w), []byte("WABA_ID")), []byte(s.demo.App.ID), []byte("APP_ID")))

	// A node that is no WABA's says nothing; nor does a request that fails
	// before it is metered.
	if _, _, h := s.callWithHeader("GET", "/v23.0/"+s.demo.App.ID+"/subscriptions", ""); usageOf(t, h) != nil {
		t.Errorf("an app node: usage %v, want none", usageOf(t, h))
	}
	s.clock.Advance(15 * time.Minute)
	if status, body, h := s.callWithHeader("GET", "/v23.0/"+w, ""); status != 200 {
		t.Errorf("15 minutes on: %d %s", status, body)
	} else {
		want("15 minutes on", h, 100, 15)
	}
}

// TestCallLimitOff: with limits off, management calls are not counted, and
// the header reports nothing used.
func TestCallLimitOff(t *testing.T) {
	s := mustStack(t)
	for range 3 {
		status, body, h := s.callWithHeader("GET", "/v23.0/"+s.demo.WABA.ID, "")
		if status != 200 {
			t.Fatalf("GET the WABA: %d %s", status, body)
		}
		u := usageOf(t, h)[s.demo.WABA.ID]
		if len(u) != 1 || u[0]["call_count"] != float64(0) {
			t.Fatalf("usage %v, want call_count 0", u)
		}
	}
	v, err := s.p.WABALimits(context.Background(), s.demo.WABA.ID)
	if err != nil || v.Effective.Enabled || v.Usage.Calls != nil {
		t.Fatalf("the WABA's limits: %+v, %v; want off, nothing used", v, err)
	}
}
