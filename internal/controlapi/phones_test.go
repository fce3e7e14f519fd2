package controlapi

import (
	"testing"
)

// TestVirtualPhones creates, changes and replaces virtual phones.
func TestVirtualPhones(t *testing.T) {
	s := mustStack(t, "")
	s.run(t, s.vars(), []step{
		{name: "create", method: "POST", path: "/api/phones",
			body:   `{"wa_id":"447700900123","profile_name":"Sam","behaviour":{"delivery_delay":"1.5s","read_delay":250,"auto_read":true}}`,
			status: 201, want: map[string]string{
				"wa_id": "447700900123", "profile_name": "Sam", "held": "0", "created_at": "2026-03-01T12:00:00Z",
				"behaviour.delivery_delay": "1.5s", "behaviour.read_delay": "250ms", "behaviour.auto_read": "true",
				"behaviour.offline": "false", "behaviour.not_on_whatsapp": "false",
			}},
		{name: "create it again", method: "POST", path: "/api/phones", body: `{"wa_id":"447700900123"}`, status: 409,
			want: map[string]string{"error.code": "conflict"}},
		{name: "a wa_id that is not a number", method: "POST", path: "/api/phones", body: `{"wa_id":"44770abc"}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "a wa_id with a plus", method: "POST", path: "/api/phones", body: `{"wa_id":"+447700900124"}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "no wa_id", method: "POST", path: "/api/phones", body: `{"profile_name":"Nobody"}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "a delay that is not a duration", method: "POST", path: "/api/phones",
			body: `{"wa_id":"447700900125","behaviour":{"read_delay":"soon"}}`, status: 400,
			want: map[string]string{"error.code": "invalid_value", "error.message": `Invalid value in the request body: invalid duration "soon".`}},
		{name: "a negative delay", method: "POST", path: "/api/phones",
			body: `{"wa_id":"447700900125","behaviour":{"read_delay":"-1s"}}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "an unknown behaviour", method: "POST", path: "/api/phones",
			body: `{"wa_id":"447700900125","behaviour":{"blocked":true}}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "get", method: "GET", path: "/api/phones/447700900123", status: 200,
			want: map[string]string{"profile_name": "Sam"}},
		{name: "get a phone that does not exist", method: "GET", path: "/api/phones/447700900999", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "list", method: "GET", path: "/api/phones", status: 200,
			want: map[string]string{"data.#": "2", "data.0.wa_id": "{customer}", "data.1.wa_id": "447700900123"}},
		{name: "patch the name only", method: "PATCH", path: "/api/phones/447700900123", body: `{"profile_name":"Sam Q."}`,
			status: 200, want: map[string]string{"profile_name": "Sam Q.", "behaviour.delivery_delay": "1.5s", "behaviour.auto_read": "true"}},
		{name: "patch one behaviour", method: "PATCH", path: "/api/phones/447700900123", body: `{"behaviour":{"offline":true}}`,
			status: 200, want: map[string]string{"profile_name": "Sam Q.", "behaviour.offline": "true", "behaviour.auto_read": "true"}},
		{name: "patch a phone that does not exist", method: "PATCH", path: "/api/phones/447700900999", body: `{"profile_name":"X"}`,
			status: 404, want: map[string]string{"error.code": "not_found"}},
		{name: "patch the wa_id", method: "PATCH", path: "/api/phones/447700900123", body: `{"wa_id":"447700900000"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "replace", method: "PUT", path: "/api/phones/447700900123", body: `{"profile_name":"Samira"}`,
			status: 200, want: map[string]string{"profile_name": "Samira", "behaviour.offline": "false",
				"behaviour.auto_read": "true", "behaviour.delivery_delay": "0s", "created_at": "2026-03-01T12:00:00Z"}},
		{name: "replace with another wa_id in the body", method: "PUT", path: "/api/phones/447700900123",
			body: `{"wa_id":"447700900000"}`, status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "put a new phone", method: "PUT", path: "/api/phones/447700900126", body: `{"wa_id":"447700900126","profile_name":"Kim"}`,
			status: 200, want: map[string]string{"wa_id": "447700900126"}},
	})
}
