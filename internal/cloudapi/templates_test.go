package cloudapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// Template definitions the scenarios submit.
const (
	specExample = `{"name":"order_update","language":"en_US","category":"UTILITY","parameter_format":"POSITIONAL",
		"components":[
		{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW1hZ2UvanBlZw==:ARZ"]}},
		{"type":"BODY","text":"Hi {{1}}, your order {{2}} has shipped.","example":{"body_text":[["Ana","7731"]]}},
		{"type":"FOOTER","text":"Reply STOP to opt out"},
		{"type":"BUTTONS","buttons":[
			{"type":"QUICK_REPLY","text":"Stop updates"},
			{"type":"URL","text":"Track","url":"https://example.com/t/{{1}}","example":["https://example.com/t/7731"]},
			{"type":"PHONE_NUMBER","text":"Call us","phone_number":"+16467043595"}]}]}`
	namedPromo = `{"name":"spring_promo","language":"en","category":"MARKETING","parameter_format":"NAMED",
		"components":[{"type":"BODY","text":"Hi {{first_name}}, spring is here: use the code below for {{percent}} off.",
		"example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"},{"param_name":"percent","example":"20%"}]}},
		{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SPRING25"}]}]}`
	authCode = `{"name":"verify_code","language":"en_US","category":"AUTHENTICATION",
		"components":[{"type":"BODY","add_security_recommendation":true},{"type":"FOOTER","code_expiration_minutes":10},
		{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE"}]}]}`
	translation = `{"name":"order_update","language":"pt_BR","category":"UTILITY",
		"components":[{"type":"BODY","text":"Oi {{1}}, seu pedido {{2}} foi enviado.","example":{"body_text":[["Ana","7731"]]}}]}`
)

// bodyWith returns a template submission with one BODY of the given JSON.
func bodyWith(name, body string) string {
	return `{"name":"` + name + `","language":"en","category":"UTILITY","components":[` + body + `]}`
}

