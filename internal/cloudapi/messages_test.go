package cloudapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestSendScenarios is the send edge as a table of stories: a request, the status
// and body Meta would answer (golden files under testdata/send), for every
// outbound shape and every synchronous error.
func TestSendScenarios(t *testing.T) {
	s := mustStack(t)
	s.customerSays("hi")
	ctx := context.Background()
	tok := s.demo.Token.Value
	pn := s.demo.Phone.ID

	// Another business with its own token, and a token of the demo business that
	// reaches only another WABA of it.
	other, _ := s.p.CreateBusiness(ctx, "Other Co")
	otherTok, err := s.p.CreateToken(ctx, platform.NewToken{BusinessID: other.ID, Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	side, _ := s.p.CreateWABA(ctx, s.demo.Business.ID, "Side WABA")
	sideTok, err := s.p.CreateToken(ctx, platform.NewToken{BusinessID: s.demo.Business.ID, WABAIDs: []string{side.ID}})
	if err != nil {
		t.Fatal(err)
	}
	readOnly, err := s.p.CreateToken(ctx, platform.NewToken{BusinessID: s.demo.Business.ID, Scopes: []string{wabi.ScopeManagement}})
	if err != nil {
		t.Fatal(err)
	}
	unregistered, err := s.p.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: s.demo.WABA.ID, Number: "15550009999", VerifiedName: "Not Yet"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.p.CreateTemplate(ctx, &wabi.Template{WABAID: s.demo.WABA.ID, Name: "order_update", Language: "en_US", Category: "UTILITY",
		Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, order {{2}} shipped."}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.p.CreateTemplate(ctx, &wabi.Template{WABAID: s.demo.WABA.ID, Name: "paused_one", Language: "en", Category: "MARKETING",
		Status: wabi.TemplatePaused, Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Sale!"}}}); err != nil {
		t.Fatal(err)
	}

	msg := func(rest string) string {
		return `{"messaging_product":"whatsapp","to":"` + platform.DemoCustomerNumber + `",` + rest + `}`
	}
	text := msg(`"type":"text","text":{"body":"Hello"}`)
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   string
		status int
	}{
		{"text", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"text","text":{"body":"Order shipped: https://example.com/t/1","preview_url":true}`), 200},
		{"text_default_type", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"text":{"body":"no type given"}`), 200},
		{"unversioned", "POST", "/" + pn + "/messages", tok, text, 200},
		{"access_token_query", "POST", "/v24.0/" + pn + "/messages?access_token=" + tok, "", text, 200},
		{"formatted_to", "POST", "/v23.0/" + pn + "/messages", tok, `{"messaging_product":"whatsapp","to":"+1 (555) 000-2000","text":{"body":"x"}}`, 200},
		{"image_link", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"image","image":{"link":"https://cdn.example.com/p/42.jpg","caption":"New"}`), 200},
		{"location", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"location","location":{"latitude":"37.48","longitude":-122.14,"name":"HQ"}`), 200},
		{"contacts", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"contacts","contacts":[{"name":{"formatted_name":"Ana Silva","first_name":"Ana"},"phones":[{"phone":"+1 650 555 1234","type":"WORK"}]}]`), 200},
		{"interactive_button", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"button","body":{"text":"Confirm?"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}},{"type":"reply","reply":{"id":"n","title":"No"}}]}}`), 200},
		{"interactive_list", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},"action":{"button":"Options","sections":[{"title":"A","rows":[{"id":"a1","title":"One"}]}]}}`), 200},
		{"interactive_cta_url", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"cta_url","body":{"text":"See"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://example.com"}}}`), 200},
		{"interactive_flow", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"flow","body":{"text":"Book"},"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"123","flow_cta":"Book now"}}}`), 200},
		{"interactive_location_request", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"location_request_message","body":{"text":"Where?"},"action":{"name":"send_location"}}`), 200},
		{"interactive_product", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"product","action":{"catalog_id":"1","product_retailer_id":"SKU-1"}}`), 200},
		{"interactive_product_list", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"product_list","header":{"type":"text","text":"Shop"},"body":{"text":"Pick"},"action":{"catalog_id":"1","sections":[{"title":"Best","product_items":[{"product_retailer_id":"SKU-1"}]}]}}`), 200},
		{"template", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"7731"}]}]}`), 200},
		{"reaction", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"reaction","reaction":{"message_id":"wamid.HBgLMTU1NTAwMDIwMDAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","emoji":"\ud83d\udc4d"}`), 200},
		{"reply_with_context", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"context":{"message_id":"wamid.HBgLMTU1NTAwMDIwMDAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="},"type":"text","text":{"body":"Quoted"}`), 200},

		{"no_token", "POST", "/v23.0/" + pn + "/messages", "", text, 400},
		{"bad_token", "POST", "/v23.0/" + pn + "/messages", "EAAnope", text, 401},
		{"foreign_token", "POST", "/v23.0/" + pn + "/messages", otherTok.Value, text, 400},
		{"token_for_other_waba", "POST", "/v23.0/" + pn + "/messages", sideTok.Value, text, 403},
		{"token_without_messaging", "POST", "/v23.0/" + pn + "/messages", readOnly.Value, text, 403},
		{"unknown_number", "POST", "/v23.0/123456789012345/messages", tok, text, 400},
		{"unregistered_number", "POST", "/v23.0/" + unregistered.ID + "/messages", tok, text, 404},
		{"missing_product", "POST", "/v23.0/" + pn + "/messages", tok, `{"to":"15550002000","text":{"body":"x"}}`, 400},
		{"bad_json", "POST", "/v23.0/" + pn + "/messages", tok, `{"messaging_product":`, 400},
		{"wrong_json_type", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"text":{"body":42}`), 400},
		{"missing_to", "POST", "/v23.0/" + pn + "/messages", tok, `{"messaging_product":"whatsapp","text":{"body":"x"}}`, 400},
		{"invalid_to", "POST", "/v23.0/" + pn + "/messages", tok, `{"messaging_product":"whatsapp","to":"call-me","text":{"body":"x"}}`, 400},
		{"to_is_sender", "POST", "/v23.0/" + pn + "/messages", tok, `{"messaging_product":"whatsapp","to":"` + platform.DemoBusinessNumber + `","text":{"body":"x"}}`, 400},
		{"unsupported_type", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"poll","poll":{}`), 400},
		{"missing_text_body", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"text","text":{}`), 400},
		{"too_many_buttons", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"interactive","interactive":{"type":"button","body":{"text":"?"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"1"}},{"type":"reply","reply":{"id":"2","title":"2"}},{"type":"reply","reply":{"id":"3","title":"3"}},{"type":"reply","reply":{"id":"4","title":"4"}}]}}`), 400},
		{"media_unknown_id", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"image","image":{"id":"1013859600285441"}`), 400},
		{"media_id_and_link", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"image","image":{"id":"1","link":"https://x.example/a.jpg"}`), 400},
		{"template_unknown", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"template","template":{"name":"nope","language":{"code":"en_US"}}`), 404},
		{"template_wrong_language", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"template","template":{"name":"order_update","language":{"code":"pt_BR"}}`), 404},
		{"template_param_count", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"}]}]}`), 400},
		{"template_param_newline", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"A\nna"},{"type":"text","text":"1"}]}]}`), 400},
		{"template_paused", "POST", "/v23.0/" + pn + "/messages", tok, msg(`"type":"template","template":{"name":"paused_one","language":{"code":"en"}}`), 400},
		{"mark_read_unknown", "POST", "/v23.0/" + pn + "/messages", tok, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.nope"}`, 400},
		{"unknown_edge", "POST", "/v23.0/" + pn + "/nonsense", tok, `{}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.call(tt.method, tt.path, tt.token, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
			golden.Assert(t, "testdata/send/"+tt.name+".json", normalize(body))
		})
	}
}

// TestStatusLifecycle follows a message to an auto-reading phone through its
// status webhooks, in order and signed, with pricing as v23 apps get it.
func TestStatusLifecycle(t *testing.T) {
	s := mustStack(t)
	in := s.customerSays("Is my order on its way?")
	status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","to":"15550002000","context":{"message_id":"`+in.ID+`"},"text":{"body":"Yes, tomorrow."}}`)
	if status != 200 {
		t.Fatalf("send: %d %s", status, body)
	}
	id := sentID(t, body)
	got := s.waitEvents(id, 3)
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "sent,delivered,read" {
		t.Fatalf("statuses %v, want sent,delivered,read", kinds)
	}
	if !got[0].Pricing || !got[0].Conv || !got[1].Pricing || got[2].Pricing {
		t.Errorf("pricing/conversation on sent and delivered only, got %+v", got)
	}
	if first := s.waitEvents("", 1)[0]; first.Kind != "message" || first.ID != in.ID {
		t.Errorf("first webhook %+v, want the inbound message %s", first, in.ID)
	}
	m, err := s.store.Message(context.Background(), id)
	if err != nil || m.Status != wabi.StatusRead || m.Context == nil || m.Context.MessageID != in.ID {
		t.Fatalf("stored message %+v, %v", m, err)
	}
}

