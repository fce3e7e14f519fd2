package controlapi

import (
	"strings"
	"testing"
)

// TestChannels: the partner-level listing shows each number's network, its
// relay when it has one, and how many channel keys reach it; a key is shown
// once, listed by its last four characters, and deleted.
func TestChannels(t *testing.T) {
	s := mustStack(t, "")
	s.mustSeal(t)
	vars := s.vars()
	vars["onprem"] = s.demo.OnPremPhone.ID
	s.run(t, vars, []step{
		{name: "every number on the simulated network", method: "GET", path: "/api/channels", status: 200,
			want: map[string]string{"data.#": "2", "data.0.network": "sim", "data.0.relay": "-", "data.0.keys": "0",
				"data.1.network": "sim"}},
		{name: "a key", method: "POST", path: "/api/phone_numbers/{phone_number}/keys", status: 201,
			want: map[string]string{"key": "*", "id": "*", "created_at": "2026-03-01T12:00:00Z"},
			save: map[string]string{"key": "key", "key_id": "id"}},
		{name: "another key", method: "POST", path: "/api/phone_numbers/{phone_number}/keys", status: 201,
			save: map[string]string{"key2": "key"},
			then: func(t *testing.T, _ *stack, _ response, vars map[string]string) {
				if vars["key2"] == vars["key"] {
					t.Error("two keys are one")
				}
			}},
		{name: "the keys, never whole", method: "GET", path: "/api/phone_numbers/{phone_number}/keys", status: 200,
			want: map[string]string{"data.#": "2", "data.0.id": "{key_id}", "data.0.key": "-", "data.0.created_at": "*"},
			then: func(t *testing.T, _ *stack, r response, vars map[string]string) {
				if got, want := r.str("data.0.last4"), vars["key"][len(vars["key"])-4:]; got != want {
					t.Errorf("last4 %q, want %q", got, want)
				}
				if strings.Contains(r.raw, vars["key"]) || strings.Contains(r.raw, vars["key2"]) {
					t.Errorf("the list shows a key: %s", r.raw)
				}
			}},
		{name: "a number without keys", method: "GET", path: "/api/phone_numbers/{onprem}/keys", status: 200,
			want: map[string]string{"data.#": "0"}},
		{name: "keys of an unknown number", method: "GET", path: "/api/phone_numbers/404/keys", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "a key for an unknown number", method: "POST", path: "/api/phone_numbers/404/keys", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "a number on the relay", method: "PUT", path: "/api/phone_numbers/{phone_number}/relay", status: 200, body: relayBody},
		{name: "the channels of the demo WABA", method: "GET", path: "/api/channels?waba_id={waba}", status: 200,
			want: map[string]string{"data.#": "2"},
			then: func(t *testing.T, _ *stack, r response, vars map[string]string) {
				for i := range 2 {
					ch := "data." + string(rune('0'+i)) + "."
					switch r.str(ch + "id") {
					case vars["phone_number"]:
						for path, want := range map[string]string{"network": "relay", "keys": "2", "relay.access_token": "…9f3c",
							"relay.upstream_phone_number_id": "106540352242922", "waba_id": vars["waba"], "platform_type": "CLOUD_API",
							"display_phone_number": "*", "verified_name": "*"} {
							if got := r.str(ch + path); got != want && !(want == "*" && got != "") {
								t.Errorf("%s%s = %q, want %q", ch, path, got, want)
							}
						}
					case vars["onprem"]:
						if r.str(ch+"network") != "sim" || r.str(ch+"keys") != "0" || r.str(ch+"relay") != "" {
							t.Errorf("the On-Premises number: %s", r.raw)
						}
					default:
						t.Errorf("channel %s is no demo number", r.str(ch+"id"))
					}
				}
			}},
		{name: "channels of an unknown WABA", method: "GET", path: "/api/channels?waba_id=404", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "delete a key", method: "DELETE", path: "/api/phone_numbers/{phone_number}/keys/{key_id}", status: 204},
		{name: "deleted", method: "GET", path: "/api/phone_numbers/{phone_number}/keys", status: 200,
			want: map[string]string{"data.#": "1"}},
		{name: "delete it again", method: "DELETE", path: "/api/phone_numbers/{phone_number}/keys/{key_id}", status: 404,
			want: map[string]string{"error.code": "not_found"}},
	})
}
