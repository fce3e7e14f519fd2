package cloudapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

func faultRef[T any](v T) *T { return &v }

// mustFault sets a fault through the platform.
func (s *stack) mustFault(f wabi.Fault) *wabi.Fault {
	s.t.Helper()
	got, err := s.p.CreateFault(context.Background(), &f)
	if err != nil {
		s.t.Fatal(err)
	}
	return got
}

// sendTemplate sends the demo's hello_world template to the demo customer
// through the Cloud API and returns its wamid.
func (s *stack) sendTemplate() string {
	s.t.Helper()
	status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","to":"`+platform.DemoCustomerNumber+`","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
	var r struct{ Messages []struct{ ID string } }
	if status != 200 || json.Unmarshal(body, &r) != nil || len(r.Messages) != 1 {
		s.t.Fatalf("send: %d %s", status, body)
	}
	return r.Messages[0].ID
}

// TestFaultDeliveryFailed: a message a delivery_failed fault hits is accepted,
// then fails with the chosen code in its status webhook, whose details name
// the fault; the next message, past the fault's count, goes through.
func TestFaultDeliveryFailed(t *testing.T) {
	s := mustStack(t)
	f := s.mustFault(wabi.Fault{WaID: platform.DemoCustomerNumber, Kind: wabi.FaultDeliveryFailed, Code: 131049, Count: faultRef(1)})
	failed := s.sendTemplate()
	evs := s.waitEvents(failed, 1)
	if len(evs) != 1 || evs[0].Kind != "failed" || evs[0].Code != 131049 {
		t.Fatalf("webhooks of the faulted message: %+v, want only failed with 131049", evs)
	}
	m, err := s.store.Message(context.Background(), failed)
	if err != nil || m.Status != wabi.StatusFailed || m.Error.Code != wabi.EMarketingCap || !strings.Contains(m.Error.Message, "wabi fault "+f.ID) {
		t.Fatalf("the faulted message: %+v, %v", m, err)
	}
	if n := strings.Count(s.rawHooks(), `"details":"`+m.Error.Message+`"`); n != 1 {
		t.Errorf("the failed webhook should carry the details naming the fault: %d found", n)
	}
	ok := s.sendTemplate()
	if evs := s.waitEvents(ok, 3); evs[2].Kind != "read" {
		t.Errorf("the message after the fault: %+v, want sent, delivered, read", evs)
	}
	got, _ := s.p.Fault(context.Background(), f.ID)
	if got.Hits != 1 || got.Recent[0].Where != failed || got.Recent[0].What != "message failed with 131049" {
		t.Errorf("the fault after its hit: %+v", got)
	}
}

// rawHooks returns every webhook body received so far, one after the other.
func (s *stack) rawHooks() string {
	s.receiver.mu.Lock()
	defer s.receiver.mu.Unlock()
	var b strings.Builder
	for _, h := range s.receiver.hooks {
		b.Write(h.body)
	}
	return b.String()
}