// TestAsyncFailures: sends Meta accepts but fails later arrive as failed statuses.
func TestAsyncFailures(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	if _, err := s.p.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "15550003000", ProfileName: "Gone", Behaviour: wabi.Behaviour{NotOnWhatsApp: true}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		to   string
		body string
		code int
	}{
		{"outside window", platform.DemoCustomerNumber, `"text":{"body":"hello?"}`, 131047},
		{"not on whatsapp", "15550003000", `"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}`, 131026},
		{"unknown number", "15550004000", `"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}`, 131026},
		// Free-form text to a number without WhatsApp: undeliverable, not a
		// closed window, since only a WhatsApp user has a window.
		{"not on whatsapp free-form", "15550003000", `"text":{"body":"hello?"}`, 131026},
		{"unknown number free-form", "15550004000", `"text":{"body":"hello?"}`, 131026},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
				`{"messaging_product":"whatsapp","to":"`+tt.to+`",`+tt.body+`}`)
			if status != 200 {
				t.Fatalf("send: %d %s", status, body)
			}
			id := sentID(t, body)
			got := s.waitEvents(id, 1)
			last := got[len(got)-1]
			if last.Kind != "failed" || last.Code != tt.code {
				t.Fatalf("events %+v, want failed with %d", got, tt.code)
			}
		})
	}
}

