package controlapi

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestFaults sets, reads, filters and deletes faults, and follows one that
// fires: the message it failed, the hit it counted.
func TestFaults(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	vars := s.vars()
	vars["dialled"] = "+" + s.demo.Phone.DisplayPhoneNumber
	s.run(t, vars, []step{
		{name: "a fault needs a kind", method: "POST", path: "/api/faults", body: `{"wa_id":"{customer}"}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "and something to apply to", method: "POST", path: "/api/faults", body: `{"kind":"webhook_duplicated"}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "a code delivery_failed cannot fail with", method: "POST", path: "/api/faults",
			body: `{"wa_id":"{customer}","kind":"delivery_failed","code":100}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a field the API does not know", method: "POST", path: "/api/faults",
			body: `{"wa_id":"{customer}","kind":"webhook_duplicated","hits":3}`, status: 400},
		{name: "a number that does not exist", method: "POST", path: "/api/faults",
			body: `{"phone_number_id":"404","kind":"webhook_duplicated"}`, status: 404},
		{name: "set a fault on a number as dialled", method: "POST", path: "/api/faults",
			body:   `{"phone_number_id":"{dialled}","wa_id":"{customer}","kind":"delivery_failed","code":131026,"probability":1,"count":2,"note":"CI run"}`,
			status: 201,
			want: map[string]string{"id": "*", "created_at": "*", "phone_number_id": "{phone_number}", "wa_id": "{customer}",
				"kind": "delivery_failed", "code": "131026", "probability": "1", "count": "2", "remaining": "2", "hits": "0",
				"recent": "[]", "note": "CI run", "delay": "-", "status": "-"},
			save: map[string]string{"fault": "id"}},
		{name: "a second one on the phone", method: "POST", path: "/api/faults",
			body: `{"wa_id":"{customer}","kind":"status_delayed","status":"read","delay":"30s"}`, status: 201,
			want: map[string]string{"delay": "30s", "status": "read", "remaining": "-", "count": "-", "probability": "-"},
			save: map[string]string{"second": "id"}},
		{name: "list them", method: "GET", path: "/api/faults", status: 200,
			want: map[string]string{"data.#": "2", "data.0.id": "{fault}", "data.1.id": "{second}"}},
		{name: "those of the number", method: "GET", path: "/api/faults?phone_number_id={dialled}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{fault}"}},
		{name: "those of an unknown number", method: "GET", path: "/api/faults?phone_number_id=404", status: 404},
		{name: "one", method: "GET", path: "/api/faults/{fault}", status: 200, want: map[string]string{"kind": "delivery_failed"}},
		{name: "one that does not exist", method: "GET", path: "/api/faults/404", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "delete the second", method: "DELETE", path: "/api/faults/{second}", status: 204},
		{name: "it is gone", method: "DELETE", path: "/api/faults/{second}", status: 404},
	})

	// The fault fires on the next message to the phone.
	id := s.mustSendTemplate(t, vars["customer"])
	s.waitStatus(t, id, wabi.StatusFailed)
	if m := s.mustMessage(t, id); m.Error.Code != wabi.ENotOnWhatsApp || !strings.Contains(m.Error.Message, "wabi fault "+vars["fault"]) {
		t.Errorf("the failed message's error: %+v", m.Error)
	}
	vars["msg"] = id
	s.run(t, vars, []step{
		{name: "the hit is counted", method: "GET", path: "/api/faults/{fault}", status: 200,
			want: map[string]string{"hits": "1", "remaining": "1", "recent.#": "1", "recent.0.where": "{msg}",
				"recent.0.what": "message failed with 131026", "recent.0.at": "*"}},
		{name: "the failed message says why", method: "GET", path: "/api/messages/{msg}", status: 200,
			want: map[string]string{"status": "failed", "error.code": "not_on_whatsapp"}},
		{name: "delete every fault of the phone", method: "DELETE", path: "/api/faults?wa_id={customer}", status: 200,
			want: map[string]string{"deleted": "1"}},
		{name: "none left", method: "GET", path: "/api/faults", status: 200, want: map[string]string{"data": "[]"}},
	})
	if s.p.Armed(wabi.FaultDeliveryFailed) {
		t.Error("a deleted fault is still armed")
	}
}

// mustFault sets a fault through the control API and returns its id.
func (s *stack) mustFault(t *testing.T, body string) string {
	t.Helper()
	r := s.do(t, "POST", "/api/faults", body, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /api/faults %s: %d %s", body, r.status, r.raw)
	}
	return r.str("id")
}

// statusBodies returns the status webhooks the receiver got for wamid, as
// their statuses, in the order they came.
func (rc *receiver) statusBodies(wamid string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, b := range rc.bodies {
		if !bytes.Contains(b, []byte(`"id":"`+wamid+`"`)) {
			continue
		}
		for _, st := range []string{"sent", "delivered", "read", "failed"} {
			if bytes.Contains(b, []byte(`"status":"`+st+`"`)) {
				out = append(out, st)
			}
		}
	}
	return out
}

// waitBodies waits until the receiver got n status webhooks of wamid, and
// returns their statuses.
func (s *stack) waitBodies(t *testing.T, wamid string, n int) []string {
	t.Helper()
	var got []string
	waitFor(t, "status webhooks", func() bool {
		got = s.hook.statusBodies(wamid)
		return len(got) >= n
	})
	return got
}

// deliveryEvents returns the events of the webhook deliveries queued for a
// message, oldest first.
func (s *stack) deliveryEvents(t *testing.T, wamid string) []string {
	t.Helper()
	ds, err := s.store.Deliveries(context.Background(), wabi.DeliveryFilter{MessageID: wamid})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(ds) - 1; i >= 0; i-- {
		out = append(out, ds[i].Event)
	}
	return out
}

// TestFaultStatusDelayed: the network reports the delivered status of the
// phone's next message 30s late, on the clock; the read that follows it comes
// after it.
func TestFaultStatusDelayed(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	f := s.mustFault(t, `{"wa_id":"`+s.demo.Customer.WaID+`","kind":"status_delayed","status":"delivered","delay":"30s","count":1}`)
	id := s.mustSendTemplate(t, s.demo.Customer.WaID)
	s.waitStatus(t, id, wabi.StatusSent)
	waitFor(t, "the fault to hold the delivered status", func() bool {
		got, _ := s.p.Fault(context.Background(), f)
		return got.Hits == 1
	})
	time.Sleep(20 * time.Millisecond)
	if m := s.mustMessage(t, id); m.Status != wabi.StatusSent {
		t.Fatalf("status %s before the delay is over, want sent", m.Status)
	}
	s.clock.Advance(30 * time.Second)
	s.waitStatus(t, id, wabi.StatusRead)
	if got := s.waitBodies(t, id, 3); strings.Join(got, ",") != "sent,delivered,read" {
		t.Errorf("status webhooks %v", got)
	}
	if m := s.mustMessage(t, id); !m.StatusAt.Equal(start.Add(30 * time.Second)) {
		t.Errorf("read at %v, want when the delayed delivered status came", m.StatusAt)
	}
}

// TestFaultStatusDuplicated: the sent status of the next message is queued
// twice, the copy right behind it, and the receiver gets both.
func TestFaultStatusDuplicated(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	s.mustFault(t, `{"phone_number_id":"`+s.demo.Phone.ID+`","kind":"status_duplicated","status":"sent","count":1}`)
	id := s.mustSendTemplate(t, s.demo.Customer.WaID)
	s.waitStatus(t, id, wabi.StatusRead)
	if got := s.waitBodies(t, id, 4); strings.Join(got, ",") != "sent,sent,delivered,read" {
		t.Errorf("status webhooks %v", got)
	}
	if got := s.deliveryEvents(t, id); strings.Join(got, ",") != "status.sent,status.sent,status.delivered,status.read" {
		t.Errorf("deliveries %v", got)
	}
}

// TestFaultStatusDropped: the delivered status is recorded, but its webhook
// is never queued; the read status that follows is.
func TestFaultStatusDropped(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	f := s.mustFault(t, `{"wa_id":"`+s.demo.Customer.WaID+`","kind":"status_dropped","status":"delivered"}`)
	for range 2 {
		id := s.mustSendTemplate(t, s.demo.Customer.WaID)
		s.waitStatus(t, id, wabi.StatusRead)
		if got := s.waitBodies(t, id, 2); strings.Join(got, ",") != "sent,read" {
			t.Errorf("status webhooks %v", got)
		}
		if got := s.deliveryEvents(t, id); strings.Join(got, ",") != "status.sent,status.read" {
			t.Errorf("deliveries %v", got)
		}
	}
	if got, _ := s.p.Fault(context.Background(), f); got.Hits != 2 {
		t.Errorf("hits %d, want 2: a fault without a count fires every time", got.Hits)
	}
}

// inbound makes the demo customer write text and returns the id of the
// webhook delivery of that message.
func (s *stack) inbound(t *testing.T, text string) (wamid, delivery string) {
	t.Helper()
	r := s.do(t, "POST", "/api/phones/"+s.demo.Customer.WaID+"/messages",
		`{"to":"`+s.demo.Phone.ID+`","type":"text","text":{"body":"`+text+`"}}`, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("inbound: %d %s", r.status, r.raw)
	}
	ds, err := s.store.Deliveries(context.Background(), wabi.DeliveryFilter{MessageID: r.str("id")})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries of the inbound message: %v, %v", ds, err)
	}
	return r.str("id"), ds[0].ID
}

// waitDelivery waits until a delivery is in a state.
func (s *stack) waitDelivery(t *testing.T, id string, want wabi.DeliveryState) {
	t.Helper()
	waitFor(t, "delivery "+id+" to be "+string(want), func() bool {
		d, err := s.store.Delivery(context.Background(), id)
		return err == nil && d.State == want && s.engine.Idle()
	})
}

// TestFaultWebhookDuplicated: a delivered webhook is POSTed a second time, and
// the delivery log shows the second POST as an attempt that names the fault.
func TestFaultWebhookDuplicated(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	vars := s.vars()
	vars["fault"] = s.mustFault(t, `{"wa_id":"`+s.demo.Customer.WaID+`","kind":"webhook_duplicated","count":1}`)
	msg, d := s.inbound(t, "twice")
	vars["d"] = d
	s.waitDelivery(t, d, wabi.DeliveryDelivered)
	waitFor(t, "the second POST", func() bool { return s.hook.count(msg) == 2 })
	s.run(t, vars, []step{
		{name: "both POSTs are attempts", method: "GET", path: "/api/deliveries/{d}", status: 200,
			want: map[string]string{"state": "delivered", "attempts.#": "2", "attempts.0.status_code": "200", "attempts.0.error": "-",
				"attempts.1.n": "2", "attempts.1.status_code": "200",
				"attempts.1.error": "wabi fault {fault} (webhook_duplicated): the delivered webhook POSTed again"}},
		{name: "and the fault's hit", method: "GET", path: "/api/faults/{fault}", status: 200,
			want: map[string]string{"hits": "1", "recent.0.where": "{d}", "recent.0.what": "webhook POSTed a second time"}},
	})
	_, d2 := s.inbound(t, "once")
	s.waitDelivery(t, d2, wabi.DeliveryDelivered)
	if as, _ := s.store.Attempts(context.Background(), d2); len(as) != 1 {
		t.Errorf("%d attempts past the fault's count, want 1", len(as))
	}
}

// TestFaultWebhookDelayed: a webhook is held back a minute before its first
// POST; the delivery log shows why while it waits.
func TestFaultWebhookDelayed(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	vars := s.vars()
	vars["fault"] = s.mustFault(t, `{"phone_number_id":"`+s.demo.Phone.ID+`","kind":"webhook_delayed","delay":"1m","count":1}`)
	msg, d := s.inbound(t, "later")
	vars["d"] = d
	waitFor(t, "the hold to be recorded", func() bool {
		as, _ := s.store.Attempts(context.Background(), d)
		return len(as) == 1
	})
	s.run(t, vars, []step{
		{name: "held back", method: "GET", path: "/api/deliveries/{d}", status: 200,
			want: map[string]string{"state": "pending", "attempts.#": "1", "attempts.0.status_code": "0",
				"next_attempt_at": start.Add(time.Minute).Format(time.RFC3339),
				"last_error":      "wabi fault {fault} (webhook_delayed): held back 1m0s, until " + start.Add(time.Minute).Format(time.RFC3339)}},
	})
	if n := s.hook.count(msg); n != 0 {
		t.Fatalf("the receiver got the held webhook %d times", n)
	}
	s.clock.Advance(time.Minute)
	s.waitDelivery(t, d, wabi.DeliveryDelivered)
	s.run(t, vars, []step{
		{name: "sent after the delay", method: "GET", path: "/api/deliveries/{d}", status: 200,
			want: map[string]string{"state": "delivered", "attempts.#": "2", "attempts.1.status_code": "200", "last_error": "-",
				"attempts.1.at": start.Add(time.Minute).Format(time.RFC3339)}},
	})
	if n := s.hook.count(msg); n != 1 {
		t.Errorf("the receiver got the webhook %d times, want once", n)
	}
}

// TestFaultWebhookReordered: the webhook of the customer's first message is
// held back until the next one of the chat is queued, and is delivered after
// it.
func TestFaultWebhookReordered(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	fault := s.mustFault(t, `{"wa_id":"`+s.demo.Customer.WaID+`","kind":"webhook_reordered","delay":"10s","count":1}`)
	first, d1 := s.inbound(t, "first")
	waitFor(t, "the hold to be recorded", func() bool {
		as, _ := s.store.Attempts(context.Background(), d1)
		return len(as) == 1
	})
	second, d2 := s.inbound(t, "second")
	time.Sleep(20 * time.Millisecond)
	if s.hook.count(first)+s.hook.count(second) != 0 {
		t.Fatal("a webhook of the chat went out while the first one was held")
	}
	s.clock.Advance(10 * time.Second)
	s.waitDelivery(t, d1, wabi.DeliveryDelivered)
	s.waitDelivery(t, d2, wabi.DeliveryDelivered)
	s.hook.mu.Lock()
	var order []string
	for _, b := range s.hook.bodies {
		for _, id := range []string{first, second} {
			if bytes.Contains(b, []byte(id)) {
				order = append(order, id)
			}
		}
	}
	s.hook.mu.Unlock()
	if len(order) != 2 || order[0] != second || order[1] != first {
		t.Errorf("the receiver got %v, want the second message's webhook before the first's", order)
	}
	as, _ := s.store.Attempts(context.Background(), d1)
	if len(as) != 2 || !strings.HasPrefix(as[0].Error, "wabi fault "+fault+" (webhook_reordered)") || as[1].StatusCode != 200 {
		t.Errorf("attempts of the reordered delivery: %+v", as)
	}
}
