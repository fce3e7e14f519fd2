package controlapi

import (
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestPhoneListChats lists the phones with their chat with one business number:
// the newest message and how many of the business's messages wait unread.
func TestPhoneListChats(t *testing.T) {
	s := mustStack(t, "")
	s.run(t, s.vars(), []step{
		{name: "the phone reads only when told", method: "PATCH", path: "/api/phones/{customer}",
			body: `{"behaviour":{"auto_read":false}}`, status: 200, want: map[string]string{"behaviour.auto_read": "false"}},
		{name: "no chat yet", method: "GET", path: "/api/phones?phone_number_id={phone_number}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.wa_id": "{customer}", "data.0.last_message": "-", "data.0.unread": "0"}},
		{name: "the phone writes", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"text","text":{"body":"is my order ready?"}}`, status: 201,
			save: map[string]string{"hi": "id"}},
		{name: "its message is the last one", method: "GET", path: "/api/phones?phone_number_id={phone_number}", status: 200,
			want: map[string]string{"data.0.last_message.id": "{hi}", "data.0.last_message.direction": "inbound",
				"data.0.last_message.text.body": "is my order ready?", "data.0.last_message.timestamp": "2026-03-01T12:00:00Z",
				"data.0.unread": "0"},
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				// The business answers twice; both reach the phone, which does not open them.
				for range 2 {
					id := s.mustSendTemplate(t, vars["customer"])
					s.waitStatus(t, id, wabi.StatusDelivered)
					vars["answer"] = id
				}
			}},
		{name: "the answers wait unread", method: "GET", path: "/api/phones?phone_number_id={phone_number}", status: 200,
			want: map[string]string{"data.0.last_message.id": "{answer}", "data.0.last_message.type": "template",
				"data.0.last_message.status": "delivered", "data.0.unread": "2"}},
		{name: "the phone opens them", method: "POST", path: "/api/phones/{customer}/read",
			body: `{"phone_number_id":"{phone_number}"}`, status: 200, want: map[string]string{"read": "2"},
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				s.waitStatus(t, vars["answer"], wabi.StatusRead)
			}},
		{name: "nothing is unread", method: "GET", path: "/api/phones?phone_number_id={phone_number}", status: 200,
			want: map[string]string{"data.0.last_message.id": "{answer}", "data.0.last_message.status": "read", "data.0.unread": "0"}},
		{name: "without a number there is no chat to show", method: "GET", path: "/api/phones", status: 200,
			want: map[string]string{"data.0.wa_id": "{customer}", "data.0.last_message": "-", "data.0.unread": "-"}},
		{name: "a number that does not exist", method: "GET", path: "/api/phones?phone_number_id=404404", status: 404,
			want: map[string]string{"error.code": "not_found"}},
	})
}
