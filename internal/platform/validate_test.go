package platform

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// validateCase is one message part of a Cloud API send request and what
// ValidateOutbound says about it. An empty code means the message is valid.
type validateCase struct {
	name string
	body string
	code wabi.Code
	msg  string // a substring of the error message
}

// validateCases gathers every table, so that the fuzz test is seeded with all of them.
func validateCases() [][]validateCase {
	return [][]validateCase{
		validateEnvelopeCases(), validateTextCases(), validateMediaCases(), validateLocationCases(), validateContactsCases(),
		validateReactionCases(), validateInteractiveCases(), validateActionCases(), validateTemplateCases(),
	}
}

func TestValidateOutbound(t *testing.T) {
	for _, cases := range validateCases() {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				err := ValidateOutbound(mustDecodeSend(t, c.body))
				if c.code == "" {
					if err != nil {
						t.Fatalf("want valid, got %v", err)
					}
					return
				}
				e := wabi.AsError(err)
				if e == nil {
					t.Fatalf("want %s containing %q, got %v", c.code, c.msg, err)
				}
				if e.Code != c.code || !strings.Contains(e.Message, c.msg) {
					t.Fatalf("want %s containing %q,\ngot  %s: %s", c.code, c.msg, e.Code, e.Message)
				}
			})
		}
	}
}

func TestValidateOutboundNil(t *testing.T) {
	if code := wabi.ErrorCode(ValidateOutbound(nil)); code != wabi.EInternal {
		t.Fatalf("nil message: want %s, got %q", wabi.EInternal, code)
	}
}

// FuzzValidateOutbound checks that no decodable message makes the validator panic,
// and that every refusal is a domain error that names what is wrong.
func FuzzValidateOutbound(f *testing.F) {
	for _, cases := range validateCases() {
		for _, c := range cases {
			f.Add(c.body)
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		var m wabi.Message
		if json.Unmarshal([]byte(body), &m) != nil {
			return
		}
		err := ValidateOutbound(&m)
		if err == nil {
			return
		}
		var e *wabi.Error
		if !errors.As(err, &e) || e.Code == wabi.EInternal || e.Message == "" {
			t.Fatalf("want a caller's-fault *wabi.Error, got %#v", err)
		}
	})
}

// mustDecodeSend decodes the message part of a send request body.
func mustDecodeSend(t *testing.T, body string) *wabi.Message {
	t.Helper()
	var m wabi.Message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return &m
}

func validateEnvelopeCases() []validateCase {
	return []validateCase{
		{name: "type defaults to text", body: `{"text":{"body":"hi"}}`},
		{name: "button is inbound only", body: `{"type":"button","button":{"payload":"p","text":"t"}}`,
			code: wabi.EUnsupportedType, msg: `Unsupported message type "button"`},
		{name: "unknown type", body: `{"type":"poll","poll":{}}`,
			code: wabi.EUnsupportedType, msg: `Unsupported message type "poll"`},
		{name: "object named by type missing", body: `{"type":"image"}`,
			code: wabi.ERequired, msg: "The parameter image is required."},
		{name: "second type object", body: `{"type":"text","text":{"body":"hi"},"image":{"id":"1"}}`,
			code: wabi.EInvalidParam, msg: "Param image is not allowed on a message of type text"},
		{name: "empty contacts next to text", body: `{"type":"text","text":{"body":"hi"},"contacts":[]}`,
			code: wabi.EInvalidParam, msg: "Param contacts is not allowed"},
		{name: "inbound button object next to text", body: `{"type":"text","text":{"body":"hi"},"button":{"payload":"p"}}`,
			code: wabi.EInvalidParam, msg: "Param button is not allowed"},
		{name: "reply with context", body: `{"type":"text","text":{"body":"hi"},"context":{"message_id":"wamid.HBgL"}}`},
		{name: "context without message id", body: `{"type":"text","text":{"body":"hi"},"context":{}}`,
			code: wabi.ERequired, msg: "The parameter context['message_id'] is required."},
		{name: "callback data of 512 characters", body: `{"type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"` + strings.Repeat("é", 512) + `"}`},
		{name: "callback data of 513 characters", body: `{"type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"` + strings.Repeat("a", 513) + `"}`,
			code: wabi.EInvalidParam, msg: "Param biz_opaque_callback_data must be at most 512 characters long"},
	}
}

func validateTextCases() []validateCase {
	return []validateCase{
		{name: "spec 2.4 text", body: `{ "messaging_product": "whatsapp", "to": "+16505551234", "type": "text",
  "text": { "body": "Order shipped: https://example.com/t/123", "preview_url": true } }`},
		{name: "text with markdown", body: "{\"type\":\"text\",\"text\":{\"body\":\"*bold* _it_ ~s~ ```code```\"}}"},
		{name: "text object missing", body: `{"type":"text"}`,
			code: wabi.ERequired, msg: "The parameter text is required."},
		{name: "text body missing", body: `{"type":"text","text":{"preview_url":true}}`,
			code: wabi.ERequired, msg: "The parameter text['body'] is required."},
		{name: "text body of 4096 characters", body: `{"type":"text","text":{"body":"` + strings.Repeat("é", 4096) + `"}}`},
		{name: "text body of 4097 characters", body: `{"type":"text","text":{"body":"` + strings.Repeat("a", 4097) + `"}}`,
			code: wabi.EInvalidParam, msg: "Param text['body'] must be at most 4096 characters long (got 4097)."},
	}
}

