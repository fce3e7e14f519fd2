package controlapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
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
				"attempts.#": "1", "attempts.0.status_code": "200", "attempts.0.url": "*"}},
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
