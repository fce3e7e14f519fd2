package controlapi

import (
	"context"
	"fmt"
	"image/color"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestPhoneSends has a virtual phone write to the business number in every
// inbound type.
func TestPhoneSends(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	vars := s.vars()
	links := mustLinkServer(t, map[string]linkFile{
		"/cat.png": {"image/png", mustPNG(t, color.NRGBA{G: 160, A: 255})},
		"/a.pdf":   {"application/pdf", []byte(pdf)},
	})
	vars["links"] = links.URL
	vars["voice"] = s.mustUpload(t, vars["customer"], vars["phone_number"], "audio/ogg", oggOpus(1))
	vars["sticker"] = s.mustUpload(t, vars["customer"], vars["phone_number"], "image/webp", webpSticker(true))
	s.run(t, vars, []step{
		{name: "text", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"text","text":{"body":"hi there"}}`, status: 201,
			want: map[string]string{"direction": "inbound", "status": "received", "text.body": "hi there",
				"wa_id": "{customer}", "phone_number_id": "{phone_number}", "timestamp": "2026-03-01T12:00:00Z"},
			save: map[string]string{"first": "id"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				last, err := s.store.Window(ctx, vars["phone_number"], vars["customer"])
				if err != nil || !last.Equal(start) {
					t.Errorf("window: last inbound %v (%v), want %v", last, err, start)
				}
				if !strings.HasPrefix(vars["first"], "wamid.") || wabi.WaIDOfWAMID(vars["first"]) != vars["customer"] {
					t.Errorf("id %q is not a wamid of the customer's chat", vars["first"])
				}
			}},
		{name: "the message is listed", method: "GET", path: "/api/messages?phone_number_id={phone_number}&direction=inbound", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{first}", "next_before": "-"}},
		{name: "one message by id", method: "GET", path: "/api/messages/{first}", status: 200,
			want: map[string]string{"id": "{first}", "text.body": "hi there"}},
		{name: "a message that does not exist", method: "GET", path: "/api/messages/wamid.nothing", status: 404,
			want: map[string]string{"error.code": "not_found"}},
		{name: "its webhook is queued for the subscribed app", method: "GET", path: "/api/deliveries?message_id={first}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.event": "message", "data.0.target_id": "{app}", "data.0.body": "-"}},
		{name: "a reply quoting it", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"text","text":{"body":"also"},"context":{"message_id":"{first}"}}`, status: 201,
			want: map[string]string{"context.message_id": "{first}", "context.from": "15550001000"}},
		{name: "image by link", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"image","image":{"link":"{links}/cat.png","caption":"cat"}}`,
			status: 201, want: map[string]string{"image.id": "*", "image.link": "-", "image.mime_type": "image/png",
				"image.sha256": "*", "image.caption": "cat"}},
		{name: "voice note", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"audio","audio":{"id":"{voice}","voice":true}}`,
			status: 201, want: map[string]string{"audio.id": "{voice}", "audio.mime_type": "audio/ogg", "audio.voice": "true"}},
		{name: "document", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"document","document":{"link":"{links}/a.pdf","filename":"a.pdf"}}`,
			status: 201, want: map[string]string{"document.filename": "a.pdf", "document.mime_type": "application/pdf"}},
		{name: "animated sticker", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"sticker","sticker":{"id":"{sticker}"}}`,
			status: 201, want: map[string]string{"sticker.mime_type": "image/webp", "sticker.animated": "true"}},
		{name: "location with string coordinates", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"location","location":{"latitude":"52.52","longitude":13.405,"name":"Berlin"}}`,
			status: 201, want: map[string]string{"location.latitude": "52.52", "location.longitude": "13.405"}},
		{name: "contacts", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"contacts","contacts":[{"name":{"formatted_name":"Ann Lee"},"phones":[{"phone":"+1 555 0100","wa_id":"15550100"}]}]}`,
			status: 201, want: map[string]string{"contacts.0.name.formatted_name": "Ann Lee"}},
		{name: "button reply", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Yes"}}}`,
			status: 201, want: map[string]string{"interactive.button_reply.id": "yes"}},
		{name: "list reply", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r1","title":"Row","description":"first"}}}`,
			status: 201, want: map[string]string{"interactive.list_reply.description": "first"}},
		{name: "flow answer", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"name":"flow","response_json":"{\"ok\":true}"}}}`,
			status: 201, want: map[string]string{"interactive.nfm_reply.response_json": `{"ok":true}`}},
		{name: "template quick-reply button", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"button","button":{"payload":"STOP","text":"Stop promotions"}}`,
			status: 201, want: map[string]string{"button.payload": "STOP"}},
		{name: "reaction", method: "POST", path: "/api/phones/{customer}/messages",
			body:   `{"to":"{phone_number}","type":"reaction","reaction":{"message_id":"{first}","emoji":"👍"}}`,
			status: 201, want: map[string]string{"reaction.emoji": "👍"}},
		{name: "all of them are listed, newest first", method: "GET", path: "/api/messages?wa_id={customer}&limit=20", status: 200,
			want: map[string]string{"data.#": "13", "data.0.type": "reaction", "data.12.id": "{first}"}},
		{name: "a type a consumer cannot send", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"template","template":{"name":"x"}}`, status: 400,
			want: map[string]string{"error.code": "unsupported_type"}},
		{name: "a type without its object", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"text"}`, status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "no type", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","text":{"body":"hi"}}`, status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "no business number", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"type":"text","text":{"body":"hi"}}`, status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "a business number that does not exist", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"404","type":"text","text":{"body":"hi"}}`, status: 404, want: map[string]string{"error.code": "not_found"}},
		{name: "a phone that does not exist", method: "POST", path: "/api/phones/15559999999/messages",
			body: `{"to":"{phone_number}","type":"text","text":{"body":"hi"}}`, status: 404, want: map[string]string{"error.code": "not_found"}},
		{name: "a field messages do not have", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"text","text":{"body":"hi","bold":true}}`, status: 400,
			want: map[string]string{"error.code": "invalid_parameter", "error.message": `Unknown parameter "bold".`}},
		{name: "an offline phone cannot send", method: "PATCH", path: "/api/phones/{customer}", body: `{"behaviour":{"offline":true}}`, status: 200},
		{name: "so it is refused", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"text","text":{"body":"hi"}}`, status: 400, want: map[string]string{"error.code": "invalid_value"}},
	})
}