// TestWindowErrorSync: with the switch on, a send outside the window fails at once.
func TestWindowErrorSync(t *testing.T) {
	s := mustStack(t)
	s.p.WindowErrorSync = true
	status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","to":"15550002000","text":{"body":"hello?"}}`)
	if status != 400 || !strings.Contains(string(body), `"code":131047`) {
		t.Fatalf("got %d %s, want 400 with 131047", status, body)
	}
	s.customerSays("hi")
	s.clock.Advance(23 * time.Hour)
	if status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","to":"15550002000","text":{"body":"still open"}}`); status != 200 {
		t.Fatalf("inside the window: %d %s", status, body)
	}
	s.clock.Advance(2 * time.Hour)
	if status, _ := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","to":"15550002000","text":{"body":"closed now"}}`); status != 400 {
		t.Fatalf("25 h after the last message: %d, want 400", status)
	}
	// A number not on WhatsApp has no window to be outside of: its failure is
	// Meta's asynchronous 131026, even with the switch on.
	status, body = s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","to":"15550004000","text":{"body":"anyone?"}}`)
	if status != 200 {
		t.Fatalf("free-form to a number not on WhatsApp: %d %s, want 200", status, body)
	}
	if got := s.waitEvents(sentID(t, body), 1); got[len(got)-1].Kind != "failed" || got[len(got)-1].Code != 131026 {
		t.Fatalf("events %+v, want failed with 131026", got)
	}
}

// TestMarkRead marks inbound messages read, with and without typing.
func TestMarkRead(t *testing.T) {
	s := mustStack(t)
	first := s.customerSays("one")
	second := s.customerSays("two")
	status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","status":"read","message_id":"`+second.ID+`","typing_indicator":{"type":"text"}}`)
	if status != 200 || string(body) != `{"success":true}` {
		t.Fatalf("mark read: %d %s", status, body)
	}
	for _, id := range []string{first.ID, second.ID} {
		m, err := s.store.Message(context.Background(), id)
		if err != nil || m.Status != wabi.StatusRead {
			t.Errorf("message %s: %+v %v, want read", id, m, err)
		}
	}
	if !s.p.Typing(s.demo.Phone.ID, platform.DemoCustomerNumber) {
		t.Error("typing indicator not shown")
	}
	s.clock.Advance(26 * time.Second)
	if s.p.Typing(s.demo.Phone.ID, platform.DemoCustomerNumber) {
		t.Error("typing indicator still shown after 25 s")
	}
}

// TestResponseHeaders checks Graph's headers on success and error.
func TestResponseHeaders(t *testing.T) {
	s := mustStack(t)
	for _, path := range []string{"/v24.0/" + s.demo.Phone.ID + "/messages", "/" + s.demo.Phone.ID + "/messages"} {
		req, _ := http.NewRequest("POST", s.api.URL+path, strings.NewReader(`{}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := "v24.0"
		if !strings.HasPrefix(path, "/v24.0") {
			want = "v23.0"
		}
		if got := resp.Header.Get("facebook-api-version"); got != want {
			t.Errorf("%s: facebook-api-version %q, want %q", path, got, want)
		}
		if resp.Header.Get("x-fb-trace-id") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
}

func sentID(t *testing.T, body []byte) string {
	t.Helper()
	var r struct {
		Messages []struct{ ID string }
	}
	if err := json.Unmarshal(body, &r); err != nil || len(r.Messages) != 1 || !strings.HasPrefix(r.Messages[0].ID, "wamid.") {
		t.Fatalf("send response %s: %v", body, err)
	}
	return r.Messages[0].ID
}
