package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestMessages: a new outbound message is an accepted send; its statuses and
// failures are counted, a failure by a limit also as that limit; a message
// that fails as it is sent is an accepted send and a failure; an inbound
// message is counted once, not again when it is read.
func TestMessages(t *testing.T) {
	m := New()
	m.Number = func(_ context.Context, id string) (string, bool) { return wabi.DialectOnPrem, id == "100" }
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := func(s wabi.Status, code wabi.Code, statusAt time.Time) *wabi.Message {
		msg := &wabi.Message{PhoneNumberID: "100", Direction: wabi.Outbound, Status: s, Timestamp: at, StatusAt: statusAt}
		if code != "" {
			msg.Error = &wabi.Error{Code: code}
		}
		return msg
	}
	later := at.Add(time.Second)
	for _, msg := range []*wabi.Message{
		out(wabi.StatusAccepted, "", at),
		out(wabi.StatusSent, "", later),
		out(wabi.StatusDelivered, "", later),
		out(wabi.StatusRead, "", later),
		out(wabi.StatusAccepted, "", at),
		out(wabi.StatusFailed, wabi.EMessagingLimit, later),
		out(wabi.StatusFailed, wabi.EOutsideWindow, at), // failed as it was sent
		{PhoneNumberID: "100", Direction: wabi.Inbound, Status: wabi.StatusReceived},
		{PhoneNumberID: "100", Direction: wabi.Inbound, Status: wabi.StatusRead},
	} {
		m.Message(msg)
	}
	got := mustScrape(t, m.Handler())
	moved(t, sample{}, got, map[string]float64{
		`wabi_sends_total{dialect="onprem",outcome="accepted",phone_number_id="100"}`: 3,
		`wabi_statuses_total{status="sent"}`:                                          1,
		`wabi_statuses_total{status="delivered"}`:                                     1,
		`wabi_statuses_total{status="read"}`:                                          1,
		`wabi_statuses_total{status="failed"}`:                                        2,
		`wabi_messages_failed_total{code="messaging_limit"}`:                          1,
		`wabi_messages_failed_total{code="outside_window"}`:                           1,
		`wabi_limits_hit_total{limit="messaging_tier"}`:                               1,
		`wabi_inbound_messages_total{phone_number_id="100"}`:                          1,
	})
}

// TestRequests: requests are counted by API and status class with their
// latency; a refused send by its code and number, a limit's code as that
// limit; a number that does not exist never becomes a label.
func TestRequests(t *testing.T) {
	m := New()
	m.Number = func(_ context.Context, id string) (string, bool) { return wabi.DialectCloud, id == "100" }
	m.API = func(path string) string {
		switch path[:4] {
		case "/v23", "/100", "/999":
			return APICloud
		case "/v1/", "/onp":
			return APIOnPrem
		case "/api":
			return APIControl
		}
		return APIConsole
	}
	for _, c := range []struct {
		method, path string
		status       int
		code         wabi.Code
	}{
		{"POST", "/v23.0/100/messages", 400, wabi.EPairRateLimit},
		{"POST", "/100/messages", 429, wabi.ERateLimit},
		{"POST", "/v23.0/999/messages", 400, wabi.EInvalidParam}, // no such number
		{"GET", "/v23.0/100", 429, wabi.ECallLimit},              // a limit, not a send
		{"POST", "/v1/messages", 400, wabi.ESpamLimit},
		{"POST", "/onprem/100/v1/messages", 500, ""},
		{"GET", "/api/info", 200, ""},
		{"GET", "/app.js", 304, ""},
		{"GET", "/api/events", 499, ""},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		m.Request(r, c.status, c.code, 3*time.Millisecond)
	}
	got := mustScrape(t, m.Handler())
	moved(t, sample{}, got, map[string]float64{
		`wabi_sends_total{dialect="cloud",outcome="pair_rate_limit",phone_number_id="100"}`: 1,
		`wabi_sends_total{dialect="cloud",outcome="rate_limit",phone_number_id="100"}`:      1,
		`wabi_sends_total{dialect="cloud",outcome="invalid_parameter",phone_number_id=""}`:  1,
		`wabi_sends_total{dialect="onprem",outcome="spam_limit",phone_number_id=""}`:        1,
		`wabi_sends_total{dialect="onprem",outcome="error",phone_number_id="100"}`:          1,
		`wabi_limits_hit_total{limit="pair"}`:                                               1,
		`wabi_limits_hit_total{limit="throughput"}`:                                         1,
		`wabi_limits_hit_total{limit="calls"}`:                                              1,
		`wabi_limits_hit_total{limit="spam"}`:                                               1,
		`wabi_http_requests_total{api="cloud",code="4xx"}`:                                  4,
		`wabi_http_requests_total{api="onprem",code="4xx"}`:                                 1,
		`wabi_http_requests_total{api="onprem",code="5xx"}`:                                 1,
		`wabi_http_requests_total{api="control",code="2xx"}`:                                1,
		`wabi_http_requests_total{api="control",code="4xx"}`:                                1,
		`wabi_http_requests_total{api="console",code="3xx"}`:                                1,
		`wabi_http_request_seconds_count{api="cloud"}`:                                      4,
		`wabi_http_request_seconds_count{api="control"}`:                                    1, // not the event stream
	})
	for key := range got {
		if key == `wabi_sends_total{dialect="cloud",outcome="invalid_parameter",phone_number_id="999"}` {
			t.Errorf("an unknown number became a label: %s", key)
		}
	}
	if s := got[`wabi_http_request_seconds_sum{api="cloud"}`]; s < 0.0119 || s > 0.0121 {
		t.Errorf("cloud latency sum %v, want 4 × 3ms", s)
	}
}

