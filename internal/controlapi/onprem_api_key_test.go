package controlapi

import (
	"testing"
)

// TestOnPremAPIKey: the operator reads and rotates an On-Premises number's own
// monitoring key through the control API; a Cloud API number has none.
func TestOnPremAPIKey(t *testing.T) {
	s := mustStack(t, "")
	vars := s.vars()
	vars["onprem"] = s.demo.OnPremPhone.ID
	s.run(t, vars, []step{
		{name: "the key of a deployment", method: "GET", path: "/api/phone_numbers/{onprem}/onprem_api_key", status: 200,
			want: map[string]string{"phone_number_id": "{onprem}", "api_key": "*", "generation": "0", "rotated_at": "-"},
			save: map[string]string{"first": "api_key"}},
		{name: "the same key read again", method: "GET", path: "/api/phone_numbers/{onprem}/onprem_api_key", status: 200,
			want: map[string]string{"api_key": "{first}"}},
		{name: "rotated", method: "POST", path: "/api/phone_numbers/{onprem}/onprem_api_key/rotate", status: 200,
			want: map[string]string{"generation": "1", "rotated_at": "2026-03-01T12:00:00Z"},
			save: map[string]string{"second": "api_key"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if vars["second"] == vars["first"] {
					t.Errorf("the rotated key is the old one")
				}
			}},
		{name: "the new key is the one shown", method: "GET", path: "/api/phone_numbers/{onprem}/onprem_api_key", status: 200,
			want: map[string]string{"api_key": "{second}", "generation": "1"}},
		{name: "a Cloud API number has no deployment", method: "GET", path: "/api/phone_numbers/{phone_number}/onprem_api_key", status: 400,
			want: map[string]string{"error.code": "wrong_platform"}},
		{name: "nor can it rotate one", method: "POST", path: "/api/phone_numbers/{phone_number}/onprem_api_key/rotate", status: 400,
			want: map[string]string{"error.code": "wrong_platform"}},
		{name: "an unknown number", method: "GET", path: "/api/phone_numbers/404/onprem_api_key", status: 404,
			want: map[string]string{"error.code": "not_found"}},
	})
}