func validateMediaCases() []validateCase {
	return []validateCase{
		{name: "spec 2.5 document", body: `{ "messaging_product": "whatsapp", "to": "16505551234", "type": "document",
  "document": { "id": "1013859600285441", "caption": "Invoice 7731", "filename": "invoice-7731.pdf" } }`},
		{name: "spec 2.5 image", body: `{ "messaging_product": "whatsapp", "to": "16505551234", "type": "image",
  "image": { "link": "https://cdn.example.com/p/42.jpg", "caption": "New arrivals" } }`},
		{name: "audio by id", body: `{"type":"audio","audio":{"id":"42"}}`},
		{name: "video by http link", body: `{"type":"video","video":{"link":"http://cdn.example.com/v.mp4","caption":"clip"}}`},
		{name: "sticker by id", body: `{"type":"sticker","sticker":{"id":"7"}}`},
		{name: "upper-case scheme", body: `{"type":"image","image":{"link":"HTTPS://CDN.EXAMPLE.COM/A.JPG"}}`},
		{name: "media without id or link", body: `{"type":"image","image":{"caption":"x"}}`,
			code: wabi.ERequired, msg: "The parameter image['id'] or image['link'] is required."},
		{name: "media with id and link", body: `{"type":"video","video":{"id":"1","link":"https://e.com/v.mp4"}}`,
			code: wabi.EInvalidParam, msg: "Param video must have either id or link, not both."},
		{name: "ftp link", body: `{"type":"document","document":{"link":"ftp://e.com/a.pdf"}}`,
			code: wabi.EInvalidValue, msg: "Param document['link'] must be an absolute http or https URL"},
		{name: "relative link", body: `{"type":"image","image":{"link":"/p/42.jpg"}}`,
			code: wabi.EInvalidValue, msg: "Param image['link'] must be an absolute http or https URL"},
		{name: "link without host", body: `{"type":"image","image":{"link":"https:///p.jpg"}}`,
			code: wabi.EInvalidValue, msg: "image['link']"},
		{name: "caption of 1024 characters", body: `{"type":"image","image":{"id":"1","caption":"` + strings.Repeat("é", 1024) + `"}}`},
		{name: "caption of 1025 characters", body: `{"type":"image","image":{"id":"1","caption":"` + strings.Repeat("a", 1025) + `"}}`,
			code: wabi.EInvalidParam, msg: "Param image['caption'] must be at most 1024 characters long"},
		{name: "audio caption", body: `{"type":"audio","audio":{"id":"1","caption":"listen"}}`,
			code: wabi.EInvalidParam, msg: "Param audio['caption'] is not allowed on audio messages."},
		{name: "sticker caption", body: `{"type":"sticker","sticker":{"id":"1","caption":"hi"}}`,
			code: wabi.EInvalidParam, msg: "Param sticker['caption'] is not allowed on sticker messages."},
		{name: "image filename", body: `{"type":"image","image":{"id":"1","filename":"a.jpg"}}`,
			code: wabi.EInvalidParam, msg: "Param image['filename'] is not allowed on image messages"},
	}
}

func validateLocationCases() []validateCase {
	return []validateCase{
		{name: "spec 2.6 location", body: `{ "messaging_product": "whatsapp", "to": "16505551234", "type": "location",
  "location": { "latitude": 37.4847, "longitude": -122.1486, "name": "Meta HQ", "address": "1 Hacker Way, Menlo Park, CA 94025" } }`},
		{name: "coordinates as strings", body: `{"type":"location","location":{"latitude":"37.48","longitude":"-122.14"}}`},
		{name: "coordinates at the limits", body: `{"type":"location","location":{"latitude":-90,"longitude":180}}`},
		{name: "location object missing", body: `{"type":"location"}`,
			code: wabi.ERequired, msg: "The parameter location is required."},
		{name: "latitude missing", body: `{"type":"location","location":{"longitude":1}}`,
			code: wabi.ERequired, msg: "The parameter location['latitude'] is required."},
		{name: "longitude missing", body: `{"type":"location","location":{"latitude":1}}`,
			code: wabi.ERequired, msg: "The parameter location['longitude'] is required."},
		{name: "latitude out of range", body: `{"type":"location","location":{"latitude":90.5,"longitude":1}}`,
			code: wabi.EInvalidValue, msg: "Param location['latitude'] must be a number between -90 and 90."},
		{name: "longitude out of range", body: `{"type":"location","location":{"latitude":1,"longitude":"-180.5"}}`,
			code: wabi.EInvalidValue, msg: "Param location['longitude'] must be a number between -180 and 180."},
		{name: "latitude not a number", body: `{"type":"location","location":{"latitude":"NaN","longitude":1}}`,
			code: wabi.EInvalidValue, msg: "location['latitude']"},
	}
}