// TestWebhooksAndCommits: attempts by dialect and result with their latency,
// deliveries queued and given up, the backlog as Backlog says, and the
// store's commits.
func TestWebhooksAndCommits(t *testing.T) {
	m := New()
	backlog := 7
	m.Backlog = func() int { return backlog }
	m.Deliveries([]*wabi.Delivery{{Dialect: wabi.DialectCloud}, {Dialect: wabi.DialectCloud}, {Dialect: wabi.DialectOnPrem}})
	m.Attempt(&wabi.Delivery{Dialect: wabi.DialectCloud, State: wabi.DeliveryDelivered}, &wabi.Attempt{StatusCode: 200, Latency: 20 * time.Millisecond})
	m.Attempt(&wabi.Delivery{Dialect: wabi.DialectOnPrem, State: wabi.DeliveryPending}, &wabi.Attempt{StatusCode: 201, Latency: time.Millisecond})
	m.Attempt(&wabi.Delivery{Dialect: wabi.DialectCloud, State: wabi.DeliveryFailed}, &wabi.Attempt{Error: "connection refused"})
	commit := m.Commits("sqlite")
	commit(2*time.Millisecond, 10)
	commit(time.Millisecond, 1)

	got := mustScrape(t, m.Handler())
	moved(t, sample{}, got, map[string]float64{
		`wabi_webhooks_queued_total{dialect="cloud"}`:                         2,
		`wabi_webhooks_queued_total{dialect="onprem"}`:                        1,
		`wabi_webhook_attempts_total{dialect="cloud",result="delivered"}`:     1,
		`wabi_webhook_attempts_total{dialect="onprem",result="http_error"}`:   1,
		`wabi_webhook_attempts_total{dialect="cloud",result="network_error"}`: 1,
		`wabi_webhooks_given_up_total{dialect="cloud"}`:                       1,
		`wabi_webhook_attempt_seconds_count{dialect="cloud"}`:                 2,
		`wabi_webhook_backlog`:                             7,
		`wabi_store_commit_seconds_count{store="sqlite"}`:  2,
		`wabi_store_commit_requests_count{store="sqlite"}`: 2,
		`wabi_store_commit_requests_sum{store="sqlite"}`:   11,
	})
	backlog = 2
	if got := mustScrape(t, m.Handler())["wabi_webhook_backlog"]; got != 2 {
		t.Errorf("backlog %v after it shrank, want 2", got)
	}
}

