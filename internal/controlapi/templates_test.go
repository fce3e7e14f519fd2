package controlapi

import (
	"context"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// hears returns a step check that waits until the app has received n webhooks
// containing each text, with {name} filled from the scenario's values.
func hears(n int, texts ...string) func(t *testing.T, s *stack, r response, vars map[string]string) {
	return func(t *testing.T, s *stack, _ response, vars map[string]string) {
		t.Helper()
		for _, text := range texts {
			for k, v := range vars {
				text = strings.ReplaceAll(text, "{"+k+"}", v)
			}
			waitFor(t, "a webhook saying "+text, func() bool { return s.hook.count(text) >= n })
			if got := s.hook.count(text); got != n {
				t.Errorf("%d webhooks say %s, want %d", got, text, n)
			}
		}
	}
}

// TestTemplateReviewActions plays Meta's review from the control API: every
// status, category and quality change is answered with the template and told
// to the app on the right webhook field.
func TestTemplateReviewActions(t *testing.T) {
	s := mustStack(t, "")
	s.run(t, s.vars(), []step{
		{name: "create a pending template", method: "POST", path: "/api/templates", status: 201,
			body: `{"waba_id":"{waba}","name":"order_ready","language":"en_US","category":"UTILITY","status":"PENDING",
				"components":[{"type":"BODY","text":"Order {{1}} is ready."},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"}]}]}`,
			want: map[string]string{"status": "PENDING", "updated_at": "2026-03-01T12:00:00Z"}, save: map[string]string{"tpl": "id"}},
		{name: "approve", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"APPROVED"}`, status: 200,
			want: map[string]string{"status": "APPROVED", "rejected_reason": "-"},
			then: hears(1, `"event":"APPROVED"`, `"message_template_id":{tpl},`, `"field":"message_template_status_update"`)},
		{name: "approve again changes nothing", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"APPROVED"}`, status: 200,
			want: map[string]string{"status": "APPROVED"}, then: hears(1, `"event":"APPROVED"`)},
		{name: "pause", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"PAUSED"}`, status: 200,
			want: map[string]string{"status": "PAUSED"}, then: hears(1, `"event":"PAUSED"`, `"other_info":{"title":"FIRST_PAUSE"`)},
		{name: "unpause", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"APPROVED"}`, status: 200,
			then: hears(1, `"title":"UNPAUSE"`)},
		{name: "pause a second time", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"PAUSED","title":"SECOND_PAUSE"}`, status: 200,
			then: hears(1, `"title":"SECOND_PAUSE","description":"Your message template has been paused for 6 hours`)},
		{name: "a pause title that does not exist", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"PAUSED","title":"LONG_NAP"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "reject with rejection info", method: "POST", path: "/api/templates/{tpl}/status", status: 200,
			body: `{"status":"REJECTED","reason":"SCAM","title":"It asks for a password.","description":"Never ask for passwords."}`,
			want: map[string]string{"status": "REJECTED", "rejected_reason": "SCAM"},
			then: hears(1, `"reason":"SCAM"`, `"rejection_info":{"reason":"It asks for a password.","recommendation":"Never ask for passwords."}`)},
		{name: "a reason that does not exist", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"REJECTED","reason":"UGLY"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "disable", method: "POST", path: "/api/templates/{tpl}/status", body: `{"status":"DISABLED"}`, status: 200,
			want: map[string]string{"status": "DISABLED"}, then: hears(1, `"event":"DISABLED"`, `"disable_info":{"disable_date":"1772366400"}`)},
		{name: "status of a missing template", method: "POST", path: "/api/templates/404/status", body: `{"status":"APPROVED"}`, status: 404},

		{name: "re-categorise", method: "POST", path: "/api/templates/{tpl}/category", body: `{"category":"marketing"}`, status: 200,
			want: map[string]string{"category": "MARKETING", "previous_category": "UTILITY"},
			then: hears(1, `"field":"template_category_update"`, `"previous_category":"UTILITY","new_category":"MARKETING"`)},
		{name: "the same category again", method: "POST", path: "/api/templates/{tpl}/category", body: `{"category":"MARKETING"}`, status: 200,
			then: hears(1, `"field":"template_category_update"`)},
		{name: "a category that does not exist", method: "POST", path: "/api/templates/{tpl}/category", body: `{"category":"SPAM"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "no category", method: "POST", path: "/api/templates/{tpl}/category", body: `{}`,
			status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "category of a missing template", method: "POST", path: "/api/templates/404/category", body: `{"category":"UTILITY"}`, status: 404},

		{name: "set quality", method: "POST", path: "/api/templates/{tpl}/quality", body: `{"quality_score":"YELLOW"}`, status: 200,
			want: map[string]string{"quality_score": "YELLOW"},
			then: hears(1, `"previous_quality_score":"UNKNOWN","new_quality_score":"YELLOW"`, `"field":"message_template_quality_update"`)},
		{name: "lower quality", method: "POST", path: "/api/templates/{tpl}/quality", body: `{"quality_score":"red"}`, status: 200,
			then: hears(1, `"previous_quality_score":"YELLOW","new_quality_score":"RED"`)},
		{name: "a quality that does not exist", method: "POST", path: "/api/templates/{tpl}/quality", body: `{"quality_score":"BLUE"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "quality of a missing template", method: "POST", path: "/api/templates/404/quality", body: `{"quality_score":"RED"}`, status: 404},

		{name: "the template keeps it all", method: "GET", path: "/api/templates/{tpl}", status: 200,
			want: map[string]string{"status": "DISABLED", "category": "MARKETING", "previous_category": "UTILITY", "quality_score": "RED"}},
		{name: "a template breaking a rule", method: "POST", path: "/api/templates", status: 400,
			body: `{"waba_id":"{waba}","name":"loud","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"Hi"},{"type":"FOOTER","text":"For {{1}}"}]}`,
			want: map[string]string{"error.code": "template_footer_format"}},
	})
}

// TestPhoneTap: the phone's user taps quick replies, reply buttons and list
// rows; the business hears each as the matching inbound message, quoting the
// tapped one. What sends nothing back cannot be tapped.
func TestPhoneTap(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	if _, err := s.p.CreateTemplate(ctx, &wabi.Template{WABAID: s.demo.WABA.ID, Name: "delivery_slot", Language: "en", Category: wabi.CategoryUtility,
		Components: []wabi.TemplateComponent{{Type: "BODY", Text: "When should we deliver?"}, {Type: "BUTTONS", Buttons: []wabi.TemplateButton{
			{Type: "QUICK_REPLY", Text: "Morning"}, {Type: "QUICK_REPLY", Text: "Evening"}, {Type: "URL", Text: "Other", URL: "https://example.com/slots"}}}}}); err != nil {
		t.Fatal(err)
	}
	customer := s.demo.Customer.WaID
	if _, err := s.p.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "15550003001", ProfileName: "Someone Else"}); err != nil {
		t.Fatal(err)
	}
	send := func(m *wabi.Message) string {
		t.Helper()
		res, err := s.p.Send(ctx, platform.Admin, platform.SendRequest{PhoneNumberID: s.demo.Phone.ID, To: customer, Message: m})
		if err != nil {
			t.Fatal(err)
		}
		s.waitStatus(t, res.MessageID, wabi.StatusRead)
		return res.MessageID
	}
	payload := "SLOT_AM"
	template := send(&wabi.Message{Type: wabi.TypeTemplate, Content: wabi.Content{Template: &wabi.TemplateSend{
		Name: "delivery_slot", Language: &wabi.TemplateLanguage{Code: "en"},
		Components: []wabi.TemplateParamComp{{Type: "button", SubType: "quick_reply", Index: []byte(`0`), Parameters: []wabi.TemplateParam{{Type: "payload", Payload: &payload}}}},
	}}})
	// Free-form messages need the window open.
	if _, err := s.net.Send(ctx, customer, s.demo.Phone.ID, &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
		t.Fatal(err)
	}
	buttons := send(&wabi.Message{Type: wabi.TypeInteractive, Content: wabi.Content{Interactive: &wabi.Interactive{Type: "button",
		Body: &wabi.InteractiveText{Text: "Keep the order?"}, Action: &wabi.Action{Buttons: []wabi.ActionButton{
			{Type: "reply", Reply: &wabi.ReplyChoice{ID: "keep", Title: "Keep it"}}, {Type: "reply", Reply: &wabi.ReplyChoice{ID: "cancel", Title: "Cancel"}}}}}}})
	list := send(&wabi.Message{Type: wabi.TypeInteractive, Content: wabi.Content{Interactive: &wabi.Interactive{Type: "list",
		Body: &wabi.InteractiveText{Text: "Pick a speed"}, Action: &wabi.Action{Button: "Speeds", Sections: []wabi.Section{
			{Title: "Fast", Rows: []wabi.ReplyChoice{{ID: "express", Title: "Express", Description: "Next day"}}}}}}}})
	text := send(&wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "Thanks!"}}})

	vars := s.vars()
	vars["template"], vars["buttons"], vars["list"], vars["text"] = template, buttons, list, text
	tap := "/api/phones/{customer}/tap"
	s.run(t, vars, []step{
		{name: "a quick reply with a payload", method: "POST", path: tap, body: `{"message_id":"{template}","button":0}`, status: 201,
			want: map[string]string{"direction": "inbound", "type": "button", "button.payload": "SLOT_AM", "button.text": "Morning",
				"context.message_id": "{template}"},
			then: hears(1, `"button":{"payload":"SLOT_AM","text":"Morning"}`)},
		{name: "a quick reply without a payload", method: "POST", path: tap, body: `{"message_id":"{template}","button":1}`, status: 201,
			want: map[string]string{"button.payload": "Evening", "button.text": "Evening"}, then: hears(1, `"payload":"Evening"`)},
		{name: "a URL button", method: "POST", path: tap, body: `{"message_id":"{template}","button":2}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a button the template lacks", method: "POST", path: tap, body: `{"message_id":"{template}","button":3}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "no button", method: "POST", path: tap, body: `{"message_id":"{template}"}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "a reply button", method: "POST", path: tap, body: `{"message_id":"{buttons}","button":1}`, status: 201,
			want: map[string]string{"type": "interactive", "interactive.type": "button_reply", "interactive.button_reply.id": "cancel",
				"interactive.button_reply.title": "Cancel", "context.message_id": "{buttons}"},
			then: hears(1, `"button_reply":{"id":"cancel","title":"Cancel"}`)},
		{name: "a list row", method: "POST", path: tap, body: `{"message_id":"{list}","row_id":"express"}`, status: 201,
			want: map[string]string{"interactive.type": "list_reply", "interactive.list_reply.description": "Next day"},
			then: hears(1, `"list_reply":{"id":"express","title":"Express","description":"Next day"}`)},
		{name: "a row the list lacks", method: "POST", path: tap, body: `{"message_id":"{list}","row_id":"teleport"}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a list without a row", method: "POST", path: tap, body: `{"message_id":"{list}","button":0}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
		{name: "a text message", method: "POST", path: tap, body: `{"message_id":"{text}","button":0}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a message of another phone", method: "POST", path: "/api/phones/15550003001/tap", body: `{"message_id":"{template}","button":0}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "a phone that does not exist", method: "POST", path: "/api/phones/15550009999/tap", body: `{"message_id":"{template}","button":0}`, status: 404},
		{name: "an unknown message", method: "POST", path: tap, body: `{"message_id":"wamid.nope","button":0}`, status: 400,
			want: map[string]string{"error.code": "invalid_value"}},
		{name: "no message", method: "POST", path: tap, body: `{"button":0}`, status: 400,
			want: map[string]string{"error.code": "required_parameter"}},
	})
}

// TestTapBeforeDelivery: a message held for an offline phone has not reached
// it, so nothing on it can be tapped yet.
func TestTapBeforeDelivery(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	if _, err := s.p.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: "15550003000", Behaviour: wabi.Behaviour{Offline: true}}); err != nil {
		t.Fatal(err)
	}
	id := s.mustSendTemplate(t, "15550003000")
	s.waitStatus(t, id, wabi.StatusSent)
	r := s.do(t, "POST", "/api/phones/15550003000/tap", `{"message_id":"`+id+`","button":0}`, nil)
	if r.status != 400 || r.str("error.code") != "invalid_value" {
		t.Errorf("tap before delivery: %d %s", r.status, r.raw)
	}
}
