package onpremapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

func faultRef[T any](v T) *T { return &v }

func (s *stack) mustFault(f wabi.Fault) *wabi.Fault {
	s.t.Helper()
	got, err := s.P.CreateFault(context.Background(), &f)
	if err != nil {
		s.t.Fatal(err)
	}
	return got
}

// TestFaultDeliveryFailedOnPrem: a delivery_failed fault of 131026 fails an
// On-Premises message with the client's own code for it (1013) in the status
// webhook, with details that name the fault.
func TestFaultDeliveryFailedOnPrem(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	s.openWindow()
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"webhooks": map[string]any{"url": s.rcv.srv.URL}}), http.StatusOK)
	f := s.mustFault(wabi.Fault{PhoneNumberID: s.pn.ID, WaID: platform.DemoCustomerNumber, Kind: wabi.FaultDeliveryFailed, Code: 131026, Count: faultRef(1)})
	r := s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "hi"}})
	wantOK(t, r, http.StatusOK)
	id := r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
	s.rcv.waitFor(t, id, `"status":"failed"`, `"code":1013`, `"title":"User is not valid"`, "wabi fault "+f.ID)
	for _, p := range s.rcv.snapshot() {
		if strings.Contains(string(p.body), id) && strings.Contains(string(p.body), `"status":"sent"`) {
			t.Errorf("a message failed by the fault was reported sent: %s", p.body)
		}
	}
	// The fault's one event is used: the next message is delivered.
	r = s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "again"}})
	id = r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
	s.rcv.waitFor(t, id, `"status":"read"`)
}

// TestFaultAPIErrorOnPrem: requests to a deployment answer 500 (1000) or 503
// (1016) in the client's envelope with meta, with the fault in a header and in
// the details, whether the deployment is named by the bearer token or by its
// pinned path; another number's requests are served.
func TestFaultAPIErrorOnPrem(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	for _, tc := range []struct {
		status, code int
		title, path  string
	}{
		{500, 1000, "Generic error", "/v1/health"},
		{503, 1016, "System overloaded", "/onprem/" + s.pn.ID + "/v1/health"},
	} {
		f := s.mustFault(wabi.Fault{PhoneNumberID: s.pn.ID, Kind: wabi.FaultAPIError, HTTPStatus: tc.status, Count: faultRef(1)})
		r := s.do("GET", tc.path, tok, nil)
		wantError(t, r, tc.status, tc.code)
		item := r.body["errors"].([]any)[0].(map[string]any)
		if item["title"] != tc.title || !strings.Contains(item["details"].(string), "wabi fault "+f.ID) || r.header.Get("X-Wabi-Fault") != f.ID {
			t.Errorf("faulted answer: %v %s", r.header, r.raw)
		}
		wantOK(t, s.do("GET", tc.path, tok, nil), http.StatusOK)
		got, _ := s.P.Fault(context.Background(), f.ID)
		if got.Hits != 1 || got.Recent[0].Where != "GET "+tc.path {
			t.Errorf("the fault after its hit: %+v", got)
		}
	}
	// A fault of the Cloud number leaves the deployment alone.
	s.mustFault(wabi.Fault{PhoneNumberID: s.Demo.Phone.ID, Kind: wabi.FaultAPIError})
	wantOK(t, s.do("GET", "/v1/health", tok, nil), http.StatusOK)
}

// TestFaultAPITimeoutOnPrem: a login to the only deployment hangs for the
// fault's delay on the platform's clock, then its connection is dropped.
func TestFaultAPITimeoutOnPrem(t *testing.T) {
	s := newStack(t)
	f := s.mustFault(wabi.Fault{PhoneNumberID: s.pn.ID, Kind: wabi.FaultAPITimeout, Delay: wabi.Duration(time.Minute)})
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", s.srv.URL+"/v1/users/login", nil)
		req.SetBasicAuth("admin", "secret")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			done <- errors.New("answered " + resp.Status)
			return
		}
		done <- nil
	}()
	for got, _ := s.P.Fault(context.Background(), f.ID); got.Hits == 0; got, _ = s.P.Fault(context.Background(), f.ID) {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("the login ended before the delay: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.Clock.Advance(time.Minute)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("timed-out login: %v, want the connection dropped", err)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the login still hangs after its delay")
		}
	}
}