func validateContactsCases() []validateCase {
	card := `{"name":{"formatted_name":"Ana"}}`
	cards := func(n int) string {
		return `{"type":"contacts","contacts":[` + strings.TrimSuffix(strings.Repeat(card+",", n), ",") + `]}`
	}
	return []validateCase{
		{name: "spec 2.7 contacts", body: `{ "messaging_product": "whatsapp", "to": "16505551234", "type": "contacts",
  "contacts": [ {
    "name": { "formatted_name": "Ana Silva", "first_name": "Ana", "last_name": "Silva" },
    "phones": [ { "phone": "+1 650 555 1234", "type": "WORK", "wa_id": "16505551234" } ],
    "emails": [ { "email": "ana@example.com", "type": "WORK" } ],
    "addresses": [ { "street": "1 Hacker Way", "city": "Menlo Park", "state": "CA", "zip": "94025",
                     "country": "United States", "country_code": "us", "type": "WORK" } ],
    "org": { "company": "Example", "department": "Sales", "title": "Manager" },
    "urls": [ { "url": "https://example.com", "type": "WORK" } ],
    "birthday": "1990-05-17" } ] }`},
		{name: "257 cards", body: cards(257)},
		{name: "258 cards", body: cards(258),
			code: wabi.EInvalidParam, msg: "Param contacts must have between 1 and 257 items."},
		{name: "no cards", body: `{"type":"contacts","contacts":[]}`,
			code: wabi.ERequired, msg: "The parameter contacts is required."},
		{name: "contacts missing", body: `{"type":"contacts"}`,
			code: wabi.ERequired, msg: "The parameter contacts is required."},
		{name: "card without name", body: `{"type":"contacts","contacts":[{"phones":[{"phone":"+1 650 555 1234"}]}]}`,
			code: wabi.ERequired, msg: "The parameter contacts[0]['name'] is required."},
		{name: "card without formatted name", body: `{"type":"contacts","contacts":[` + card + `,{"name":{"first_name":"Bo"}}]}`,
			code: wabi.ERequired, msg: "The parameter contacts[1]['name']['formatted_name'] is required."},
		{name: "birthday not ISO", body: `{"type":"contacts","contacts":[{"name":{"formatted_name":"Ana"},"birthday":"17/05/1990"}]}`,
			code: wabi.EInvalidValue, msg: "Param contacts[0]['birthday'] must be a date in YYYY-MM-DD format"},
		{name: "birthday not a day", body: `{"type":"contacts","contacts":[{"name":{"formatted_name":"Ana"},"birthday":"1990-02-30"}]}`,
			code: wabi.EInvalidValue, msg: "contacts[0]['birthday']"},
	}
}

func validateReactionCases() []validateCase {
	reaction := func(emoji string) string {
		return `{"type":"reaction","reaction":{"message_id":"wamid.HBgL","emoji":"` + emoji + `"}}`
	}
	return []validateCase{
		{name: "spec 2.10 reaction", body: `{ "messaging_product": "whatsapp", "to": "16505551234", "type": "reaction",
  "reaction": { "message_id": "wamid.HBgL...", "emoji": "\uD83D\uDE00" } }`},
		{name: "reaction removed", body: reaction("")},
		{name: "skin tone", body: reaction("👍🏽")},
		{name: "family sequence", body: reaction("👩‍👩‍👧‍👦")},
		{name: "couple with two skin tones", body: reaction("👩🏻‍❤️‍💋‍👨🏼")},
		{name: "flag", body: reaction("🇧🇷")},
		{name: "keycap", body: reaction("1️⃣")},
		{name: "heart with variation selector", body: reaction("❤️")},
		{name: "reaction object missing", body: `{"type":"reaction"}`,
			code: wabi.ERequired, msg: "The parameter reaction is required."},
		{name: "reaction without message id", body: `{"type":"reaction","reaction":{"emoji":"👍"}}`,
			code: wabi.ERequired, msg: "The parameter reaction['message_id'] is required."},
		{name: "word as emoji", body: reaction("ok"),
			code: wabi.EInvalidParam, msg: `Param reaction['emoji'] must be a single emoji, or empty to remove a reaction (got "ok").`},
		{name: "bare digit", body: reaction("1"), code: wabi.EInvalidParam, msg: "reaction['emoji']"},
		{name: "emoji and space", body: reaction("😀 "), code: wabi.EInvalidParam, msg: "reaction['emoji']"},
		{name: "non-ASCII letter", body: reaction("é"), code: wabi.EInvalidParam, msg: "reaction['emoji']"},
		{name: "eleven emoji", body: reaction(strings.Repeat("😀", 11)), code: wabi.EInvalidParam, msg: "reaction['emoji']"},
	}
}
