package controlapi

import (
	"context"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestTenancyChain builds a tenant the way Business Manager would: business, WABA,
// number, app with a verified webhook, subscription, token, template; then takes
// parts of it down again.
func TestTenancyChain(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	vars := s.vars()
	vars["hook"] = s.hook.srv.URL + "/hook"
	s.run(t, vars, []step{
		{name: "info shows the demo and links", method: "GET", path: "/api/info", status: 200,
			want: map[string]string{
				"business.id": "{business}", "waba.id": "{waba}", "phone_number.id": "{phone_number}",
				"app.id": "{app}", "app.secret": "*", "token.token": "{token}", "virtual_phone.wa_id": "{customer}",
				"links.console": "http://127.0.0.1:8080/",
			}},
		{name: "create business", method: "POST", path: "/api/businesses", body: `{"name":"Acme"}`, status: 201,
			want: map[string]string{"name": "Acme", "id": "*", "created_at": "2026-03-01T12:00:00Z"},
			save: map[string]string{"biz": "id"}},
		{name: "business without a name", method: "POST", path: "/api/businesses", body: `{"name":" "}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "list businesses", method: "GET", path: "/api/businesses", status: 200,
			want: map[string]string{"data.#": "2", "data.1.id": "{biz}"}},
		{name: "get business", method: "GET", path: "/api/businesses/{biz}", status: 200,
			want: map[string]string{"name": "Acme"}},
		{name: "create WABA", method: "POST", path: "/api/wabas", body: `{"business_id":"{biz}","name":"Acme WABA"}`, status: 201,
			want: map[string]string{"business_id": "{biz}", "currency": "USD", "message_template_namespace": "*"},
			save: map[string]string{"acme_waba": "id"}},
		{name: "list WABAs of the business", method: "GET", path: "/api/wabas?business_id={biz}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{acme_waba}"}},
		{name: "get WABA", method: "GET", path: "/api/wabas/{acme_waba}", status: 200,
			want: map[string]string{"name": "Acme WABA"}},
		{name: "add a number, registered by default", method: "POST", path: "/api/phone_numbers",
			body: `{"waba_id":"{acme_waba}","phone_number":"+1 555-010-7788","verified_name":"Acme Support"}`, status: 201,
			want: map[string]string{"display_phone_number": "15550107788", "registered": "true", "platform_type": "CLOUD_API"},
			save: map[string]string{"acme_number": "id"}},
		{name: "add an unregistered on-premises number", method: "POST", path: "/api/phone_numbers",
			body:   `{"waba_id":"{acme_waba}","phone_number":"15550107789","verified_name":"Acme Legacy","platform_type":"ON_PREMISE","registered":false}`,
			status: 201, want: map[string]string{"registered": "false", "platform_type": "ON_PREMISE"}},
		{name: "the same number again", method: "POST", path: "/api/phone_numbers",
			body: `{"waba_id":"{acme_waba}","phone_number":"15550107788","verified_name":"Acme Again"}`, status: 409,
			want: map[string]string{"error.code": "conflict"}},
		{name: "list numbers of the WABA", method: "GET", path: "/api/phone_numbers?waba_id={acme_waba}", status: 200,
			want: map[string]string{"data.#": "2", "data.0.id": "{acme_number}"}},
		{name: "get number", method: "GET", path: "/api/phone_numbers/{acme_number}", status: 200,
			want: map[string]string{"verified_name": "Acme Support", "waba_id": "{acme_waba}"}},
		{name: "create app", method: "POST", path: "/api/apps", body: `{"business_id":"{biz}","name":"Acme Bot"}`, status: 201,
			want: map[string]string{"secret": "*", "api_version": "v23.0", "callback_url": ""},
			save: map[string]string{"acme_app": "id"}},
		{name: "webhook with the wrong verify token fails the handshake", method: "PUT", path: "/api/apps/{acme_app}/webhook",
			body: `{"callback_url":"{hook}","verify_token":"wrong","fields":["messages"]}`, status: 400,
			want: map[string]string{"error.code": "webhook_verify"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if msg := r.str("error.message"); !strings.Contains(msg, "403") {
					t.Errorf("message %q does not carry the handshake's status", msg)
				}
				if a, _ := s.store.App(ctx, vars["acme_app"]); a.CallbackURL != "" {
					t.Errorf("callback URL saved despite the failed handshake: %q", a.CallbackURL)
				}
			}},
		{name: "webhook that passes the handshake", method: "PUT", path: "/api/apps/{acme_app}/webhook",
			body: `{"callback_url":"{hook}","verify_token":"` + hookToken + `","fields":["messages","messages"],"api_version":"v22.0"}`, status: 200,
			want: map[string]string{"callback_url": "{hook}", "fields": `["messages"]`, "api_version": "v22.0"}},
		{name: "list apps of the business", method: "GET", path: "/api/apps?business_id={biz}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.callback_url": "{hook}"}},
		{name: "get app", method: "GET", path: "/api/apps/{acme_app}", status: 200,
			want: map[string]string{"name": "Acme Bot"}},
		{name: "subscribe the app to the WABA", method: "POST", path: "/api/wabas/{acme_waba}/subscribed_apps",
			body: `{"app_id":"{acme_app}"}`, status: 201,
			want: map[string]string{"app.id": "{acme_app}", "override_callback_uri": "-"}},
		{name: "subscribe without naming the app", method: "POST", path: "/api/wabas/{acme_waba}/subscribed_apps",
			body: `{}`, status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "subscribe an app of another business", method: "POST", path: "/api/wabas/{acme_waba}/subscribed_apps",
			body: `{"app_id":"{app}"}`, status: 404, want: map[string]string{"error.code": "not_found"}},
		{name: "list subscribed apps", method: "GET", path: "/api/wabas/{acme_waba}/subscribed_apps", status: 200,
			want: map[string]string{"data.#": "1", "data.0.app.name": "Acme Bot"}},
		{name: "create a token for the WABA", method: "POST", path: "/api/tokens",
			body:   `{"business_id":"{biz}","app_id":"{acme_app}","name":"ci","waba_ids":["{acme_waba}"],"scopes":["whatsapp_business_messaging"]}`,
			status: 201, want: map[string]string{"waba_ids": `["{acme_waba}"]`, "scopes": `["whatsapp_business_messaging"]`},
			save: map[string]string{"acme_token": "token"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				c, err := s.p.Authenticate(ctx, vars["acme_token"])
				if err != nil || c.Token == nil || c.Token.Name != "ci" {
					t.Errorf("the new token does not authenticate: %v", err)
				}
				if strings.Contains(s.logs.String(), vars["acme_token"]) {
					t.Errorf("the token value was logged")
				}
			}},
		{name: "token with an unknown scope", method: "POST", path: "/api/tokens",
			body: `{"business_id":"{biz}","scopes":["root"]}`, status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "list tokens of the business", method: "GET", path: "/api/tokens?business_id={biz}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.token": "{acme_token}"}},
		{name: "create template", method: "POST", path: "/api/templates",
			body: `{"waba_id":"{acme_waba}","name":"order_ready","language":"en_US","category":"utility",
				"components":[{"type":"body","text":"Order {{1}} is ready."}]}`, status: 201,
			want: map[string]string{"status": "APPROVED", "category": "UTILITY", "components.0.type": "BODY"},
			save: map[string]string{"tpl": "id"}},
		{name: "the same template again", method: "POST", path: "/api/templates",
			body: `{"waba_id":"{acme_waba}","name":"order_ready","language":"en_US","category":"UTILITY",
				"components":[{"type":"BODY","text":"Again"}]}`, status: 409, want: map[string]string{"error.code": "conflict"}},
		{name: "reject the template", method: "POST", path: "/api/templates/{tpl}/status",
			body: `{"status":"REJECTED","reason":"INVALID_FORMAT"}`, status: 200,
			want: map[string]string{"status": "REJECTED", "rejected_reason": "INVALID_FORMAT"}},
		{name: "a status that does not exist", method: "POST", path: "/api/templates/{tpl}/status",
			body: `{"status":"MAYBE"}`, status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "list templates of the WABA", method: "GET", path: "/api/templates?waba_id={acme_waba}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.status": "REJECTED"}},
		{name: "get template", method: "GET", path: "/api/templates/{tpl}", status: 200,
			want: map[string]string{"name": "order_ready"}},
		{name: "unsubscribe the app", method: "DELETE", path: "/api/wabas/{acme_waba}/subscribed_apps?app_id={acme_app}", status: 204,
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if subs, err := s.store.Subscriptions(ctx, vars["acme_waba"]); err != nil || len(subs) != 0 {
					t.Errorf("subscriptions after unsubscribe: %v, %v", subs, err)
				}
			}},
		{name: "revoke the token", method: "DELETE", path: "/api/tokens/{acme_token}", status: 204,
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if _, err := s.p.Authenticate(ctx, vars["acme_token"]); wabi.ErrorCode(err) != wabi.EInvalidToken {
					t.Errorf("revoked token: err %v, want invalid_token", err)
				}
			}},
		{name: "revoke it again", method: "DELETE", path: "/api/tokens/{acme_token}", status: 404,
			want: map[string]string{"error.code": "not_found"}},
	})
}

// TestListFilters checks that the list filters name objects that exist.
func TestListFilters(t *testing.T) {
	s := mustStack(t, "")
	s.run(t, s.vars(), []step{
		{name: "all WABAs", method: "GET", path: "/api/wabas", status: 200, want: map[string]string{"data.0.id": "{waba}"}},
		{name: "WABAs of a missing business", method: "GET", path: "/api/wabas?business_id=404", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "numbers of a missing WABA", method: "GET", path: "/api/phone_numbers?waba_id=404", status: 404},
		{name: "apps of a missing business", method: "GET", path: "/api/apps?business_id=404", status: 404},
		{name: "tokens of a missing business", method: "GET", path: "/api/tokens?business_id=404", status: 404},
		{name: "templates of a missing WABA", method: "GET", path: "/api/templates?waba_id=404", status: 404},
		{name: "new business", method: "POST", path: "/api/businesses", body: `{"name":"Empty"}`, status: 201,
			save: map[string]string{"biz": "id"}},
		{name: "an empty list is an array", method: "GET", path: "/api/tokens?business_id={biz}", status: 200,
			want: map[string]string{"data": "[]"}},
		{name: "subscribed apps of a missing WABA", method: "GET", path: "/api/wabas/404/subscribed_apps", status: 404},
	})
}
