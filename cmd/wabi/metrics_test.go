package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestServeMetrics follows a running wabi's GET /api/metrics through a day in
// its life: behind the admin key, it counts an inbound message, a send and
// its three statuses, the webhooks they made and their attempts, a send
// refused by the pair rate limit, a fault fired, the store's commits and the
// requests of each API.
func TestServeMetrics(t *testing.T) {
	const key = "metrics-test-admin-key-0123456789"
	base := startWabi(t, map[string]string{"WABI_ADMIN_KEY": key})
	var hooks atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		hooks.Add(1)
	}))
	t.Cleanup(hook.Close)

	if code, body := call(t, "GET", base+"/api/metrics", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("metrics without the admin key: %d %s, want 401", code, body)
	}
	var in info
	if code, body := call(t, "GET", base+"/api/info", key, ""); code != 200 || json.Unmarshal([]byte(body), &in) != nil {
		t.Fatalf("info: %d %s", code, body)
	}
	number := in.PhoneNumber.ID
	mustCall := func(method, path, token, body string, want int) string {
		t.Helper()
		code, got := call(t, method, base+path, token, body)
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, got, want)
		}
		return got
	}
	mustCall("PUT", "/api/apps/"+in.App.ID+"/webhook", key,
		`{"callback_url":"`+hook.URL+`","verify_token":"x","fields":["messages"]}`, 200)
	mustCall("PUT", "/api/phone_numbers/"+number+"/limits", key, `{"pair_burst":1,"pair_interval":"1h"}`, 200)

	scrape := func() map[string]float64 {
		t.Helper()
		return parseMetrics(t, mustCall("GET", "/api/metrics", key, "", 200))
	}
	before := scrape()

	mustCall("POST", "/api/phones/15550002000/messages", key, `{"to":"`+number+`","type":"text","text":{"body":"hi"}}`, 201)
	send := `{"messaging_product":"whatsapp","to":"15550002000","type":"text","text":{"body":"Your order has shipped."}}`
	mustCall("POST", "/v23.0/"+number+"/messages", in.Token.Token, send, 200)
	// The pair rate allows one message an hour now.
	if body := mustCall("POST", "/v23.0/"+number+"/messages", in.Token.Token, send, 429); !strings.Contains(body, "131056") {
		t.Fatalf("second send: %s, want 131056", body)
	}
	fault := mustCall("POST", "/api/faults", key, `{"phone_number_id":"`+number+`","kind":"api_error","http_status":503}`, 201)
	mustCall("GET", "/v23.0/"+number, in.Token.Token, "", 503)
	// Faults are counted from their hit counts at each scrape; one scraped
	// after it fired keeps its hits in the count when it is deleted.
	scrape()
	var f struct{ ID string }
	json.Unmarshal([]byte(fault), &f)
	mustCall("DELETE", "/api/faults/"+f.ID, key, "", 204)

	// The demo phone delivers and reads at once; the webhooks follow: the
	// inbound message and three statuses.
	var after map[string]float64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = scrape()
		// A delivery's attempt is counted as it is made; the store says it is
		// no longer pending once its attempt is committed, a moment later.
		if hooks.Load() >= 4 && after[`wabi_webhook_attempts_total{dialect="cloud",result="delivered"}`]-
			before[`wabi_webhook_attempts_total{dialect="cloud",result="delivered"}`] >= 4 &&
			after["wabi_webhook_pending"] == 0 || time.Now().After(deadline) {
			break
		}
	}
	for series, want := range map[string]float64{
		`wabi_inbound_messages_total{phone_number_id="` + number + `"}`:                                1,
		`wabi_sends_total{dialect="cloud",outcome="accepted",phone_number_id="` + number + `"}`:        1,
		`wabi_sends_total{dialect="cloud",outcome="pair_rate_limit",phone_number_id="` + number + `"}`: 1,
		`wabi_statuses_total{status="sent"}`:                                                           1,
		`wabi_statuses_total{status="delivered"}`:                                                      1,
		`wabi_statuses_total{status="read"}`:                                                           1,
		`wabi_limits_hit_total{limit="pair"}`:                                                          1,
		`wabi_faults_fired_total{kind="api_error"}`:                                                    1,
		`wabi_webhooks_queued_total{dialect="cloud"}`:                                                  4,
		`wabi_webhook_attempts_total{dialect="cloud",result="delivered"}`:                              4,
		`wabi_webhook_attempt_seconds_count{dialect="cloud"}`:                                          4,
		`wabi_http_requests_total{api="cloud",code="5xx"}`:                                             1,
	} {
		if got := after[series] - before[series]; got != want {
			t.Errorf("%s moved by %v, want %v", series, got, want)
		}
	}
	for series, atLeast := range map[string]float64{
		`wabi_store_commit_seconds_count{store="sqlite"}`:    4, // the inbound message, the send, its statuses
		`wabi_store_commit_requests_sum{store="sqlite"}`:     4,
		`wabi_http_requests_total{api="cloud",code="2xx"}`:   1,
		`wabi_http_requests_total{api="cloud",code="4xx"}`:   1,
		`wabi_http_requests_total{api="control",code="2xx"}`: 3,
		`wabi_http_request_seconds_count{api="cloud"}`:       3,
	} {
		if got := after[series] - before[series]; got < atLeast {
			t.Errorf("%s moved by %v, want at least %v", series, got, atLeast)
		}
	}
	if v, ok := after["wabi_webhook_pending"]; !ok || v != 0 {
		t.Errorf("pending %v (exposed: %v) in the store once every webhook is delivered, want 0", v, ok)
	}
	if after["wabi_webhook_backlog"] != 0 {
		t.Errorf("backlog %v once every webhook is delivered, want 0", after["wabi_webhook_backlog"])
	}
	for _, series := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if after[series] <= 0 {
			t.Errorf("%s = %v, want the runtime's and the process's collectors", series, after[series])
		}
	}
}

// parseMetrics reads Prometheus's text format into values by series, as
// `name{a="x",b="y"}` with the labels in order; a histogram's series are its
// _count and _sum.
func parseMetrics(t *testing.T, text string) map[string]float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	key := func(name string, labels []*dto.LabelPair) string {
		if len(labels) == 0 {
			return name
		}
		parts := make([]string, len(labels))
		for i, l := range labels {
			parts[i] = l.GetName() + `="` + l.GetValue() + `"`
		}
		sort.Strings(parts)
		return name + "{" + strings.Join(parts, ",") + "}"
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.Metric {
			switch {
			case m.Counter != nil:
				out[key(name, m.Label)] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key(name, m.Label)] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key(name+"_count", m.Label)] = float64(m.GetHistogram().GetSampleCount())
				out[key(name+"_sum", m.Label)] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}
