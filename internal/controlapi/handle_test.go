package controlapi

import "testing"

// TestFirstErrorWins checks which error answers a request that is wrong in
// several ways: the checks run in a fixed order (the path's object, the query's
// references, the enumerations, the page), and a client fixes its request in
// that order.
func TestFirstErrorWins(t *testing.T) {
	s := mustStack(t, "")
	s.run(t, s.vars(), []step{
		{name: "messages: the number before the direction", method: "GET",
			path: "/api/messages?phone_number_id=404&direction=sideways&limit=0", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "messages: the direction before the page", method: "GET",
			path: "/api/messages?direction=sideways&limit=0", status: 400,
			want: map[string]string{"error.message": `Param direction must be one of inbound, outbound, not "sideways".`}},
		{name: "messages: the page", method: "GET", path: "/api/messages?direction=inbound&limit=0", status: 400,
			want: map[string]string{"error.message": `Param limit must be a number from 1 to 1000, not "0".`}},
		{name: "chat: the phone before the number", method: "GET",
			path: "/api/phones/15559999999/messages?phone_number_id=404&limit=0", status: 404,
			want: map[string]string{"error.message": "virtual phone 15559999999 not found"}},
		{name: "chat: the number before the page", method: "GET",
			path: "/api/phones/{customer}/messages?phone_number_id=404&limit=0", status: 404,
			want: map[string]string{"error.message": "phone number 404 not found"}},
		{name: "chat: the page", method: "GET", path: "/api/phones/{customer}/messages?limit=x", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "deliveries: the app before the state", method: "GET",
			path: "/api/deliveries?app_id=404&state=lost&limit=0", status: 404,
			want: map[string]string{"error.message": "app 404 not found"}},
		{name: "deliveries: the state before the page", method: "GET", path: "/api/deliveries?state=lost&limit=0", status: 400,
			want: map[string]string{"error.message": `Param state must be one of pending, delivered, failed, not "lost".`}},
		{name: "read: the body before the phone", method: "POST", path: "/api/phones/15559999999/read", body: `{"phone_number_id":4}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "read: the phone before the number", method: "POST", path: "/api/phones/15559999999/read",
			body: `{"phone_number_id":"404"}`, status: 404,
			want: map[string]string{"error.message": "virtual phone 15559999999 not found"}},
		{name: "create: the body before the required field", method: "POST", path: "/api/wabas", body: `{"name":1}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "create: the required field before the parent", method: "POST", path: "/api/tokens", body: `{"app_id":"404"}`,
			status: 400, want: map[string]string{"error.message": "The parameter business_id is required."}},
		{name: "unsubscribe: the query's app_id over the body's", method: "DELETE",
			path: "/api/wabas/{waba}/subscribed_apps?app_id=404", body: `{"app_id":"{app}"}`, status: 404,
			want: map[string]string{"error.code": "not_found"}},
	})
}
