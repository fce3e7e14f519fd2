package controlapi

import (
	"strings"
	"testing"
)

// TestPhoneSendValidation: what a virtual phone sends passes the platform's one
// validation of message objects, as a business's sends do, so the control API
// refuses what the Cloud API refuses: a pin at latitude -1000, media with both
// an id and a link, a reaction in words. Nothing refused is stored.
func TestPhoneSendValidation(t *testing.T) {
	s := mustStack(t, "")
	vars := s.vars()
	send := "/api/phones/{customer}/messages"
	msg := func(rest string) string { return `{"to":"{phone_number}",` + rest + `}` }
	refused := func(name, body, code, says string) step {
		return step{name: name, method: "POST", path: send, body: msg(body), status: 400,
			want: map[string]string{"error.code": code},
			then: func(t *testing.T, _ *stack, r response, _ map[string]string) {
				if !strings.Contains(r.str("error.message"), says) {
					t.Errorf("message %q does not say %q", r.str("error.message"), says)
				}
			}}
	}
	s.run(t, vars, []step{
		refused("latitude out of range", `"type":"location","location":{"latitude":-1000,"longitude":13.4}`,
			"invalid_value", "location['latitude'] must be a number between -90 and 90"),
		refused("longitude out of range", `"type":"location","location":{"latitude":52.5,"longitude":"500"}`,
			"invalid_value", "location['longitude']"),
		refused("location without longitude", `"type":"location","location":{"latitude":52.5}`,
			"required_parameter", "location['longitude']"),
		refused("media with id and link", `"type":"image","image":{"id":"1","link":"https://example.com/a.png"}`,
			"invalid_parameter", "either id or link"),
		refused("media link that is not http", `"type":"document","document":{"link":"file:///etc/passwd"}`,
			"invalid_value", "document['link']"),
		refused("caption on a sticker", `"type":"sticker","sticker":{"id":"1","caption":"hi"}`,
			"invalid_parameter", "sticker['caption']"),
		refused("a contact without a name", `"type":"contacts","contacts":[{"phones":[{"phone":"+1 555 0100"}]}]`,
			"required_parameter", "contacts[0]['name']"),
		refused("a birthday that is not a date", `"type":"contacts","contacts":[{"name":{"formatted_name":"Ann"},"birthday":"soon"}]`,
			"invalid_value", "birthday"),
		refused("a reaction in words", `"type":"reaction","reaction":{"message_id":"wamid.x","emoji":"thumbs up"}`,
			"invalid_parameter", "reaction['emoji']"),
		refused("a second object", `"type":"text","text":{"body":"hi"},"location":{"latitude":1,"longitude":1}`,
			"invalid_parameter", "location is not allowed on a message of type text"),
		refused("a button reply title longer than a button's", `"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"y","title":"`+strings.Repeat("y", 21)+`"}}`,
			"invalid_parameter", "button_reply']['title'] must be at most 20"),
		refused("a list reply without id", `"type":"interactive","interactive":{"type":"list_reply","list_reply":{"title":"Row"}}`,
			"required_parameter", "list_reply']['id']"),
		refused("a flow answer that is not JSON", `"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"{oops"}}`,
			"invalid_value", "response_json"),
		refused("an interactive type a consumer does not send", `"type":"interactive","interactive":{"type":"button","button_reply":{"id":"y","title":"Y"}}`,
			"invalid_parameter", "interactive['type'] must be one of button_reply, list_reply, nfm_reply"),
		refused("a quick-reply tap without payload", `"type":"button","button":{"text":"Stop"}`,
			"required_parameter", "button['payload']"),
		refused("a reply to nothing", `"type":"text","text":{"body":"hi"},"context":{}`,
			"required_parameter", "context['message_id']"),
		{name: "nothing refused was stored", method: "GET", path: "/api/messages?wa_id={customer}", status: 200,
			want: map[string]string{"data.#": "0"}},
		{name: "a text longer than a business may send is a consumer's right", method: "POST", path: send,
			body: msg(`"type":"text","text":{"body":"` + strings.Repeat("a", 5000) + `"}`), status: 201},
		{name: "a pin on the edge of the map is fine", method: "POST", path: send,
			body: msg(`"type":"location","location":{"latitude":-90,"longitude":180}`), status: 201},
	})
}
