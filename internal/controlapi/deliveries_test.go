package controlapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/webhook"
)

// TestDeliveries follows the webhook of an inbound message to the receiver, reads
// it in the delivery log and sends it again.
func TestDeliveries(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	vars := s.vars()
	in := s.do(t, "POST", "/api/phones/"+vars["customer"]+"/messages",
		`{"to":"`+vars["phone_number"]+`","type":"text","text":{"body":"hello"}}`, nil)
	if in.status != http.StatusCreated {
		t.Fatalf("inbound: %d %s", in.status, in.raw)
	}
	vars["msg"] = in.str("id")
	ds, err := s.store.Deliveries(ctx, wabi.DeliveryFilter{MessageID: vars["msg"]})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries of the message: %v, %v", ds, err)
	}
	vars["d"] = ds[0].ID
	vars["hook"] = s.hook.srv.URL + "/hook"
	waitFor(t, "the webhook to be delivered", func() bool {
		d, err := s.store.Delivery(ctx, vars["d"])
		return err == nil && d.State == wabi.DeliveryDelivered
	})

	s.run(t, vars, []step{
		{name: "list delivered for the app", method: "GET", path: "/api/deliveries?app_id={app}&state=delivered", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{d}", "data.0.attempts": "1", "data.0.last_status": "200"}},
		{name: "none pending", method: "GET", path: "/api/deliveries?state=pending", status: 200,
			want: map[string]string{"data": "[]"}},
		{name: "one delivery, its body as JSON and its attempts", method: "GET", path: "/api/deliveries/{d}", status: 200,
			want: map[string]string{"state": "delivered", "event": "message", "body.object": "whatsapp_business_account",
				"body.entry.0.changes.0.field": "messages", "body.entry.0.changes.0.value.messages.0.id": "{msg}",
				"attempts.#": "1", "attempts.0.status_code": "200", "attempts.0.url": "*", "attempts.0.latency_ns": "*",
				"request.method": "POST", "request.url": "{hook}", "request.headers.Content-Type": "application/json",
				"request.headers.User-Agent": "wabi-webhooks/1"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				d, err := s.store.Delivery(ctx, vars["d"])
				if err != nil {
					t.Fatal(err)
				}
				// What the receiver can check: the signature of the exact bytes under the app secret.
				if got, want := r.str("request.headers.X-Hub-Signature-256"), webhook.Sign(s.demo.App.Secret, d.Body); got != want {
					t.Errorf("signature %q, want %q", got, want)
				}
				if got := r.str("request.headers.Content-Length"); got != strconv.Itoa(len(d.Body)) {
					t.Errorf("Content-Length %s, want %d", got, len(d.Body))
				}
			}},
		{name: "redeliver", method: "POST", path: "/api/deliveries/{d}/redeliver", status: 200,
			want: map[string]string{"id": "{d}", "body.entry.0.changes.0.value.messages.0.text.body": "hello"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				waitFor(t, "the second POST", func() bool { return s.hook.count(vars["msg"]) == 2 })
				waitFor(t, "the second attempt to be recorded", func() bool {
					as, err := s.store.Attempts(ctx, vars["d"])
					return err == nil && len(as) == 2
				})
			}},
		{name: "both attempts are listed", method: "GET", path: "/api/deliveries/{d}", status: 200,
			want: map[string]string{"attempts.#": "2", "attempts.1.n": "2"}},
		{name: "redeliver one that does not exist", method: "POST", path: "/api/deliveries/404/redeliver", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "get one that does not exist", method: "GET", path: "/api/deliveries/404", status: 404},
		{name: "deliveries of an app that does not exist", method: "GET", path: "/api/deliveries?app_id=404", status: 404},
		{name: "a state that does not exist", method: "GET", path: "/api/deliveries?state=lost", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
	})

	// Paging: three more messages make four deliveries.
	for _, body := range []string{"two", "three", "four"} {
		if r := s.do(t, "POST", "/api/phones/"+vars["customer"]+"/messages",
			`{"to":"`+vars["phone_number"]+`","type":"text","text":{"body":"`+body+`"}}`, nil); r.status != http.StatusCreated {
			t.Fatalf("inbound: %d %s", r.status, r.raw)
		}
	}
	s.run(t, vars, []step{
		{name: "first page", method: "GET", path: "/api/deliveries?limit=3", status: 200,
			want: map[string]string{"data.#": "3", "next_before": "*"}, save: map[string]string{"next": "next_before"}},
		{name: "last page", method: "GET", path: "/api/deliveries?limit=3&before={next}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{d}", "next_before": "-"}},
		{name: "messages page the same way", method: "GET", path: "/api/messages?limit=3", status: 200,
			want: map[string]string{"data.#": "3", "data.0.text.body": "four", "next_before": "*"}, save: map[string]string{"mnext": "next_before"}},
		{name: "older messages", method: "GET", path: "/api/messages?limit=3&before={mnext}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{msg}"}},
	})
}

