package controlapi

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/live"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/webhook"
)

// sseEvent is one event of a stream, or a comment (typ "comment").
type sseEvent struct {
	typ  string
	data string
}

// json parses the event's data into a response, for its get and str.
func (e sseEvent) json(t *testing.T) response {
	t.Helper()
	r := response{raw: e.data}
	if err := json.Unmarshal([]byte(e.data), &r.body); err != nil {
		t.Fatalf("%s event data is not JSON: %v\n%s", e.typ, err, e.data)
	}
	return r
}

// stream is an open GET /api/events.
type stream struct {
	res    *http.Response
	events chan sseEvent
}

// mustLive gives the stack a hub, wired as cmd/wabi wires it (but for the
// engine, whose hook is fixed when it starts), and a fast heartbeat.
func (s *stack) mustLive(t *testing.T) *live.Hub {
	t.Helper()
	hub := &live.Hub{}
	s.p.OnMessage, s.p.OnDeliveries = hub.Message, hub.Deliveries
	s.api.Live, s.api.Heartbeat = hub, 20*time.Millisecond
	return hub
}

// mustStream connects to the event stream of srv at path, and reads its events
// in the background until the stream ends or the test does.
func mustStream(t *testing.T, srv *httptest.Server, path string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %d %s: %s", path, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	st := &stream{res: res, events: make(chan sseEvent, 1000)}
	go func() {
		defer close(st.events)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.typ != "" {
					st.events <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, ":"):
				e.typ = "comment"
			case strings.HasPrefix(line, "event: "):
				e.typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return st
}

// next returns the next event that match accepts, skipping others; it fails
// the test after 5 seconds or at the end of the stream.
func (st *stream) next(t *testing.T, what string, match func(sseEvent) bool) sseEvent {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-st.events:
			if !ok {
				t.Fatalf("the stream ended before %s", what)
			}
			if match(e) {
				return e
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestEvents watches a template go out on the live stream: the message at each
// status, its status webhooks as they are queued and sent again, and an
// attempt the engine reports.
func TestEvents(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	hub := s.mustLive(t)
	srv := httptest.NewServer(s.h)
	t.Cleanup(srv.Close)
	st := mustStream(t, srv, "/api/events")
	st.next(t, "the opening comment", func(e sseEvent) bool { return e.typ == "comment" })
	waitFor(t, "the subscription", func() bool { return hub.Subscribers() == 1 })

	id := s.mustSendTemplate(t, s.demo.Customer.WaID)
	var statuses []string
	for !slices.Contains(statuses, "read") {
		e := st.next(t, "the message's events", func(e sseEvent) bool { return e.typ == "message" })
		m := e.json(t)
		if m.str("id") != id {
			t.Fatalf("message event of %s, want %s: %s", m.str("id"), id, e.data)
		}
		if m.str("template.name") != "order_ready" || m.str("direction") != "outbound" {
			t.Errorf("message event is not the message as GET shows it: %s", e.data)
		}
		statuses = append(statuses, m.str("status"))
	}
	if want := []string{"accepted", "sent", "delivered", "read"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses in order %v, want %v", statuses, want)
	}

	// Each status webhook is an event when it is queued, as GET shows it.
	e := st.next(t, "the queued read webhook", func(e sseEvent) bool { return e.typ == "delivery" && strings.Contains(e.data, `"status.read"`) })
	d := e.json(t)
	stored, err := s.store.Delivery(context.Background(), d.str("id"))
	if err != nil {
		t.Fatalf("the delivery of the event: %v", err)
	}
	for path, want := range map[string]string{
		"message_id": id, "state": "pending", "target_id": s.demo.App.ID, "attempts": "[]",
		"body.entry.0.changes.0.value.statuses.0.status": "read",
		"request.method": "POST", "request.url": s.hook.srv.URL + "/hook",
		"request.headers.Content-Type":        "application/json",
		"request.headers.X-Hub-Signature-256": webhook.Sign(s.demo.App.Secret, stored.Body),
	} {
		if got := d.str(path); got != want {
			t.Errorf("delivery event %s = %q, want %q", path, got, want)
		}
	}

	// Sent again: an event in its new state.
	waitFor(t, "the read webhook to be delivered", func() bool {
		d, err := s.store.Delivery(context.Background(), stored.ID)
		return err == nil && d.State == wabi.DeliveryDelivered
	})
	if r := s.do(t, "POST", "/api/deliveries/"+stored.ID+"/redeliver", "", nil); r.status != http.StatusOK {
		t.Fatalf("redeliver: %d %s", r.status, r.raw)
	}
	e = st.next(t, "the redelivery", func(e sseEvent) bool { return e.typ == "delivery" && strings.Contains(e.data, stored.ID) })
	if d := e.json(t); d.str("state") != "pending" || d.str("attempts.#") != "1" || d.str("attempts.0.status_code") != "200" {
		t.Errorf("redelivery event: %s", e.data)
	}

	// The engine reports an attempt before it records it: the event has it
	// after those the store has.
	waitFor(t, "the second attempt to be recorded", func() bool {
		as, err := s.store.Attempts(context.Background(), stored.ID)
		return err == nil && len(as) == 2
	})
	next := *stored
	next.Attempts, next.State, next.LastStatus = 3, wabi.DeliveryPending, 503
	hub.Delivery(&next, &wabi.Attempt{DeliveryID: stored.ID, N: 3, URL: "http://moved.example/hook",
		StatusCode: 503, Response: "busy", Error: "HTTP 503 Service Unavailable", Latency: 3 * time.Millisecond})
	e = st.next(t, "the attempt", func(e sseEvent) bool { return e.typ == "delivery" && strings.Contains(e.data, "moved.example") })
	d = e.json(t)
	for path, want := range map[string]string{
		"attempts.#": "3", "attempts.0.n": "1", "attempts.1.n": "2", "attempts.2.status_code": "503",
		"attempts.2.response": "busy", "attempts.2.latency_ns": "3000000", "last_status": "503",
		"request.url": "http://moved.example/hook",
	} {
		if got := d.str(path); got != want {
			t.Errorf("attempt event %s = %q, want %q", path, got, want)
		}
	}

	// An idle stream gets heartbeats; closing the hub ends it, as at shutdown.
	st.next(t, "a heartbeat", func(e sseEvent) bool { return e.typ == "comment" })
	hub.Close()
	for range st.events { // drains to the end of the stream
	}
	if n := hub.Subscribers(); n != 0 {
		t.Errorf("Subscribers = %d after Close, want 0", n)
	}
}

// TestEventsInbound checks that a message a phone sends, and the business
// reading it, are events too.
func TestEventsInbound(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	hub := s.mustLive(t)
	srv := httptest.NewServer(s.h)
	t.Cleanup(srv.Close)
	st := mustStream(t, srv, "/api/events")
	waitFor(t, "the subscription", func() bool { return hub.Subscribers() == 1 })

	in := s.do(t, "POST", "/api/phones/"+s.demo.Customer.WaID+"/messages",
		`{"to":"`+s.demo.Phone.ID+`","type":"text","text":{"body":"live?"}}`, nil)
	if in.status != http.StatusCreated {
		t.Fatalf("inbound: %d %s", in.status, in.raw)
	}
	id := in.str("id")
	e := st.next(t, "the inbound message", func(e sseEvent) bool { return e.typ == "message" })
	if m := e.json(t); m.str("id") != id || m.str("status") != "received" || m.str("text.body") != "live?" {
		t.Errorf("inbound event: %s", e.data)
	}
	e = st.next(t, "its webhook", func(e sseEvent) bool { return e.typ == "delivery" })
	if d := e.json(t); d.str("message_id") != id || d.str("event") != "message" {
		t.Errorf("inbound webhook event: %s", e.data)
	}

	if err := s.p.MarkRead(context.Background(), platform.Admin, "", s.demo.Phone.ID, id, false); err != nil {
		t.Fatalf("mark read: %v", err)
	}
	e = st.next(t, "the read message", func(e sseEvent) bool { return e.typ == "message" })
	if m := e.json(t); m.str("id") != id || m.str("status") != "read" {
		t.Errorf("read event: %s", e.data)
	}
}

// TestEventsAccess checks the admin key, which the stream alone also takes in
// its URL, and the stream's absence without a hub.
func TestEventsAccess(t *testing.T) {
	t.Parallel()
	const key = "admin-key-for-events"
	off := mustStack(t, "")
	if r := off.do(t, "GET", "/api/events", "", nil); r.status != http.StatusNotFound || r.str("error.code") != "not_found" {
		t.Errorf("without a hub: %d %s", r.status, r.raw)
	}

	s := mustStack(t, key)
	s.mustLive(t)
	srv := httptest.NewServer(s.h)
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		name, path string
		status     int
	}{
		{"no key", "/api/events", http.StatusUnauthorized},
		{"wrong key in the URL", "/api/events?key=nope", http.StatusUnauthorized},
		{"key in the URL of another endpoint", "/api/businesses?key=" + key, http.StatusUnauthorized},
	} {
		if r := s.do(t, "GET", c.path, "", nil); r.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.raw)
		}
	}
	st := mustStream(t, srv, "/api/events?key="+key)
	st.next(t, "the opening comment", func(e sseEvent) bool { return e.typ == "comment" })
}
