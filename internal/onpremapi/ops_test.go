package onpremapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// opsPath puts path under the base URL pinned to the stack's number, which
// works however many On-Premises numbers the stack has.
func (s *stack) opsPath(path string) string { return "/onprem/" + s.pn.ID + path }

// opsAdmin logs the admin of the stack's number in for the first time.
func (s *stack) opsAdmin() string {
	s.t.Helper()
	r := s.login("/onprem/"+s.pn.ID, "admin", "secret", map[string]string{"new_password": newPassword})
	if r.status != http.StatusOK {
		s.t.Fatalf("first admin login: %d %s", r.status, r.raw)
	}
	return tokenOf(s.t, r)
}

// seed commits messages of the stack's number straight to the store.
func (s *stack) seed(ms ...*wabi.Message) {
	s.t.Helper()
	if err := s.Store.Commit(context.Background(), &wabi.Batch{Messages: ms}); err != nil {
		s.t.Fatalf("seed messages: %v", err)
	}
}

// opsMsg returns a message of the stack's number with waID, age old.
func (s *stack) opsMsg(dir wabi.Direction, typ wabi.Type, st wabi.Status, waID string, age time.Duration) *wabi.Message {
	at := s.Clock.Now().Add(-age)
	m := &wabi.Message{ID: s.P.IDs().NewWAMID(waID, dir == wabi.Outbound), PhoneNumberID: s.pn.ID, WaID: waID,
		Direction: dir, Type: typ, Timestamp: at, Status: st, StatusAt: at}
	if typ == wabi.TypeImage {
		m.Image = &wabi.Media{ID: "1234567890"}
	} else {
		m.Text = &wabi.Text{Body: "hi"}
	}
	return m
}

// jsonAt walks a decoded JSON answer by object keys and array indexes.
func jsonAt(t testing.TB, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no object at %q", k)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || len(a) <= k {
				t.Fatalf("no item %d", k)
			}
			v = a[k]
		}
	}
	return v
}

// sampleValue returns the value of the sample of a metric whose labels
// include label=value ("" for the unlabelled one), or -1.
func sampleValue(t testing.TB, metric any, label, value string) float64 {
	t.Helper()
	data, _ := jsonAt(t, metric, "data").([]any)
	for _, d := range data {
		d := d.(map[string]any)
		labels, _ := d["labels"].(map[string]any)
		if label == "" && labels == nil || label != "" && labels[label] == value {
			return d["value"].(float64)
		}
	}
	return -1
}

func TestHealthAndSupport(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tok := s.opsAdmin()

	r := s.do("GET", s.opsPath("/v1/health"), tok, nil)
	wantOK(t, r, http.StatusOK)
	if got := jsonAt(t, r.body, "health", "gateway_status"); got != "connected" {
		t.Errorf("gateway_status %v, want connected", got)
	}
	wantError(t, s.do("GET", s.opsPath("/v1/health"), "", nil), http.StatusUnauthorized, 1005)

	r = s.do("GET", s.opsPath("/v1/support"), tok, nil)
	wantOK(t, r, http.StatusOK)
	sup := jsonAt(t, r.body, "support").(map[string]any)
	want := map[string]any{"debug_info": onPremNumber, "socket_conn": "UP", "db_engine": "SQLITE",
		"description": "wabi", "multi_connect": false, "lc": "en", "lg": "US"}
	for k, v := range want {
		if sup[k] != v {
			t.Errorf("support.%s = %v, want %v", k, sup[k], v)
		}
	}
	if _, err := time.Parse(time.RFC3339, sup["device_iso8601"].(string)); err != nil {
		t.Errorf("device_iso8601: %v", err)
	}

	// A number not registered yet has no gateway.
	pn2, err := s.P.CreatePhoneNumber(context.Background(), platform.NewPhoneNumber{WABAID: s.Demo.WABA.ID,
		Number: "15550003999", VerifiedName: "Legacy Two", Platform: wabi.PlatformOnPrem})
	if err != nil {
		t.Fatal(err)
	}
	lr := s.login("/onprem/"+pn2.ID, "admin", "secret", map[string]string{"new_password": newPassword})
	tok2 := tokenOf(t, lr)
	r = s.do("GET", "/onprem/"+pn2.ID+"/v1/health", tok2, nil)
	if got := jsonAt(t, r.body, "health", "gateway_status"); got != "unregistered" {
		t.Errorf("gateway_status of an unregistered number %v", got)
	}
	r = s.do("GET", "/onprem/"+pn2.ID+"/v1/support", tok2, nil)
	if jsonAt(t, r.body, "support", "debug_info") != "unregistered" || jsonAt(t, r.body, "support", "socket_conn") != "DN" {
		t.Errorf("support of an unregistered number: %s", r.raw)
	}
	// The first number's token does not reach the second's deployment.
	wantError(t, s.do("GET", "/onprem/"+pn2.ID+"/v1/health", tok, nil), http.StatusUnauthorized, 1005)
}

