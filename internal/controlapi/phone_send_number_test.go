package controlapi

import (
	"context"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
)

// TestPhoneSendToDisplayNumber: a virtual phone may write to a business number
// as a consumer dials it, in any format, when one business number has it; an
// unknown number is an error that asks for the phone number id.
func TestPhoneSendToDisplayNumber(t *testing.T) {
	s := mustStack(t, "")
	text := `"type":"text","text":{"body":"hi"}}`
	s.run(t, s.vars(), []step{
		{name: "by id", method: "POST", path: "/api/phones/{customer}/messages", body: `{"to":"{phone_number}",` + text,
			status: 201, want: map[string]string{"phone_number_id": "{phone_number}"}},
		{name: "by number, digits only", method: "POST", path: "/api/phones/{customer}/messages", body: `{"to":"15550001000",` + text,
			status: 201, want: map[string]string{"phone_number_id": "{phone_number}"}},
		{name: "by number, as dialled", method: "POST", path: "/api/phones/{customer}/messages", body: `{"to":"+1 555-000-1000",` + text,
			status: 201, want: map[string]string{"phone_number_id": "{phone_number}"}},
		{name: "a number no business has", method: "POST", path: "/api/phones/{customer}/messages", body: `{"to":"+1 555 0100",` + text,
			status: 404, want: map[string]string{"error.code": "not_found",
				"error.message": "No business phone number has the id or the number +1 555 0100: give its phone number id in to, as GET /api/phone_numbers lists them."}},
	})

	// A number added again is refused, so a number names one business number.
	if _, err := s.p.CreatePhoneNumber(context.Background(), platform.NewPhoneNumber{WABAID: s.demo.WABA.ID, Number: "+1 555 000 1000", VerifiedName: "Twin"}); err == nil {
		t.Error("a business number added twice")
	}
}

// TestPhoneDefaults: a phone created through the API without a behaviour reads
// what it gets, as one created in the console does; a behaviour given wins.
func TestPhoneDefaults(t *testing.T) {
	s := mustStack(t, "")
	s.run(t, s.vars(), []step{
		{name: "create with no behaviour", method: "POST", path: "/api/phones", body: `{"wa_id":"447700900123","profile_name":"Sam"}`,
			status: 201, want: map[string]string{"behaviour.auto_read": "true", "behaviour.offline": "false", "behaviour.read_delay": "0s"}},
		{name: "create with other behaviour only", method: "POST", path: "/api/phones", body: `{"wa_id":"447700900124","behaviour":{"delivery_delay":"1s"}}`,
			status: 201, want: map[string]string{"behaviour.auto_read": "true", "behaviour.delivery_delay": "1s"}},
		{name: "create without auto read", method: "POST", path: "/api/phones", body: `{"wa_id":"447700900125","behaviour":{"auto_read":false}}`,
			status: 201, want: map[string]string{"behaviour.auto_read": "false"}},
		{name: "put with no behaviour", method: "PUT", path: "/api/phones/447700900126", body: `{"profile_name":"Kim"}`,
			status: 200, want: map[string]string{"behaviour.auto_read": "true"}},
	})
}
