package controlapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadInput checks the status and code of requests the API must refuse.
func TestBadInput(t *testing.T) {
	s := mustStack(t, "")
	huge := `{"name":"` + strings.Repeat("x", maxBody) + `"}`
	s.run(t, s.vars(), []step{
		{name: "unknown field", method: "POST", path: "/api/businesses", body: `{"name":"A","owner":"me"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter", "error.message": `Unknown parameter "owner".`}},
		{name: "not JSON", method: "POST", path: "/api/businesses", body: `{"name":`, status: 400,
			want: map[string]string{"error.code": "bad_request"}},
		{name: "no body", method: "POST", path: "/api/businesses", status: 400,
			want: map[string]string{"error.code": "bad_request", "error.message": "A JSON request body is required."}},
		{name: "two values", method: "POST", path: "/api/businesses", body: `{"name":"A"} {"name":"B"}`, status: 400,
			want: map[string]string{"error.code": "bad_request"}},
		{name: "wrong type", method: "POST", path: "/api/businesses", body: `{"name":7}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter", "error.message": "Param name must be a JSON string, not number."}},
		{name: "body over 1 MiB", method: "POST", path: "/api/businesses", body: huge, status: 400,
			want: map[string]string{"error.code": "bad_request", "error.message": "The request body is larger than 1 MiB."}},
		{name: "WABA of a missing business", method: "POST", path: "/api/wabas", body: `{"business_id":"404","name":"W"}`, status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "WABA without a business", method: "POST", path: "/api/wabas", body: `{"name":"W"}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "app of a missing business", method: "POST", path: "/api/apps", body: `{"business_id":"404","name":"A"}`, status: 404},
		{name: "token of a missing business", method: "POST", path: "/api/tokens", body: `{"business_id":"404"}`, status: 404},
		{name: "number with a bad phone number", method: "POST", path: "/api/phone_numbers",
			body: `{"waba_id":"{waba}","phone_number":"12","verified_name":"Shop"}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "number on a platform that does not exist", method: "POST", path: "/api/phone_numbers",
			body: `{"waba_id":"{waba}","phone_number":"15550107000","verified_name":"Shop","platform_type":"FAX"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "webhook URL that is not a URL", method: "PUT", path: "/api/apps/{app}/webhook", body: `{"callback_url":"ftp:/x"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "webhook of a missing app", method: "PUT", path: "/api/apps/404/webhook", body: `{}`, status: 404},
		{name: "template without a body", method: "POST", path: "/api/templates",
			body: `{"waba_id":"{waba}","name":"t","language":"en","category":"UTILITY","components":[]}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "status of a missing template", method: "POST", path: "/api/templates/404/status", body: `{"status":"APPROVED"}`, status: 404},
		{name: "missing business", method: "GET", path: "/api/businesses/404", status: 404,
			want: map[string]string{"error.code": "not_found", "error.message": "*"}},
		{name: "missing WABA", method: "GET", path: "/api/wabas/404", status: 404},
		{name: "missing number", method: "GET", path: "/api/phone_numbers/404", status: 404},
		{name: "missing app", method: "GET", path: "/api/apps/404", status: 404},
		{name: "missing template", method: "GET", path: "/api/templates/404", status: 404},
		{name: "limit zero", method: "GET", path: "/api/messages?limit=0", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "limit too large", method: "GET", path: "/api/messages?limit=1001", status: 400},
		{name: "a direction that does not exist", method: "GET", path: "/api/messages?direction=sideways", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "messages of a missing number", method: "GET", path: "/api/messages?phone_number_id=404", status: 404},
		{name: "chat of a missing phone", method: "GET", path: "/api/phones/15559999999/messages", status: 404},
		{name: "unknown endpoint", method: "GET", path: "/api/widgets", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "unknown method", method: "DELETE", path: "/api/businesses", status: 405,
			want: map[string]string{"error.code": "bad_request"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if got := r.header.Get("Allow"); got != "GET, POST" {
					t.Errorf("Allow %q, want \"GET, POST\"", got)
				}
			}},
	})
}

// TestInternalError checks that a failure that is not the caller's is a generic
// 500, logged in full but without the path, which may hold a token.
func TestInternalError(t *testing.T) {
	s := mustStack(t, "")
	token := s.demo.Token.Value
	if err := s.store.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	res := s.do(t, http.MethodDelete, "/api/tokens/"+token, "", nil)
	if res.status != http.StatusInternalServerError || res.str("error.code") != "internal" {
		t.Fatalf("status %d, body %s; want 500 internal", res.status, res.raw)
	}
	if msg := res.str("error.message"); strings.Contains(msg, "sql") || strings.Contains(msg, "closed") {
		t.Errorf("the response shows the internal error: %q", msg)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "controlapi: internal error") || !strings.Contains(logs, "/api/tokens/{token}") {
		t.Errorf("internal error not logged with its route:\n%s", logs)
	}
	if strings.Contains(logs, token) {
		t.Errorf("the token value was logged:\n%s", logs)
	}
}