// TestPendingInTheStore: the store's pending count, and the last one when a
// read fails.
func TestPendingInTheStore(t *testing.T) {
	m := New()
	if got := mustScrape(t, m.Handler())["wabi_webhook_pending"]; got != 0 {
		t.Errorf("pending %v without a store to ask, want 0", got)
	}
	pending, fail := 85000, false
	m.Pending = func(context.Context) (int, error) {
		if fail {
			return 0, errors.New("database is down")
		}
		return pending, nil
	}
	if got := mustScrape(t, m.Handler())["wabi_webhook_pending"]; got != 85000 {
		t.Errorf("pending %v, want 85000", got)
	}
	pending, fail = 3, true
	if got := mustScrape(t, m.Handler())["wabi_webhook_pending"]; got != 85000 {
		t.Errorf("pending %v after a failed read, want the last count 85000", got)
	}
	fail = false
	if got := mustScrape(t, m.Handler())["wabi_webhook_pending"]; got != 3 {
		t.Errorf("pending %v, want 3", got)
	}
}

// TestFaultsFired: the faults' hit counts by kind, kept when a fault goes, and
// never taken back by a stale read; a failed read is a scrape error, not a
// reset.
func TestFaultsFired(t *testing.T) {
	m := New()
	var list []*wabi.Fault
	var fail error
	m.Faults = func(context.Context) ([]*wabi.Fault, error) { return list, fail }
	list = []*wabi.Fault{
		{ID: "f1", Kind: wabi.FaultAPIError, Hits: 2},
		{ID: "f2", Kind: wabi.FaultAPIError, Hits: 1},
		{ID: "f3", Kind: wabi.FaultDeliveryFailed, Hits: 4},
	}
	got := mustScrape(t, m.Handler())
	moved(t, sample{}, got, map[string]float64{
		`wabi_faults_fired_total{kind="api_error"}`:       3,
		`wabi_faults_fired_total{kind="delivery_failed"}`: 4,
	})
	// f1 is deleted, f2 fires again, f3 is read stale.
	list = []*wabi.Fault{
		{ID: "f2", Kind: wabi.FaultAPIError, Hits: 2},
		{ID: "f3", Kind: wabi.FaultDeliveryFailed, Hits: 3},
	}
	got = mustScrape(t, m.Handler())
	moved(t, sample{}, got, map[string]float64{
		`wabi_faults_fired_total{kind="api_error"}`:       4,
		`wabi_faults_fired_total{kind="delivery_failed"}`: 4,
	})
	fail = errors.New("store gone")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/metrics", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("scrape with faults unreadable: %d, want 500", rec.Code)
	}
	fail = nil
	got = mustScrape(t, m.Handler())
	if v := got[`wabi_faults_fired_total{kind="api_error"}`]; v != 4 {
		t.Errorf("api_error after a failed read: %v, want 4", v)
	}
}

// TestSendPath: the paths that take messages, and the number each names.
func TestSendPath(t *testing.T) {
	for _, c := range []struct {
		api, path string
		id        string
		ok        bool
	}{
		{APICloud, "/v23.0/106540352242922/messages", "106540352242922", true},
		{APICloud, "/106540352242922/messages", "106540352242922", true},
		{APICloud, "/v23.0/106540352242922/media", "", false},
		{APICloud, "/v23.0/106540352242922", "", false},
		{APIOnPrem, "/v1/messages", "", true},
		{APIOnPrem, "/onprem/106540352242922/v1/messages", "106540352242922", true},
		{APIOnPrem, "/v1/contacts", "", false},
		{APIControl, "/api/phones/15550002000/messages", "", false},
	} {
		id, ok := sendPath(c.api, c.path)
		if id != c.id || ok != c.ok {
			t.Errorf("sendPath(%s, %s) = %q, %v; want %q, %v", c.api, c.path, id, ok, c.id, c.ok)
		}
	}
}

// TestSeveralServers: two Metrics in one process keep their own counts.
func TestSeveralServers(t *testing.T) {
	a, b := New(), New()
	a.Deliveries([]*wabi.Delivery{{Dialect: wabi.DialectCloud}})
	if got := mustScrape(t, b.Handler())[`wabi_webhooks_queued_total{dialect="cloud"}`]; got != 0 {
		t.Errorf("the other server counted %v deliveries, want 0", got)
	}
}