// TestTemplateScenarios is the template management edges as a table of stories:
// each request and the answer Meta would give, in golden files under
// testdata/templates. Steps run in order; some first play the review.
func TestTemplateScenarios(t *testing.T) {
	s := mustTemplateStack(t, -1)
	ctx := context.Background()
	n := newNames(s)
	tok := s.demo.Token.Value
	_, otherTok := s.mustOtherBusiness()
	messagingOnly := s.mustScopedToken(wabi.ScopeMessaging)
	review := func(name, status string) func() {
		return func() {
			if _, err := s.p.SetTemplateStatus(ctx, n.id(name), platform.TemplateStatusChange{Status: status, Reason: "INVALID_FORMAT"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	form := url.Values{"name": {"form_made"}, "language": {"en"}, "category": {"UTILITY"},
		"components": {`[{"type":"BODY","text":"Your parcel is on its way."}]`}}.Encode()

	const edge = "/v23.0/{WABA_ID}/message_templates"
	tests := []struct {
		name   string
		before func()
		method string
		path   string
		token  string
		body   string
		status int
		// as names the template the answer creates.
		as string
	}{
		{name: "create_spec_example", method: "POST", path: edge, body: specExample, status: 200, as: "TPL_ORDER_EN"},
		{name: "create_named", method: "POST", path: edge, body: namedPromo, status: 200, as: "TPL_PROMO"},
		{name: "create_authentication", method: "POST", path: edge, body: authCode, status: 200, as: "TPL_AUTH"},
		{name: "create_translation", method: "POST", path: edge, body: translation, status: 200, as: "TPL_ORDER_PT"},
		{name: "create_form", method: "POST", path: edge, body: "form:" + form, status: 200, as: "TPL_FORM"},
		{name: "create_duplicate", method: "POST", path: edge, body: specExample, status: 400},
		{name: "create_translation_of_other_category", method: "POST", path: edge, body: strings.Replace(translation, `"pt_BR","category":"UTILITY"`, `"es","category":"MARKETING"`, 1), status: 400},
		{name: "create_without_name", method: "POST", path: edge, body: `{"language":"en","category":"UTILITY","components":[{"type":"BODY","text":"Hi"}]}`, status: 400},
		{name: "create_bad_name", method: "POST", path: edge, body: strings.Replace(translation, "order_update", "Order Update", 1), status: 400},
		{name: "create_bad_language", method: "POST", path: edge, body: strings.Replace(translation, "pt_BR", "pt-br", 1), status: 400},
		{name: "create_bad_category", method: "POST", path: edge, body: strings.Replace(translation, `"UTILITY"`, `"PROMOTION"`, 1), status: 400},
		{name: "create_without_body", method: "POST", path: edge, body: bodyWith("no_body", `{"type":"FOOTER","text":"Bye"}`), status: 400},
		{name: "create_body_too_long", method: "POST", path: edge, body: bodyWith("long_body", `{"type":"BODY","text":"`+strings.Repeat("a", 1025)+`"}`), status: 400},
		{name: "create_variable_at_end", method: "POST", path: edge, body: bodyWith("var_end", `{"type":"BODY","text":"Your order has shipped, {{1}}","example":{"body_text":[["Ana"]]}}`), status: 400},
		{name: "create_too_many_variables", method: "POST", path: edge, body: bodyWith("crowded", `{"type":"BODY","text":"Hi {{1}} {{2}} {{3}} now","example":{"body_text":[["a","b","c"]]}}`), status: 400},
		{name: "create_without_examples", method: "POST", path: edge, body: bodyWith("no_examples", `{"type":"BODY","text":"Hi {{1}}, your order {{2}} has shipped."}`), status: 400},
		{name: "create_gif_header", method: "POST", path: edge, body: bodyWith("gif_header", `{"type":"HEADER","format":"GIF"},{"type":"BODY","text":"Hi"}`), status: 400},
		{name: "create_media_header_without_handle", method: "POST", path: edge, body: bodyWith("no_handle", `{"type":"HEADER","format":"VIDEO"},{"type":"BODY","text":"Hi"}`), status: 400},
		{name: "create_footer_with_variable", method: "POST", path: edge, body: bodyWith("footer_var", `{"type":"BODY","text":"Hi"},{"type":"FOOTER","text":"For {{1}}"}`), status: 400},
		{name: "create_button_text_too_long", method: "POST", path: edge, body: bodyWith("long_button", `{"type":"BODY","text":"Hi"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Please stop sending me these"}]}`), status: 400},
		{name: "create_url_variable_in_the_middle", method: "POST", path: edge, body: bodyWith("url_middle", `{"type":"BODY","text":"Hi"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"Go","url":"https://example.com/{{1}}/x","example":["https://example.com/1/x"]}]}`), status: 400},
		{name: "create_eleven_buttons", method: "POST", path: edge, body: bodyWith("many_buttons", `{"type":"BODY","text":"Hi"},{"type":"BUTTONS","buttons":[`+strings.TrimSuffix(strings.Repeat(`{"type":"QUICK_REPLY","text":"Yes"},`, 11), ",")+`]}`), status: 400},
		{name: "create_bad_json", method: "POST", path: edge, body: `{"name":`, status: 400},
		{name: "create_token_without_management", method: "POST", path: edge, token: messagingOnly.Value, body: translation, status: 403},
		{name: "create_foreign_token", method: "POST", path: edge, token: otherTok.Value, body: translation, status: 400},

		{name: "list", method: "GET", path: edge, status: 200},
		{name: "list_by_name", method: "GET", path: edge + "?name=order", status: 200},
		{name: "list_by_status_category_language", method: "GET", path: edge + "?status=PENDING&category=UTILITY&language=pt_BR", status: 200},
		{name: "list_fields_and_summary", method: "GET", path: edge + "?fields=name,status,quality_score&summary=total_count,message_template_count,message_template_limit", status: 200},
		{name: "list_page_1", method: "GET", path: edge + "?limit=2&fields=name,language", status: 200},
		{name: "list_page_2", method: "GET", path: edge + "?limit=2&fields=name,language&after={CURSOR_TPL_ORDER_PT}", status: 200},
		{name: "list_page_before", method: "GET", path: edge + "?limit=2&fields=name,language&before={CURSOR_TPL_AUTH}", status: 200},
		{name: "list_unknown_field", method: "GET", path: edge + "?fields=name,secret", status: 400},
		{name: "list_foreign_token", method: "GET", path: edge, token: otherTok.Value, status: 400},

		{name: "get", method: "GET", path: "/v23.0/{TPL_ORDER_EN}", status: 200},
		{name: "get_fields", method: "GET", path: "/v23.0/{TPL_AUTH}?fields=name,components,status", status: 200},
		{name: "get_foreign_token", method: "GET", path: "/v23.0/{TPL_ORDER_EN}", token: otherTok.Value, status: 400},

		{name: "edit_pending", method: "POST", path: "/v23.0/{TPL_ORDER_PT}", body: `{"components":[{"type":"BODY","text":"Oi, seu pedido foi enviado."}]}`, status: 400},
		{name: "edit_rejected", before: review("TPL_ORDER_PT", wabi.TemplateRejected), method: "POST", path: "/v23.0/{TPL_ORDER_PT}",
			body: `{"components":[{"type":"BODY","text":"Oi {{1}}, seu pedido foi enviado hoje.","example":{"body_text":[["Ana"]]}}]}`, status: 200},
		{name: "get_edited", method: "GET", path: "/v23.0/{TPL_ORDER_PT}?fields=name,language,status,components", status: 200},
		{name: "edit_breaking_a_rule", before: review("TPL_ORDER_PT", wabi.TemplateRejected), method: "POST", path: "/v23.0/{TPL_ORDER_PT}",
			body: `{"components":[{"type":"BODY","text":"{{1}}, seu pedido foi enviado.","example":{"body_text":[["Ana"]]}}]}`, status: 400},
		{name: "edit_approved", before: review("TPL_FORM", wabi.TemplateApproved), method: "POST", path: "/v23.0/{TPL_FORM}",
			body: `{"components":[{"type":"BODY","text":"Your parcel is on its way to you."}]}`, status: 200},
		{name: "edit_approved_again_the_same_day", before: review("TPL_FORM", wabi.TemplateApproved), method: "POST", path: "/v23.0/{TPL_FORM}",
			body: `{"components":[{"type":"BODY","text":"Your parcel is on its way."}]}`, status: 400},
		{name: "edit_category_of_approved", before: review("TPL_ORDER_EN", wabi.TemplateApproved), method: "POST", path: "/v23.0/{TPL_ORDER_EN}",
			body: `{"category":"MARKETING"}`, status: 400},
		{name: "edit_nothing", method: "POST", path: "/v23.0/{TPL_ORDER_EN}", body: `{}`, status: 400},

		{name: "delete_without_name", method: "DELETE", path: edge, status: 400},
		{name: "delete_unknown_name", method: "DELETE", path: edge + "?name=nope", status: 400},
		{name: "delete_foreign_token", method: "DELETE", path: edge + "?name=order_update", token: otherTok.Value, status: 400},
		{name: "delete_one_language", method: "DELETE", path: edge + "?name=order_update&hsm_id={TPL_ORDER_PT}", status: 200},
		{name: "delete_every_language", method: "DELETE", path: edge + "?name=spring_promo", status: 200},
		{name: "list_after_delete", method: "GET", path: edge + "?fields=name,language,status", status: 200},
		{name: "get_deleted", method: "GET", path: "/v23.0/{TPL_PROMO}", status: 400},
	}
	for _, tt := range tests {
		ok := t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			token := tt.token
			if token == "" {
				token = tok
			}
			status, body := s.call2(tt.method, n.fill(tt.path), token, n.fill(tt.body))
			if status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.as != "" {
				var created struct{ ID string }
				if err := json.Unmarshal(body, &created); err != nil || created.ID == "" {
					t.Fatalf("no id in %s", body)
				}
				n.add(created.ID, tt.as)
			}
			golden.Assert(t, "testdata/templates/"+tt.name+".json", n.normalize(body))
		})
		if !ok {
			t.FailNow()
		}
	}

	// The app heard of the deletions, one webhook per template.
	deleted := map[string]bool{}
	waitFor(t, "the deletion webhooks", func() bool {
		for _, h := range s.receiver.templateHooks(t) {
			if h.str("event") == "DELETED" {
				deleted[h.str("message_template_id")] = true
			}
		}
		return len(deleted) >= 2
	})
	if len(deleted) != 2 || !deleted[n.id("TPL_ORDER_PT")] || !deleted[n.id("TPL_PROMO")] {
		t.Errorf("deletion webhooks about %v", deleted)
	}
}

// call2 is call with form bodies too: a body starting with "form:" is sent
// form-encoded.
func (s *stack) call2(method, path, token, body string) (int, []byte) {
	s.t.Helper()
	form, isForm := strings.CutPrefix(body, "form:")
	if !isForm {
		return s.call(method, path, token, body)
	}
	req, err := http.NewRequest(method, s.api.URL+path, strings.NewReader(form))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestTemplateLimit: a WABA holds 250 template names; a new name beyond is
// 2388019, a new language of a name it has is not.
func TestTemplateLimit(t *testing.T) {
	s := mustTemplateStack(t, -1)
	ctx := context.Background()
	n := newNames(s)
	// The demo's hello_world is the first name.
	for i := range platform.TemplateLimit - 1 {
		if _, err := s.p.SubmitTemplate(ctx, platform.Admin, s.demo.WABA.ID, platform.NewTemplate{
			Name: fmt.Sprintf("note_%03d", i), Language: "en", Category: "UTILITY",
			Components: []wabi.TemplateComponent{{Type: "BODY", Text: "A note for you."}},
		}); err != nil {
			t.Fatalf("template %d: %v", i, err)
		}
	}
	status, body := s.call("POST", "/v23.0/"+s.demo.WABA.ID+"/message_templates", s.demo.Token.Value, translation)
	if status != 400 {
		t.Fatalf("status %d: %s", status, body)
	}
	golden.Assert(t, "testdata/templates/create_over_limit.json", n.normalize(body))
	status, body = s.call("POST", "/v23.0/"+s.demo.WABA.ID+"/message_templates", s.demo.Token.Value,
		bodyWith("note_000", `{"type":"BODY","text":"Una nota para ti."}`))
	if status != 400 || !strings.Contains(string(body), "2388024") {
		t.Errorf("same name and language: %d %s", status, body)
	}
	status, body = s.call("POST", "/v23.0/"+s.demo.WABA.ID+"/message_templates", s.demo.Token.Value,
		strings.Replace(bodyWith("note_000", `{"type":"BODY","text":"Una nota para ti."}`), `"en"`, `"es"`, 1))
	if status != 200 {
		t.Errorf("a new language of a name the WABA has: %d %s", status, body)
	}
}

// TestTemplateEditQuota: an APPROVED template may be edited once a day and ten
// times in 30 days; REJECTED ones at will.
func TestTemplateEditQuota(t *testing.T) {
	s := mustTemplateStack(t, -1)
	ctx := context.Background()
	tpl, err := s.p.SubmitTemplate(ctx, platform.Admin, s.demo.WABA.ID, platform.NewTemplate{
		Name: "daily_note", Language: "en", Category: "UTILITY", Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Note 0."}}})
	if err != nil {
		t.Fatal(err)
	}
	edit := func(i int) (int, []byte) {
		return s.call("POST", "/v23.0/"+tpl.ID, s.demo.Token.Value, fmt.Sprintf(`{"components":[{"type":"BODY","text":"Note %d."}]}`, i))
	}
	set := func(status string) {
		if _, err := s.p.SetTemplateStatus(ctx, tpl.ID, platform.TemplateStatusChange{Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 10; i++ {
		set(wabi.TemplateApproved)
		if status, body := edit(i); status != 200 {
			t.Fatalf("edit %d: %d %s", i, status, body)
		}
		s.clock.Advance(25 * time.Hour)
	}
	set(wabi.TemplateApproved)
	if status, body := edit(11); status != 400 || !strings.Contains(string(body), "2388039") || !strings.Contains(string(body), "10 times in the last 30 days") {
		t.Errorf("11th edit in 30 days: %d %s", status, body)
	}
	set(wabi.TemplateRejected)
	if status, body := edit(12); status != 200 {
		t.Errorf("edit of a rejected template: %d %s", status, body)
	}
	// The first edit leaves the 30-day window.
	s.clock.Advance(20 * 24 * time.Hour)
	set(wabi.TemplateApproved)
	if status, body := edit(13); status != 200 {
		t.Errorf("edit once old edits expired: %d %s", status, body)
	}
	got, err := s.store.Template(ctx, tpl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Edits) > 10 || got.Status != wabi.TemplatePending || got.Components[0].Text != "Note 13." {
		t.Errorf("after the edits: %d edits kept, status %s, text %q", len(got.Edits), got.Status, got.Components[0].Text)
	}
}