// failedDelivery is a delivery of the demo chat that gave up, with a body that
// names it.
func (s *stack) failedDelivery(id, dialect, target, marker string) *wabi.Delivery {
	now := s.clock.Now()
	return &wabi.Delivery{ID: id, Dialect: dialect, TargetID: target, WABAID: s.demo.WABA.ID,
		PhoneNumberID: s.demo.Phone.ID, WaID: s.demo.Customer.WaID, Event: "message",
		Body: []byte(`{"marker":"` + marker + `"}`), State: wabi.DeliveryFailed, Attempts: 3,
		NextAttemptAt: now, CreatedAt: now, UpdatedAt: now, LastStatus: 500, LastError: "HTTP 500 Internal Server Error"}
}

// order returns the markers of the bodies the receiver got, in order.
func (rc *receiver) order() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, b := range rc.bodies {
		if m, ok := strings.CutPrefix(string(b), `{"marker":"`); ok {
			out = append(out, strings.TrimSuffix(m, `"}`))
		}
	}
	return out
}

// TestRedeliverAll sends failed deliveries again in bulk: those of one app, a
// capped number per call, oldest first; then those of every target.
func TestRedeliverAll(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	s.api.redeliverCap = 2
	vars := s.vars()
	vars["onprem"] = s.demo.OnPremPhone.ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.store.Commit(context.Background(), &wabi.Batch{Deliveries: []*wabi.Delivery{
		s.failedDelivery("9000000000000001", wabi.DialectCloud, vars["app"], "r1"),
		s.failedDelivery("9000000000000002", wabi.DialectOnPrem, vars["onprem"], "other"),
		s.failedDelivery("9000000000000003", wabi.DialectCloud, vars["app"], "r2"),
		s.failedDelivery("9000000000000004", wabi.DialectCloud, vars["app"], "r3"),
	}}))
	s.run(t, vars, []step{
		{name: "no body", method: "POST", path: "/api/deliveries/redeliver", status: 400,
			want: map[string]string{"error.code": "bad_request"}},
		{name: "no state", method: "POST", path: "/api/deliveries/redeliver", body: `{}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "not the failed ones", method: "POST", path: "/api/deliveries/redeliver", body: `{"state":"pending"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "an app that does not exist", method: "POST", path: "/api/deliveries/redeliver",
			body: `{"state":"failed","app_id":"404"}`, status: 404},
		{name: "the newest two of the app, oldest first", method: "POST", path: "/api/deliveries/redeliver",
			body: `{"state":"failed","app_id":"{app}"}`, status: 200,
			want: map[string]string{"redelivered": "2", "more": "true"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				waitFor(t, "two POSTs", func() bool { return len(s.hook.order()) == 2 })
				if got := s.hook.order(); got[0] != "r2" || got[1] != "r3" {
					t.Errorf("receiver got %v, want [r2 r3]", got)
				}
			}},
		{name: "still failed: the oldest and the other target's", method: "GET", path: "/api/deliveries?state=failed", status: 200,
			want: map[string]string{"data.#": "2", "data.0.id": "9000000000000002", "data.1.id": "9000000000000001"}},
		{name: "the rest of the app", method: "POST", path: "/api/deliveries/redeliver",
			body: `{"state":"failed","app_id":"{app}"}`, status: 200, want: map[string]string{"redelivered": "1", "more": "false"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				waitFor(t, "the third POST", func() bool { return len(s.hook.order()) == 3 })
			}},
		{name: "nothing failed is left of the app", method: "POST", path: "/api/deliveries/redeliver",
			body: `{"state":"failed","app_id":"{app}"}`, status: 200, want: map[string]string{"redelivered": "0", "more": "false"}},
		{name: "every target", method: "POST", path: "/api/deliveries/redeliver", body: `{"state":"failed"}`, status: 200,
			want: map[string]string{"redelivered": "1", "more": "false"}},
		{name: "none failed now", method: "GET", path: "/api/deliveries?state=failed", status: 200,
			want: map[string]string{"data": "[]"}},
	})
}

