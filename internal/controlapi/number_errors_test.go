package controlapi

import (
	"context"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestReportErrors sends a number's receivers an out-of-band errors webhook,
// with codes named the Cloud API's way or wabi's, and refuses what is not one.
func TestReportErrors(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	vars := s.vars()
	vars["onprem"] = s.demo.OnPremPhone.ID
	path := "/api/phone_numbers/{phone_number}/errors"
	s.run(t, vars, []step{
		{name: "a rate limit hit, as Meta numbers it", method: "POST", path: path, status: 202,
			body: `{"errors":[{"code":130429,"details":"Too many messages received in a short period of time."}]}`,
			want: map[string]string{"phone_number_id": "{phone_number}", "errors": "1"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				ds, err := s.store.Deliveries(context.Background(), wabi.DeliveryFilter{AppID: vars["app"]})
				if err != nil || len(ds) == 0 || ds[0].Event != "errors" {
					t.Fatalf("newest delivery of the app: %v, %v; want an errors webhook", ds, err)
				}
				vars["d"] = ds[0].ID
			}},
		{name: "its webhook carries value-level errors", method: "GET", path: "/api/deliveries/{d}", status: 200,
			want: map[string]string{"event": "errors", "wa_id": "",
				"body.entry.0.changes.0.value.errors.0.code":               "130429",
				"body.entry.0.changes.0.value.errors.0.error_data.details": "Too many messages received in a short period of time.",
				"body.entry.0.changes.0.value.metadata.phone_number_id":    "{phone_number}",
				"body.entry.0.changes.0.value.messages":                    "-"}},
		{name: "a wabi code to an On-Premises number", method: "POST", path: "/api/phone_numbers/{onprem}/errors", status: 202,
			body: `{"errors":[{"code":"unavailable","details":"Down for maintenance."}]}`},
		{name: "no errors", method: "POST", path: path, body: `{"errors":[]}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "no code", method: "POST", path: path, body: `{"errors":[{"details":"x"}]}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "no details", method: "POST", path: path, body: `{"errors":[{"code":130429}]}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "a code Meta does not have", method: "POST", path: path, body: `{"errors":[{"code":424242,"details":"x"}]}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "a name wabi does not have", method: "POST", path: path, body: `{"errors":[{"code":"oops","details":"x"}]}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "a number that does not exist", method: "POST", path: "/api/phone_numbers/404/errors", status: 404,
			body: `{"errors":[{"code":130429,"details":"x"}]}`},
	})
}