// TestFaultAPIError: requests on a number answer 500 (131000) or 503 (131016)
// in Graph's envelope, with the fault in a header and in the details; other
// numbers' and nodes' requests are served, and so is the number once the
// fault's count is used up.
func TestFaultAPIError(t *testing.T) {
	s := mustStack(t)
	for _, tc := range []struct {
		status, code int
		title        string
	}{{500, 131000, "(#131000) Something went wrong"}, {503, 131016, "(#131016) Service unavailable"}} {
		f := s.mustFault(wabi.Fault{PhoneNumberID: s.demo.Phone.ID, Kind: wabi.FaultAPIError, HTTPStatus: tc.status, Count: faultRef(1)})
		// A WABA's request is not the number's.
		if status, body := s.call("GET", "/v23.0/"+s.demo.WABA.ID+"/phone_numbers", s.demo.Token.Value, ""); status != 200 {
			t.Fatalf("the WABA's request: %d %s", status, body)
		}
		req, _ := http.NewRequest("GET", s.api.URL+"/v23.0/"+s.demo.Phone.ID+"?access_token="+s.demo.Token.Value, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct {
				Message   string
				Type      string
				Code      int
				ErrorData struct{ Details string } `json:"error_data"`
				FBTraceID string                   `json:"fbtrace_id"`
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.status || body.Error.Code != tc.code || body.Error.Message != tc.title ||
			body.Error.Type != "OAuthException" || body.Error.FBTraceID == "" || !strings.Contains(body.Error.ErrorData.Details, "wabi fault "+f.ID) {
			t.Fatalf("faulted request: %d %+v, %v", resp.StatusCode, body, err)
		}
		if resp.Header.Get("X-Wabi-Fault") != f.ID || resp.Header.Get("facebook-api-version") != "v23.0" ||
			resp.Header.Get("x-fb-trace-id") != body.Error.FBTraceID {
			t.Errorf("headers of the faulted answer: %v", resp.Header)
		}
		if status, body := s.call("GET", "/v23.0/"+s.demo.Phone.ID, s.demo.Token.Value, ""); status != 200 {
			t.Fatalf("the request after the fault's one hit: %d %s", status, body)
		}
		got, _ := s.p.Fault(context.Background(), f.ID)
		if got.Hits != 1 || got.Recent[0].Where != "GET /v23.0/"+s.demo.Phone.ID {
			t.Errorf("the fault after its hit: %+v", got)
		}
	}
}

// TestFaultAPITimeout: a request on the number hangs for the fault's delay on
// the platform's clock, then its connection is dropped without an answer.
func TestFaultAPITimeout(t *testing.T) {
	s := mustStack(t)
	f := s.mustFault(wabi.Fault{PhoneNumberID: s.demo.Phone.ID, Kind: wabi.FaultAPITimeout, Delay: wabi.Duration(30 * time.Second)})
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(s.api.URL + "/v23.0/" + s.demo.Phone.ID + "/messages?access_token=" + s.demo.Token.Value)
		if err == nil {
			resp.Body.Close()
			err = errors.New("answered " + resp.Status)
		} else {
			err = nil
		}
		done <- err
	}()
	waitFor(t, "the request to reach the fault", func() bool {
		got, _ := s.p.Fault(context.Background(), f.ID)
		return got.Hits == 1
	})
	select {
	case err := <-done:
		t.Fatalf("the request ended before the delay: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.clock.Advance(30 * time.Second)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("timed-out request: %v, want the connection dropped", err)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the request still hangs after its delay")
		}
	}
}

// TestFaultMediaURLExpired: a media URL handed out under the fault stops
// working after its ttl; one handed out without it lasts its five minutes.
func TestFaultMediaURLExpired(t *testing.T) {
	s := mustStack(t)
	id := s.mustUpload(pngBytes(t), "image/png")
	urlOf := func() string {
		status, body := s.call("GET", "/v23.0/"+id, s.demo.Token.Value, "")
		if status != 200 {
			t.Fatalf("GET media: %d %s", status, body)
		}
		return gjson(body, "url")
	}
	f := s.mustFault(wabi.Fault{PhoneNumberID: s.demo.Phone.ID, Kind: wabi.FaultMediaURLExpired, TTL: wabi.Duration(5 * time.Second), Count: faultRef(1)})
	short, long := urlOf(), urlOf()
	if code, _, _ := get(t, short, s.demo.Token.Value); code != 200 {
		t.Fatalf("the short URL at once: %d", code)
	}
	s.clock.Advance(6 * time.Second)
	if code, _, _ := get(t, short, s.demo.Token.Value); code != 404 {
		t.Errorf("the short URL after 6s: %d, want 404", code)
	}
	if code, _, _ := get(t, long, s.demo.Token.Value); code != 200 {
		t.Errorf("the URL after the fault's count after 6s: %d, want 200", code)
	}
	got, _ := s.p.Fault(context.Background(), f.ID)
	if got.Hits != 1 || got.Recent[0].Where != id {
		t.Errorf("the fault after its hit: %+v", got)
	}
}