func TestMonitoringAPIKey(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	api := onpremapi.New(s.P)
	api.APIKey = "monitor-key-0123"
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	get := func(path, auth string) resp {
		req, _ := http.NewRequest("GET", srv.URL+s.opsPath(path), nil)
		req.Header.Set("Authorization", auth)
		return s.send(req)
	}
	for _, p := range []string{"/v1/health", "/v1/stats/app", "/v1/stats/db", "/metrics"} {
		wantOK(t, get(p, "Apikey monitor-key-0123"), http.StatusOK)
		wantError(t, get(p, "Apikey wrong-key-000000"), http.StatusUnauthorized, 1005)
	}
	// The API key is for monitoring only.
	wantError(t, get("/v1/support", "Apikey monitor-key-0123"), http.StatusUnauthorized, 1005)
	wantError(t, get("/v1/stickerpacks", "Apikey monitor-key-0123"), http.StatusUnauthorized, 1005)
}

func TestStats(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tok := s.opsAdmin()
	const a, b = "16315550001", "16315550002"
	s.seed(
		s.opsMsg(wabi.Outbound, wabi.TypeText, wabi.StatusAccepted, a, time.Minute),
		s.opsMsg(wabi.Outbound, wabi.TypeImage, wabi.StatusDelivered, a, time.Hour),
		s.opsMsg(wabi.Outbound, wabi.TypeText, wabi.StatusFailed, b, time.Hour),
		s.opsMsg(wabi.Inbound, wabi.TypeText, wabi.StatusReceived, b, 2*time.Hour),
		s.opsMsg(wabi.Inbound, wabi.TypeImage, wabi.StatusRead, a, 3*time.Hour),
	)
	// Another number's message counts nowhere here.
	other := s.opsMsg(wabi.Inbound, wabi.TypeText, wabi.StatusReceived, "16315550003", time.Hour)
	other.PhoneNumberID = s.Demo.Phone.ID
	s.seed(other)
	now := s.Clock.Now()
	delivery := func(target, dialect string, st wabi.DeliveryState) *wabi.Delivery {
		return &wabi.Delivery{ID: s.P.IDs().NewID(), Dialect: dialect, TargetID: target, PhoneNumberID: s.pn.ID,
			WaID: a, Event: "message", Body: []byte("{}"), State: st, NextAttemptAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
	}
	// Committed without telling the engine, they stay pending.
	if err := s.Store.Commit(context.Background(), &wabi.Batch{Deliveries: []*wabi.Delivery{
		delivery(s.pn.ID, wabi.DialectOnPrem, wabi.DeliveryPending),
		delivery(s.pn.ID, wabi.DialectOnPrem, wabi.DeliveryPending),
		delivery(s.Demo.App.ID, wabi.DialectCloud, wabi.DeliveryPending),
	}}); err != nil {
		t.Fatal(err)
	}

	r := s.do("GET", s.opsPath("/v1/stats/app"), tok, nil)
	wantOK(t, r, http.StatusOK)
	app := jsonAt(t, r.body, "stats", "app")
	q := jsonAt(t, app, "callback_queue_size")
	if sampleValue(t, q, "", "") != 2 || jsonAt(t, q, "type") != "gauge" || jsonAt(t, q, "help") == "" {
		t.Errorf("callback_queue_size %v, want a gauge of 2", q)
	}
	if got := sampleValue(t, jsonAt(t, app, "pending_messages"), "", ""); got != 1 {
		t.Errorf("pending_messages %v, want 1", got)
	}
	msgs := jsonAt(t, app, "messages")
	for st, want := range map[string]float64{"sent": 1, "delivered": 1, "read": 0, "failed": 1, "received": 2} {
		if got := sampleValue(t, msgs, "status", st); got != want {
			t.Errorf("messages{status=%s} = %v, want %v", st, got, want)
		}
	}

	r = s.do("GET", s.opsPath("/v1/stats/db"), tok, nil)
	wantOK(t, r, http.StatusOK)
	db := jsonAt(t, r.body, "stats", "db")
	if got := sampleValue(t, jsonAt(t, db, "db_messages"), "type", "text"); got != 3 {
		t.Errorf("db_messages{type=text} = %v, want 3", got)
	}
	if got := sampleValue(t, jsonAt(t, db, "db_messages"), "type", "image"); got != 2 {
		t.Errorf("db_messages{type=image} = %v, want 2", got)
	}
	if got := sampleValue(t, jsonAt(t, db, "db_contacts"), "type", "whatsapp_user"); got != 2 {
		t.Errorf("db_contacts = %v, want 2", got)
	}

	r = s.do("GET", s.opsPath("/v1/stats/db?format=prometheus"), tok, nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("prometheus answer %d %q", r.status, r.header.Get("Content-Type"))
	}
	for _, line := range []string{"# TYPE db_contacts gauge\n", "db_contacts{type=\"whatsapp_user\"} 2\n",
		"db_messages{type=\"image\"} 2\ndb_messages{type=\"text\"} 3\n"} {
		if !strings.Contains(string(r.raw), line) {
			t.Errorf("prometheus text lacks %q:\n%s", line, r.raw)
		}
	}
	r = s.do("GET", s.opsPath("/v1/stats/app?format=prometheus"), tok, nil)
	if !strings.Contains(string(r.raw), "\ncallback_queue_size 2\n") || !strings.Contains(string(r.raw), `messages{status="failed"} 1`) {
		t.Errorf("prometheus app stats:\n%s", r.raw)
	}
	wantError(t, s.do("GET", s.opsPath("/v1/stats/app?format=xml"), tok, nil), http.StatusBadRequest, 1009)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tok := s.opsAdmin()
	s.Clock.Advance(90 * time.Second)
	r := s.do("GET", s.opsPath("/metrics"), tok, nil)
	wantOK(t, r, http.StatusOK)
	ms := jsonAt(t, r.body, "metrics")
	if got := sampleValue(t, jsonAt(t, ms, "web_uptime"), "", ""); got != 90 {
		t.Errorf("web_uptime %v, want 90", got)
	}
	if got := sampleValue(t, jsonAt(t, ms, "go_goroutines"), "", ""); got < 1 {
		t.Errorf("go_goroutines %v", got)
	}
	req, _ := http.NewRequest("GET", s.srv.URL+s.opsPath("/metrics?format=prometheus"), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(text), "# TYPE web_uptime gauge\nweb_uptime 90\n") {
		t.Errorf("prometheus metrics:\n%s", text)
	}
}

func TestMessageGC(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.P.Encoders[wabi.DialectOnPrem] = onpremapi.WebhookEncoder{}
	tok := s.opsAdmin()
	wantOK(t, s.do("PATCH", s.opsPath("/v1/settings/application"), tok,
		map[string]any{"webhooks": map[string]any{"url": s.rcv.srv.URL + "/hook"}}), http.StatusOK)
	const a = "16315550001"
	old := platform.MessageGCAge + time.Hour
	kept := s.opsMsg(wabi.Outbound, wabi.TypeText, wabi.StatusSent, a, old) // still under way
	recent := s.opsMsg(wabi.Inbound, wabi.TypeText, wabi.StatusReceived, a, time.Hour)
	s.seed(kept, recent,
		s.opsMsg(wabi.Inbound, wabi.TypeText, wabi.StatusReceived, a, old),
		s.opsMsg(wabi.Outbound, wabi.TypeImage, wabi.StatusRead, a, old))

	r := s.do("PUT", s.opsPath("/v1/services/message/gc"), tok, nil)
	wantOK(t, r, http.StatusOK)
	if got := jsonAt(t, r.body, "services", "message", "gc", "status"); got != "processing" {
		t.Errorf("gc status %v", got)
	}
	p := s.rcv.waitFor(t, `"messages_deleted":2`, `"status":"complete"`)
	if !strings.HasPrefix(string(p.body), `{"services":[`) {
		t.Errorf("gc webhook %s", p.body)
	}
	left, err := s.Store.Messages(context.Background(), wabi.MessageFilter{PhoneNumberID: s.pn.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0].ID != recent.ID || left[1].ID != kept.ID {
		t.Errorf("%d messages left, want the recent and the unfinished one", len(left))
	}

	// Switched off in the settings, the collection deletes nothing but still
	// reports.
	wantOK(t, s.do("PATCH", s.opsPath("/v1/settings/application"), tok,
		map[string]any{"garbagecollector_enable": map[string]any{"messages": false}}), http.StatusOK)
	s.seed(s.opsMsg(wabi.Inbound, wabi.TypeText, wabi.StatusReceived, a, old))
	n, err := s.P.CollectMessages(context.Background(), platform.MonitorCaller(s.pn.ID))
	if err != nil || n != 0 {
		t.Fatalf("disabled collection deleted %d: %v", n, err)
	}
	s.rcv.waitFor(t, `"messages_deleted":0`)
}

func TestMessageGCWithoutWebhook(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.P.Encoders[wabi.DialectOnPrem] = onpremapi.WebhookEncoder{}
	s.seed(s.opsMsg(wabi.Inbound, wabi.TypeText, wabi.StatusReceived, "16315550001", platform.MessageGCAge+time.Minute))
	ctx := context.Background()
	n, err := s.P.CollectMessages(ctx, platform.MonitorCaller(s.pn.ID))
	if err != nil || n != 1 {
		t.Fatalf("collected %d: %v", n, err)
	}
	ds, err := s.Store.Deliveries(ctx, wabi.DeliveryFilter{AppID: s.pn.ID})
	if err != nil || len(ds) != 0 {
		t.Errorf("a deployment without webhooks.url got %d deliveries (%v)", len(ds), err)
	}
	// A Cloud API number has no deployment to collect.
	if _, err := s.P.CollectMessages(ctx, platform.MonitorCaller(s.Demo.Phone.ID)); wabi.ErrorCode(err) != wabi.EWrongPlatform {
		t.Errorf("collection of a Cloud API number: %v", err)
	}
}
