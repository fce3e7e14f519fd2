package cloudapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/controlapi"
	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// mustSubmit creates a template through the Graph API and returns its id.
func (s *stack) mustSubmit(body string) string {
	s.t.Helper()
	status, resp := s.call("POST", "/v23.0/"+s.demo.WABA.ID+"/message_templates", s.demo.Token.Value, body)
	var created struct{ ID, Status string }
	if status != 200 || json.Unmarshal(resp, &created) != nil || created.Status != wabi.TemplatePending {
		s.t.Fatalf("create template: %d %s", status, resp)
	}
	return created.ID
}

// templateDeliveries counts the template webhooks committed so far.
func (s *stack) templateDeliveries() int {
	s.t.Helper()
	ds, err := s.store.Deliveries(context.Background(), wabi.DeliveryFilter{Limit: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, d := range ds {
		if strings.HasPrefix(d.Event, "template.") {
			n++
		}
	}
	return n
}

// TestTemplateReviewWebhooks follows submitted templates through the default
// review: nothing happens before the delay; then each is approved, rejected
// with its reason or re-categorised, and the app hears of it.
func TestTemplateReviewWebhooks(t *testing.T) {
	s := mustTemplateStack(t, time.Minute)
	good := s.mustSubmit(bodyWith("parcel_sent", `{"type":"BODY","text":"Your parcel {{1}} left our warehouse today.","example":{"body_text":[["7731"]]}}`))
	adjacent := s.mustSubmit(bodyWith("full_name", `{"type":"BODY","text":"Dear customer {{1}} {{2}}, your parcel left today.","example":{"body_text":[["Ana","Silva"]]}}`))
	salesy := s.mustSubmit(strings.Replace(bodyWith("thanks_coupon", `{"type":"BODY","text":"Thanks for your order! Use a coupon on the next one."}`),
		`"category":"UTILITY"`, `"category":"UTILITY","allow_category_change":true`, 1))
	salesyStrict := s.mustSubmit(bodyWith("thanks_discount", `{"type":"BODY","text":"Thanks for your order! Enjoy 10% off the next one."}`))
	auth := s.mustSubmit(authCode)

	s.clock.Advance(59 * time.Second)
	if n := s.templateDeliveries(); n != 0 {
		t.Fatalf("%d template webhooks before the review delay", n)
	}
	s.clock.Advance(time.Second)
	hooks := s.waitTemplateHooks(6)
	reviewed := s.clock.Now().Unix()

	tests := []struct {
		id, event, reason, category string
		rejectionInfo               bool
	}{
		{good, wabi.TemplateApproved, "NONE", "UTILITY", false},
		{adjacent, wabi.TemplateRejected, "INVALID_FORMAT", "UTILITY", true},
		{salesy, wabi.TemplateApproved, "NONE", "MARKETING", false},
		{salesyStrict, wabi.TemplateRejected, "INCORRECT_CATEGORY", "UTILITY", true},
		{auth, wabi.TemplateApproved, "NONE", "AUTHENTICATION", false},
	}
	for _, tt := range tests {
		h, ok := hookAbout(hooks, wabi.FieldMessageTemplateStatusUpdate, tt.id)
		if !ok {
			t.Errorf("no status webhook about %s", tt.id)
			continue
		}
		if h.str("event") != tt.event || h.str("reason") != tt.reason || h.str("message_template_category") != tt.category {
			t.Errorf("template %s: webhook %s", tt.id, h.Body)
		}
		if _, has := h.Value["rejection_info"]; has != tt.rejectionInfo {
			t.Errorf("template %s: rejection_info present = %v: %s", tt.id, has, h.Body)
		}
		if _, isNumber := h.Value["message_template_id"].(json.Number); !isNumber || h.Time != reviewed || h.WABA != s.demo.WABA.ID {
			t.Errorf("template %s: id, time or WABA of %s (time want %d)", tt.id, h.Body, reviewed)
		}
		status, body := s.call("GET", "/v23.0/"+tt.id+"?fields=status,category,rejected_reason", s.demo.Token.Value, "")
		var got struct {
			Status, Category string
			RejectedReason   string `json:"rejected_reason"`
		}
		if status != 200 || json.Unmarshal(body, &got) != nil || got.Status != tt.event || got.Category != tt.category || got.RejectedReason != tt.reason {
			t.Errorf("template %s after review: %d %s", tt.id, status, body)
		}
	}
	h, ok := hookAbout(hooks, wabi.FieldTemplateCategoryUpdate, salesy)
	if !ok || h.str("previous_category") != "UTILITY" || h.str("new_category") != "MARKETING" {
		t.Errorf("category webhook of the re-categorised template: %+v", h)
	}

	// Fixed and submitted again, the rejected template goes back to review and
	// passes.
	status, body := s.call("POST", "/v23.0/"+adjacent, s.demo.Token.Value,
		`{"components":[{"type":"BODY","text":"Dear customer {{1}}, your parcel {{2}} left today.","example":{"body_text":[["Ana","7731"]]}}]}`)
	if status != 200 {
		t.Fatalf("edit: %d %s", status, body)
	}
	hooks = s.waitTemplateHooks(7)
	if h := hooks[6]; h.str("event") != wabi.TemplatePending || h.str("message_template_id") != adjacent {
		t.Errorf("after the edit: %s", h.Body)
	}
	s.clock.Advance(time.Minute)
	hooks = s.waitTemplateHooks(8)
	if h := hooks[7]; h.str("event") != wabi.TemplateApproved || h.str("message_template_id") != adjacent {
		t.Errorf("after the second review: %s", h.Body)
	}
}

// TestTemplateReviewsSurviveRestart: a template pending when wabi stops is
// reviewed by the next start, when its delay is up.
func TestTemplateReviewsSurviveRestart(t *testing.T) {
	s := mustTemplateStackIdle(t, time.Hour)
	stopFirst := startReviews(t, s.p)
	id := s.mustSubmit(bodyWith("restart_note", `{"type":"BODY","text":"A note that waits for review."}`))
	s.clock.Advance(30 * time.Minute)
	stopFirst()

	// A second platform over the same store stands for wabi after a restart. It
	// draws ids as another node would, so that they do not collide with the
	// first one's on the same clock.
	ids := wabi.NewIDGen(s.clock)
	ids.Node = 1
	p2 := platform.New(s.store, s.net, s.clock, ids)
	p2.Encoders = s.p.Encoders
	p2.Webhooks = s.engine
	p2.TemplateReviewDelay = time.Hour
	t.Cleanup(startReviews(t, p2))

	status := func() string {
		tpl, err := s.store.Template(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return tpl.Status
	}
	s.clock.Advance(29 * time.Minute)
	if got := status(); got != wabi.TemplatePending {
		t.Fatalf("status %s before the delay is up", got)
	}
	s.clock.Advance(time.Minute)
	waitFor(t, "the review after the restart", func() bool { return status() == wabi.TemplateApproved })
	if h := s.waitTemplateHooks(1)[0]; h.str("event") != wabi.TemplateApproved || h.str("message_template_id") != id {
		t.Errorf("webhook %s", h.Body)
	}
	if n := s.templateDeliveries(); n != 1 {
		t.Errorf("%d template webhooks, want 1: the stopped platform must not review", n)
	}
}

// TestTemplateEndToEnd is the whole story: a template created through Graph is
// approved (the app hears it), sent with parameters, shown on the phone as
// rendered, and its quick-reply button tapped, which the business hears as a
// button message quoting the template.
func TestTemplateEndToEnd(t *testing.T) {
	s := mustTemplateStack(t, 5*time.Second)
	ctl := (&controlapi.API{Platform: s.p, Sim: s.net, Webhooks: s.engine}).Handler()
	control := func(method, path, body string) (int, []byte) {
		rec := httptest.NewRecorder()
		ctl.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec.Code, rec.Body.Bytes()
	}

	id := s.mustSubmit(`{"name":"order_shipped","language":"en_US","category":"UTILITY","components":[
		{"type":"HEADER","format":"TEXT","text":"Order {{1}}","example":{"header_text":["7731"]}},
		{"type":"BODY","text":"Hi {{1}}, your order {{2}} has shipped.","example":{"body_text":[["Ana","7731"]]}},
		{"type":"FOOTER","text":"Thanks for shopping with us"},
		{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop updates"},{"type":"QUICK_REPLY","text":"Talk to us"},
			{"type":"URL","text":"Track","url":"https://example.com/t/{{1}}","example":["https://example.com/t/7731"]}]}]}`)
	s.clock.Advance(5 * time.Second)
	if h := s.waitTemplateHooks(1)[0]; h.Field != wabi.FieldMessageTemplateStatusUpdate || h.str("event") != wabi.TemplateApproved || h.str("message_template_id") != id {
		t.Fatalf("approval webhook: %s", h.Body)
	}

	status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value, `{"messaging_product":"whatsapp",
		"to":"`+platform.DemoCustomerNumber+`","type":"template","template":{"name":"order_shipped","language":{"code":"en_US"},"components":[
		{"type":"header","parameters":[{"type":"text","text":"7731"}]},
		{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"7731"}]},
		{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"STOP_7731"}]},
		{"type":"button","sub_type":"url","index":"2","parameters":[{"type":"text","text":"7731"}]}]}}`)
	if status != 200 {
		t.Fatalf("send: %d %s", status, body)
	}
	wamid := sentID(t, body)
	s.waitEvents(wamid, 3) // sent, delivered, read: the demo phone reads at once

	status, body = control("GET", "/api/phones/"+platform.DemoCustomerNumber+"/messages?phone_number_id="+s.demo.Phone.ID, "")
	var chat struct {
		Data []wabi.Message `json:"data"`
	}
	if status != 200 || json.Unmarshal(body, &chat) != nil || len(chat.Data) == 0 || chat.Data[0].ID != wamid {
		t.Fatalf("chat: %d %s", status, body)
	}
	want := &wabi.RenderedOffer{Header: "Order 7731", Body: "Hi Ana, your order 7731 has shipped.", Footer: "Thanks for shopping with us",
		Buttons: []string{"Stop updates", "Talk to us", "Track"}}
	if got := chat.Data[0].Rendered; !reflect.DeepEqual(got, want) {
		t.Errorf("the phone shows %+v, want %+v", got, want)
	}

	taps := []struct {
		button          int
		status          int
		payload, text   string
		inboundMessages int
	}{
		{0, http.StatusCreated, "STOP_7731", "Stop updates", 1},
		{1, http.StatusCreated, "Talk to us", "Talk to us", 2},
		{2, http.StatusBadRequest, "", "", 2},
	}
	for _, tap := range taps {
		status, body := control("POST", "/api/phones/"+platform.DemoCustomerNumber+"/tap", `{"message_id":"`+wamid+`","button":`+itoa(tap.button)+`}`)
		if status != tap.status {
			t.Fatalf("tap %d: %d %s", tap.button, status, body)
		}
		if status != http.StatusCreated {
			if !strings.Contains(string(body), "URL button") {
				t.Errorf("tap on the URL button: %s", body)
			}
			continue
		}
		in := s.waitInbound(tap.inboundMessages)[tap.inboundMessages-1]
		if in.Type != "button" || in.Button.Payload != tap.payload || in.Button.Text != tap.text || in.Context.ID != wamid || in.Context.From != platform.DemoBusinessNumber {
			t.Errorf("tap %d: the business got %+v", tap.button, in)
		}
	}
}

// inboundHook is the part of an inbound message webhook the tap story reads.
type inboundHook struct {
	ID, Type string
	Button   struct{ Payload, Text string }
	Context  struct{ From, ID string }
}

// waitInbound waits for n inbound message webhooks and returns them in order.
func (s *stack) waitInbound(n int) []inboundHook {
	s.t.Helper()
	var got []inboundHook
	waitFor(s.t, "inbound message webhooks", func() bool {
		got = nil
		s.receiver.mu.Lock()
		defer s.receiver.mu.Unlock()
		for _, h := range s.receiver.hooks {
			var env struct {
				Entry []struct {
					Changes []struct {
						Value struct{ Messages []inboundHook }
					}
				}
			}
			if json.Unmarshal(h.body, &env) == nil && len(env.Entry) > 0 && len(env.Entry[0].Changes) > 0 {
				got = append(got, env.Entry[0].Changes[0].Value.Messages...)
			}
		}
		return len(got) >= n
	})
	return got
}

// TestTemplateHeaderMedia: a media header takes media of its kind and format,
// checked on uploaded media at once.
func TestTemplateHeaderMedia(t *testing.T) {
	s := mustTemplateStack(t, -1)
	ctx := context.Background()
	n := newNames(s)
	for _, format := range []string{"IMAGE", "DOCUMENT"} {
		if _, err := s.p.CreateTemplate(ctx, &wabi.Template{WABAID: s.demo.WABA.ID, Name: "with_" + strings.ToLower(format), Language: "en",
			Category: wabi.CategoryUtility, Components: []wabi.TemplateComponent{{Type: "HEADER", Format: format}, {Type: "BODY", Text: "See above."}}}); err != nil {
			t.Fatal(err)
		}
	}
	png := s.mustUpload(pngBytes(t), "image/png")
	n.add(png, "MEDIA_ID")
	send := func(name, kind string) (int, []byte) {
		return s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value, `{"messaging_product":"whatsapp","to":"`+platform.DemoCustomerNumber+
			`","type":"template","template":{"name":"`+name+`","language":{"code":"en"},"components":[{"type":"header","parameters":[{"type":"`+kind+`","`+kind+`":{"id":"`+png+`"}}]}]}}`)
	}
	status, body := send("with_document", "document")
	if status != 400 {
		t.Errorf("a PNG as a document header: %d %s", status, body)
	}
	golden.Assert(t, "testdata/templates/send_png_as_document_header.json", n.normalize(body))
	status, body = send("with_image", "document")
	if status != 400 || !strings.Contains(string(body), "132012") {
		t.Errorf("a document parameter for an image header: %d %s", status, body)
	}
	status, body = send("with_image", "image")
	if status != 200 {
		t.Fatalf("a PNG as an image header: %d %s", status, body)
	}
	m, err := s.store.Message(ctx, sentID(t, body))
	if err != nil {
		t.Fatal(err)
	}
	if m.Rendered == nil || m.Rendered.Header != "[image]" || m.Template.Components[0].Parameters[0].Image.MimeType != "image/png" {
		t.Errorf("sent %+v rendered as %+v", m.Template, m.Rendered)
	}
}
