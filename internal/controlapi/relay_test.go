package controlapi

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/seal"
	"github.com/wabihq/wabi/internal/wabi"
)

// relayBody is a full relay configuration, as an operator PUTs it.
const relayBody = `{"base_url":"https://graph.example.com","api_version":"v22.0","phone_number_id":"106540352242922",
	"waba_id":"102290129340398","access_token":"EAAG-upstream-token-9f3c","app_secret":"upstream-app-secret",
	"verify_token":"upstream-verify"}`

// mustSeal gives the stack's platform a key to seal relay secrets with.
func (s *stack) mustSeal(t *testing.T) {
	t.Helper()
	ring, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s.p.Seal = ring
}

// TestRelay: the operator puts a number on the relay, reads it with its
// secrets masked and its webhook URL, changes it without giving the secrets
// again, reads its exchanges, and takes it back to the simulated network.
func TestRelay(t *testing.T) {
	s := mustStack(t, "")
	s.mustSeal(t)
	vars := s.vars()
	s.run(t, vars, []step{
		{name: "not relayed yet", method: "GET", path: "/api/phone_numbers/{phone_number}/relay", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "no upstream number", method: "PUT", path: "/api/phone_numbers/{phone_number}/relay", status: 400,
			body: `{"base_url":"https://graph.example.com","access_token":"t","app_secret":"s","verify_token":"v"}`,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "an unknown field", method: "PUT", path: "/api/phone_numbers/{phone_number}/relay", status: 400,
			body: `{"base_url":"https://graph.example.com","token":"t"}`, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "an unknown number", method: "PUT", path: "/api/phone_numbers/404/relay", status: 404,
			body: relayBody, want: map[string]string{"error.code": "not_found"}},
		{name: "put on the relay", method: "PUT", path: "/api/phone_numbers/{phone_number}/relay", status: 200, body: relayBody,
			want: map[string]string{
				"phone_number_id": "{phone_number}", "network": "relay", "base_url": "https://graph.example.com",
				"api_version": "v22.0", "upstream_phone_number_id": "106540352242922", "upstream_waba_id": "102290129340398",
				"access_token": "…9f3c", "app_secret_set": "true", "verify_token_set": "true",
				"webhook_url": "http://example.com/relay/webhook", "created_at": "2026-03-01T12:00:00Z",
				"app_secret": "-", "verify_token": "-",
			},
			then: func(t *testing.T, s *stack, r response, _ map[string]string) {
				for _, secret := range []string{"EAAG-upstream-token-9f3c", "upstream-app-secret", "upstream-verify"} {
					if strings.Contains(r.raw, secret) {
						t.Errorf("the view shows %q: %s", secret, r.raw)
					}
				}
				s.clock.Advance(time.Minute)
			}},
		{name: "read back", method: "GET", path: "/api/phone_numbers/{phone_number}/relay", status: 200,
			want: map[string]string{"network": "relay", "access_token": "…9f3c", "upstream_phone_number_id": "106540352242922"}},
		{name: "changed without the secrets", method: "PUT", path: "/api/phone_numbers/{phone_number}/relay", status: 200,
			body: `{"base_url":"https://graph.example.org/","phone_number_id":"106540352242922"}`,
			want: map[string]string{"base_url": "https://graph.example.org", "api_version": "v23.0", "upstream_waba_id": "",
				"access_token": "…9f3c", "created_at": "2026-03-01T12:00:00Z", "updated_at": "2026-03-01T12:01:00Z"},
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				c, err := s.p.Relay(context.Background(), vars["phone_number"])
				if err != nil || c.AppSecret != "upstream-app-secret" || c.VerifyToken != "upstream-verify" {
					t.Errorf("relay %+v, %v: want the secrets kept", c, err)
				}
			}},
		{name: "no exchanges yet", method: "GET", path: "/api/phone_numbers/{phone_number}/relay/exchanges", status: 200,
			want: map[string]string{"data.#": "0"},
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				for i, url := range []string{"https://graph.example.org/v23.0/106540352242922/messages", "https://graph.example.org/v23.0/106540352242922/media"} {
					s.p.LogRelayExchange(context.Background(), wabi.RelayExchange{PhoneNumberID: vars["phone_number"], Direction: "out",
						Method: "POST", URL: url, Status: 200 + i})
					s.clock.Advance(time.Second)
				}
			}},
		{name: "the exchanges, newest first", method: "GET", path: "/api/phone_numbers/{phone_number}/relay/exchanges", status: 200,
			want: map[string]string{"data.#": "2", "data.0.status": "201", "data.1.url": "https://graph.example.org/v23.0/106540352242922/messages"}},
		{name: "one exchange", method: "GET", path: "/api/phone_numbers/{phone_number}/relay/exchanges?limit=1", status: 200,
			want: map[string]string{"data.#": "1", "data.0.direction": "out", "data.0.method": "POST"}},
		{name: "a bad limit", method: "GET", path: "/api/phone_numbers/{phone_number}/relay/exchanges?limit=0", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "exchanges of an unknown number", method: "GET", path: "/api/phone_numbers/404/relay/exchanges", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "back to the simulated network", method: "DELETE", path: "/api/phone_numbers/{phone_number}/relay", status: 200,
			want: map[string]string{"network": "sim"}},
		{name: "gone", method: "GET", path: "/api/phone_numbers/{phone_number}/relay", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "deleted twice", method: "DELETE", path: "/api/phone_numbers/{phone_number}/relay", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "a new relay needs its secrets", method: "PUT", path: "/api/phone_numbers/{phone_number}/relay", status: 400,
			body: `{"base_url":"https://graph.example.org","phone_number_id":"106540352242922"}`,
			want: map[string]string{"error.code": "required_parameter"}},
	})
}

// TestRelayPublicURL: with PublicURL set, the webhook URL the view shows is
// on it, not on the request's host.
func TestRelayPublicURL(t *testing.T) {
	s := mustStack(t, "")
	s.mustSeal(t)
	s.api.PublicURL = "https://wabi.example.com/"
	s.h = s.api.Handler()
	s.run(t, s.vars(), []step{
		{name: "put on the relay", method: "PUT", path: "/api/phone_numbers/{phone_number}/relay", status: 200, body: relayBody,
			want: map[string]string{"webhook_url": "https://wabi.example.com/relay/webhook"}},
	})
}

// TestRelayTail: a secret shows as its last four characters only when it is
// long enough to spare them.
func TestRelayTail(t *testing.T) {
	for in, want := range map[string]string{"": "", "short": "…", "EAAG1234567890abcd": "…abcd"} {
		if got := tail(in); got != want {
			t.Errorf("tail(%q) = %q, want %q", in, got, want)
		}
	}
}
