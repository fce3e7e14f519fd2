package controlapi

import (
	"context"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestGivenTokenAndSecret: a test suite may choose an app's secret and a
// token's value, so that it knows them before wabi starts; the values are
// checked, unique, and scoped to their business like any other.
func TestGivenTokenAndSecret(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	vars := s.vars()
	const token = "ci-token-0123456789.abc_DEF"
	const secret = "ci-app-secret-0123456789"
	s.run(t, vars, []step{
		{name: "create business", method: "POST", path: "/api/businesses", body: `{"name":"Acme"}`, status: 201,
			save: map[string]string{"biz": "id"}},
		{name: "create WABA", method: "POST", path: "/api/wabas", body: `{"business_id":"{biz}","name":"Acme WABA"}`, status: 201,
			save: map[string]string{"acme_waba": "id"}},
		{name: "app with a given secret", method: "POST", path: "/api/apps",
			body: `{"business_id":"{biz}","name":"Acme Bot","secret":"` + secret + `"}`, status: 201,
			want: map[string]string{"secret": secret}, save: map[string]string{"acme_app": "id"}},
		{name: "app secret too short", method: "POST", path: "/api/apps",
			body: `{"business_id":"{biz}","name":"Short","secret":"abc"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "app secret with a bar, which would break app access tokens", method: "POST", path: "/api/apps",
			body: `{"business_id":"{biz}","name":"Bar","secret":"0123456789|0123456789"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"},
			then: func(t *testing.T, s *stack, r response, _ map[string]string) {
				if strings.Contains(r.raw, "0123456789|") {
					t.Errorf("the error quotes the secret: %s", r.raw)
				}
			}},
		{name: "app without a secret gets a fresh one", method: "POST", path: "/api/apps",
			body: `{"business_id":"{biz}","name":"Other"}`, status: 201, want: map[string]string{"secret": "*"}},
		{name: "token with a given value", method: "POST", path: "/api/tokens",
			body: `{"business_id":"{biz}","app_id":"{acme_app}","name":"ci","waba_ids":["{acme_waba}"],"token":"` + token + `"}`, status: 201,
			want: map[string]string{"token": token, "waba_ids": `["{acme_waba}"]`},
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				c, err := s.p.Authenticate(ctx, token)
				if err != nil {
					t.Fatalf("the given token does not authenticate: %v", err)
				}
				if c.Token.BusinessID != vars["biz"] || c.Token.Allows(wabi.ScopeMessaging, vars["business"], vars["waba"]) {
					t.Errorf("the given token is not scoped to its business and WABA: %+v", c.Token)
				}
			}},
		{name: "the same value again, in another business", method: "POST", path: "/api/tokens",
			body: `{"business_id":"{business}","token":"` + token + `"}`, status: 409,
			want: map[string]string{"error.code": "conflict"}},
		{name: "a value with a space", method: "POST", path: "/api/tokens",
			body: `{"business_id":"{biz}","token":"ci token 0123456789"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a short value", method: "POST", path: "/api/tokens",
			body: `{"business_id":"{biz}","token":"short"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "tokens of the business", method: "GET", path: "/api/tokens?business_id={biz}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.token": token}},
	})
}