// TestTicks has the business send to phones of each behaviour and follows the
// ticks in the phone's chat.
func TestTicks(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	phones := []struct {
		waID, behaviour string
	}{
		{"15550003001", `{"auto_read":true}`},
		{"15550003002", `{"offline":true,"auto_read":true}`},
		{"15550003003", `{"not_on_whatsapp":true}`},
		{"15550003004", `{"auto_read":false}`},
	}
	for _, p := range phones {
		body := fmt.Sprintf(`{"wa_id":%q,"profile_name":"P","behaviour":%s}`, p.waID, p.behaviour)
		if res := s.do(t, "POST", "/api/phones", body, nil); res.status != http.StatusCreated {
			t.Fatalf("create phone %s: %d %s", p.waID, res.status, res.raw)
		}
	}
	vars := s.vars()
	for i, p := range phones {
		vars[fmt.Sprintf("p%d", i+1)] = p.waID
		vars[fmt.Sprintf("m%d", i+1)] = s.mustSendTemplate(t, p.waID)
	}
	s.waitStatus(t, vars["m1"], wabi.StatusRead)
	s.waitStatus(t, vars["m3"], wabi.StatusFailed)
	s.waitStatus(t, vars["m4"], wabi.StatusDelivered)
	waitFor(t, "the offline phone to hold its message", func() bool { return s.net.Held(vars["p2"]) == 1 })

	s.run(t, vars, []step{
		{name: "auto-read phone: read", method: "GET", path: "/api/phones/{p1}/messages?phone_number_id={phone_number}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{m1}", "data.0.status": "read", "data.0.direction": "outbound",
				"data.0.rendered.body": "Your order is ready.", "typing": "false"}},
		{name: "offline phone: held at sent", method: "GET", path: "/api/phones/{p2}/messages", status: 200,
			want: map[string]string{"data.0.status": "sent", "typing": "-"}},
		{name: "offline phone shows what it holds", method: "GET", path: "/api/phones/{p2}", status: 200,
			want: map[string]string{"held": "1"}},
		{name: "bring it online", method: "PATCH", path: "/api/phones/{p2}", body: `{"behaviour":{"offline":false}}`, status: 200,
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				s.waitStatus(t, vars["m2"], wabi.StatusRead)
				if n := s.net.Held(vars["p2"]); n != 0 {
					t.Errorf("still held: %d", n)
				}
			}},
		{name: "not on WhatsApp: failed with the reason", method: "GET", path: "/api/phones/{p3}/messages", status: 200,
			want: map[string]string{"data.0.status": "failed", "data.0.error.code": "not_on_whatsapp", "data.0.error.message": "*"}},
		{name: "phone that reads when told: delivered", method: "GET", path: "/api/phones/{p4}/messages", status: 200,
			want: map[string]string{"data.0.status": "delivered"}},
		{name: "it reads", method: "POST", path: "/api/phones/{p4}/read", body: `{"phone_number_id":"{phone_number}","message_ids":["{m4}"]}`,
			status: 200, want: map[string]string{"read": "1"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				if m := s.mustMessage(t, vars["m4"]); m.Status != wabi.StatusRead {
					t.Errorf("status %s after read, want read", m.Status)
				}
			}},
		{name: "reading again reads nothing", method: "POST", path: "/api/phones/{p4}/read", status: 200,
			want: map[string]string{"read": "0"}},
		{name: "read on a phone that does not exist", method: "POST", path: "/api/phones/15559999999/read", body: `{}`, status: 404},
		{name: "read from a number that does not exist", method: "POST", path: "/api/phones/{p4}/read",
			body: `{"phone_number_id":"404"}`, status: 404},
		{name: "status webhooks were queued", method: "GET", path: "/api/deliveries?message_id={m1}", status: 200,
			want: map[string]string{"data.#": "3", "data.0.event": "status.read", "data.2.event": "status.sent"}},
	})

	// A conversation: the customer writes, the business answers free-form inside
	// the window and marks the message read with the typing indicator.
	in := s.do(t, "POST", "/api/phones/"+vars["p1"]+"/messages",
		`{"to":"`+vars["phone_number"]+`","type":"text","text":{"body":"where is it?"}}`, nil)
	if in.status != http.StatusCreated {
		t.Fatalf("inbound: %d %s", in.status, in.raw)
	}
	if err := s.p.MarkRead(ctx, platform.Admin, "", vars["phone_number"], in.str("id"), true); err != nil {
		t.Fatalf("mark read: %v", err)
	}
	res, err := s.p.Send(ctx, platform.Admin, platform.SendRequest{PhoneNumberID: vars["phone_number"], To: vars["p1"],
		Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "on its way"}}}})
	if err != nil {
		t.Fatalf("reply: %v", err)
	}
	s.waitStatus(t, res.MessageID, wabi.StatusRead)
	s.run(t, vars, []step{
		{name: "the chat, newest first", method: "GET", path: "/api/phones/{p1}/messages?phone_number_id={phone_number}", status: 200,
			want: map[string]string{"data.#": "3", "data.0.text.body": "on its way", "data.0.status": "read",
				"data.1.direction": "inbound", "data.1.status": "read", "data.2.id": "{m1}"}},
		{name: "paged", method: "GET", path: "/api/phones/{p1}/messages?limit=2", status: 200,
			want: map[string]string{"data.#": "2", "next_before": "*"}, save: map[string]string{"next": "next_before"}},
		{name: "next page", method: "GET", path: "/api/phones/{p1}/messages?limit=2&before={next}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{m1}", "next_before": "-"}},
	})

	// Sending marks the end of typing; a new mark-read shows it again until 25 s pass.
	if err := s.p.MarkRead(ctx, platform.Admin, "", vars["phone_number"], in.str("id"), true); err != nil {
		t.Fatalf("mark read: %v", err)
	}
	s.run(t, vars, []step{{name: "typing", method: "GET", path: "/api/phones/{p1}/messages?phone_number_id={phone_number}&limit=1",
		status: 200, want: map[string]string{"typing": "true"}}})
	s.clock.Advance(26 * time.Second)
	s.run(t, vars, []step{{name: "typing ends", method: "GET", path: "/api/phones/{p1}/messages?phone_number_id={phone_number}&limit=1",
		status: 200, want: map[string]string{"typing": "false"}}})
}
