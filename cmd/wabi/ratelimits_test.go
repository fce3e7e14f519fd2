package main

import (
	"strings"
	"testing"
)

// sendHello sends the demo template to the demo customer and returns the
// status and body.
func sendHello(t *testing.T, base string, in info) (int, string) {
	t.Helper()
	return call(t, "POST", base+"/v23.0/"+in.PhoneNumber.ID+"/messages", in.Token.Token,
		`{"messaging_product":"whatsapp","to":"15550002000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
}

// TestServeLimits: wabi serve applies Meta's limits by default, so the 46th
// message to one customer is refused with 131056; with WABI_LIMITS=off it is
// not. A value that is neither is refused at start.
func TestServeLimits(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		mode    string
		refused bool
	}{{nil, "meta", true}, {map[string]string{"WABI_LIMITS": "off"}, "off", false}} {
		t.Run(tc.mode, func(t *testing.T) {
			base := startWabi(t, tc.env)
			if _, body := call(t, "GET", base+"/api/limits", "", ""); !strings.Contains(body, `"mode":"`+tc.mode+`"`) {
				t.Fatalf("GET /api/limits: %s, want mode %s", body, tc.mode)
			}
			in := nodeInfo(t, base)
			for i := range 45 {
				if status, body := sendHello(t, base, in); status != 200 {
					t.Fatalf("send %d: %d %s", i+1, status, body)
				}
			}
			status, body := sendHello(t, base, in)
			if refused := status == 429 && strings.Contains(body, `"code":131056`); refused != tc.refused {
				t.Fatalf("the 46th send: %d %s; want refused with 131056: %v", status, body, tc.refused)
			}
		})
	}
	env := map[string]string{"WABI_LIMITS": "sometimes"}
	_, err := parseConfig(nil, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "WABI_LIMITS") || !strings.Contains(err.Error(), "meta or off") {
		t.Fatalf("WABI_LIMITS=sometimes: %v, want a refusal naming it", err)
	}
}

// TestLimitsAcrossNodes: two nodes on one PostgreSQL database share a
// number's pair rate: an override set through one applies on the other, and
// the sends of both spend the same bucket.
func TestLimitsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t, nil)
	in := nodeInfo(t, a)
	if status, body := call(t, "PUT", a+"/api/phone_numbers/"+in.PhoneNumber.ID+"/limits", "",
		`{"pair_burst":2,"pair_interval":"1h"}`); status != 200 {
		t.Fatalf("override: %d %s", status, body)
	}
	for i, node := range []string{a, b} {
		if status, body := sendHello(t, node, in); status != 200 {
			t.Fatalf("send %d: %d %s", i+1, status, body)
		}
	}
	status, body := sendHello(t, a, in)
	if status != 429 || !strings.Contains(body, `"code":131056`) {
		t.Fatalf("the third send in the hour, through A after one through B: %d %s; want 429 with 131056", status, body)
	}
	if _, body := call(t, "GET", b+"/api/phone_numbers/"+in.PhoneNumber.ID+"/limits?wa_id=15550002000", "", ""); !strings.Contains(body, `"pair":{"wa_id":"15550002000","limit":2,"available":0`) {
		t.Fatalf("B's view of the pair bucket: %s", body)
	}
}