// TestDeliveryRequest checks the request of deliveries the receiver never got:
// an On-Premises one goes unsigned, and one of an app without a callback URL is
// signed all the same. It also filters by dialect and target.
func TestDeliveryRequest(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	vars := s.vars()
	vars["onprem"] = s.demo.OnPremPhone.ID
	app := s.do(t, "POST", "/api/apps", `{"business_id":"`+vars["business"]+`","name":"Quiet"}`, nil)
	if app.status != http.StatusCreated {
		t.Fatalf("create app: %d %s", app.status, app.raw)
	}
	vars["quiet"] = app.str("id")
	onprem := s.failedDelivery("9000000000000001", wabi.DialectOnPrem, vars["onprem"], "legacy")
	quiet := s.failedDelivery("9000000000000002", wabi.DialectCloud, vars["quiet"], "quiet")
	if err := s.store.Commit(context.Background(), &wabi.Batch{Deliveries: []*wabi.Delivery{onprem, quiet}}); err != nil {
		t.Fatal(err)
	}
	vars["sig"] = webhook.Sign(app.str("secret"), quiet.Body)
	s.run(t, vars, []step{
		{name: "on-premises: unsigned, nowhere to go", method: "GET", path: "/api/deliveries/9000000000000001", status: 200,
			want: map[string]string{"dialect": "onprem", "body.marker": "legacy", "request.url": "",
				"request.headers.Content-Type": "application/json", "request.headers.X-Hub-Signature-256": "-",
				"attempts": "[]", "last_error": "HTTP 500 Internal Server Error"}},
		{name: "an app without a callback URL still signs", method: "GET", path: "/api/deliveries/9000000000000002", status: 200,
			want: map[string]string{"request.url": "", "request.headers.X-Hub-Signature-256": "{sig}"}},
		{name: "by dialect", method: "GET", path: "/api/deliveries?dialect=onprem", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "9000000000000001"}},
		{name: "by target", method: "GET", path: "/api/deliveries?target_id={onprem}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.target_id": "{onprem}"}},
		{name: "by dialect and a target of the other", method: "GET", path: "/api/deliveries?dialect=cloud&target_id={onprem}", status: 200,
			want: map[string]string{"data": "[]"}},
		{name: "app_id and target_id agreeing", method: "GET", path: "/api/deliveries?app_id={quiet}&target_id={quiet}", status: 200,
			want: map[string]string{"data.#": "1"}},
		{name: "app_id and target_id disagreeing", method: "GET", path: "/api/deliveries?app_id={quiet}&target_id={onprem}", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a dialect that does not exist", method: "GET", path: "/api/deliveries?dialect=sms", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
	})
}
