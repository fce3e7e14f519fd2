package cloudapi

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/wabi"
)

// The cast of the webhook stories: one business number, one consumer, two apps
// on either side of the v24 change.
var (
	whTime    = time.Date(2025, 6, 15, 23, 27, 53, 0, time.UTC) // 1750030073
	whWABA    = &wabi.WABA{ID: "102290129340398", Name: "Acme"}
	whPhone   = &wabi.PhoneNumber{ID: "106540352242922", WABAID: "102290129340398", DisplayPhoneNumber: "15550783881"}
	whAppV23  = &wabi.App{ID: "1234567890", APIVersion: "v23.0"}
	whAppV24  = &wabi.App{ID: "1234567891", APIVersion: "v24.0"}
	whInbound = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
	whQuoted  = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"
)

// inbound returns the event of a consumer's message with the given content.
func inbound(typ wabi.Type, c wabi.Content) *wabi.Event {
	return &wabi.Event{
		Field: wabi.FieldMessages, App: whAppV23, WABA: whWABA, Phone: whPhone,
		ProfileName: "Sheena Nelson",
		Message: &wabi.Message{
			ID: whInbound, PhoneNumberID: whPhone.ID, WaID: "16505551234",
			Direction: wabi.Inbound, Type: typ, Timestamp: whTime, Status: wabi.StatusReceived,
			Content: c,
		},
	}
}

// status returns the event of a status change of an outbound message.
func status(app *wabi.App, s wabi.Status, category string, err *wabi.Error) *wabi.Event {
	return &wabi.Event{
		Field: wabi.FieldMessages, App: app, WABA: whWABA, Phone: whPhone,
		Message: &wabi.Message{
			ID: whQuoted, PhoneNumberID: whPhone.ID, WaID: "16505551234",
			Direction: wabi.Outbound, Type: wabi.TypeText, Timestamp: whTime, Status: wabi.StatusAccepted,
			Category: category, ConversationID: "72b14d6bd5407799e66f64d1b338e567",
			Content: wabi.Content{Text: &wabi.Text{Body: "Your order shipped"}},
		},
		Status: &wabi.StatusUpdate{MessageID: whQuoted, Status: s, Timestamp: whTime.Add(7 * time.Second), Error: err},
	}
}

func with(e *wabi.Event, f func(*wabi.Event)) *wabi.Event { f(e); return e }

var (
	errWindow = wabi.Errorf(wabi.EOutsideWindow, "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
	errNotOn  = wabi.Errorf(wabi.ENotOnWhatsApp, "Message Undeliverable.")
	errRate   = wabi.Errorf(wabi.ERateLimit, "Message failed to send because there were too many messages sent from this phone number in a short period of time")
)

func TestWebhookEncoderGolden(t *testing.T) {
	media := func(caption string) *wabi.Media {
		return &wabi.Media{ID: "1479537139650973", Caption: caption, MimeType: "image/jpeg", SHA256: "HgOIDDAGc0p1KBBYZ+bVmgQY5VqGYGYsJ0ApGzUz8R0="}
	}
	tests := []struct {
		name  string
		event *wabi.Event
	}{
		{"inbound_text", inbound(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "Does it come in another color?"}})},
		{"inbound_text_reply", inbound(wabi.TypeText, wabi.Content{
			Context: &wabi.Context{MessageID: whQuoted, From: "15550783881"},
			Text:    &wabi.Text{Body: "Yes please"},
		})},
		{"inbound_text_reply_from_defaults_to_number", inbound(wabi.TypeText, wabi.Content{
			Context: &wabi.Context{MessageID: whQuoted},
			Text:    &wabi.Text{Body: "Yes please"},
		})},
		{"inbound_text_forwarded", inbound(wabi.TypeText, wabi.Content{
			Context: &wabi.Context{Forwarded: true},
			Text:    &wabi.Text{Body: "Look at this"},
		})},
		{"inbound_text_non_ascii", with(inbound(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "Olá! Ça coûte combien? 👍 <b>&</b>"}}),
			func(e *wabi.Event) { e.ProfileName = "Zoé Müller 🌸" })},
		{"inbound_image", inbound(wabi.TypeImage, wabi.Content{Image: media("Blue, size M")})},
		{"inbound_video", inbound(wabi.TypeVideo, wabi.Content{Video: &wabi.Media{ID: "1479537139650974", MimeType: "video/mp4", SHA256: "Zm9vYmFy"}})},
		{"inbound_sticker", inbound(wabi.TypeSticker, wabi.Content{Sticker: &wabi.Media{ID: "1479537139650975", MimeType: "image/webp", SHA256: "c3RpY2tlcg==", Animated: true}})},
		{"inbound_audio_voice", inbound(wabi.TypeAudio, wabi.Content{Audio: &wabi.Media{ID: "1479537139650976", MimeType: "audio/ogg; codecs=opus", SHA256: "dm9pY2U=", Voice: true}})},
		{"inbound_audio_file", inbound(wabi.TypeAudio, wabi.Content{Audio: &wabi.Media{ID: "1479537139650977", MimeType: "audio/mpeg", SHA256: "bXAz"}})},
		{"inbound_document", inbound(wabi.TypeDocument, wabi.Content{Document: &wabi.Media{ID: "1479537139650978", Caption: "Receipt", Filename: "receipt.pdf", MimeType: "application/pdf", SHA256: "cGRm"}})},
		{"inbound_location", inbound(wabi.TypeLocation, wabi.Content{Location: &wabi.Location{
			Latitude: wabi.F(37.44216251), Longitude: wabi.F(-122.16153582), Name: "Philz Coffee", Address: "101 Forest Ave, Palo Alto, CA 94301", URL: "https://philzcoffee.com"}})},
		{"inbound_location_pin", inbound(wabi.TypeLocation, wabi.Content{Location: &wabi.Location{Latitude: wabi.F(-33.8688), Longitude: wabi.F(151.2093)}})},
		{"inbound_contacts", inbound(wabi.TypeContacts, wabi.Content{Contacts: []wabi.ContactCard{{
			Name:      &wabi.ContactName{FormattedName: "Ana Silva", FirstName: "Ana", LastName: "Silva"},
			Phones:    []wabi.ContactPhone{{Phone: "+1 650 555 1234", Type: "CELL", WaID: "16505551234"}},
			Emails:    []wabi.ContactEmail{{Email: "ana@example.com", Type: "WORK"}},
			Addresses: []wabi.ContactAddress{{Street: "1 Hacker Way", City: "Menlo Park", State: "CA", Zip: "94025", Country: "United States", CountryCode: "us", Type: "WORK"}},
			Org:       &wabi.ContactOrg{Company: "Example", Department: "Sales", Title: "Manager"},
			URLs:      []wabi.ContactURL{{URL: "https://example.com", Type: "WORK"}},
			Birthday:  "1990-05-17",
		}}})},
		{"inbound_reaction", inbound(wabi.TypeReaction, wabi.Content{Reaction: &wabi.Reaction{MessageID: whQuoted, Emoji: "❤️"}})},
		{"inbound_reaction_removed", inbound(wabi.TypeReaction, wabi.Content{Reaction: &wabi.Reaction{MessageID: whQuoted}})},
		{"inbound_button", inbound(wabi.TypeButton, wabi.Content{
			Context: &wabi.Context{MessageID: whQuoted, From: "15550783881"},
			Button:  &wabi.ButtonReply{Payload: "STOP_PROMOS", Text: "Stop promotions"},
		})},
		{"inbound_interactive_button_reply", inbound(wabi.TypeInteractive, wabi.Content{
			Context: &wabi.Context{MessageID: whQuoted, From: "15550783881"},
			Interactive: &wabi.Interactive{Type: wabi.InteractiveButtonReply,
				ButtonReply: &wabi.ReplyChoice{ID: "change-button", Title: "Change"}},
		})},
		{"inbound_interactive_list_reply", inbound(wabi.TypeInteractive, wabi.Content{
			Context: &wabi.Context{MessageID: whQuoted, From: "15550783881"},
			Interactive: &wabi.Interactive{Type: wabi.InteractiveListReply,
				ListReply: &wabi.ReplyChoice{ID: "priority_express", Title: "Priority Express", Description: "Next day"}},
		})},
		{"inbound_interactive_nfm_reply", inbound(wabi.TypeInteractive, wabi.Content{
			Context: &wabi.Context{MessageID: whQuoted, From: "15550783881"},
			Interactive: &wabi.Interactive{Type: wabi.InteractiveNFMReply,
				NFMReply: &wabi.NFMReply{ResponseJSON: `{"flow_token":"f-1","size":"M"}`}},
		})},
		{"inbound_order", inbound(wabi.TypeOrder, wabi.Content{Order: &wabi.Order{CatalogID: "194836987003835", Text: "Gift wrap, please",
			ProductItems: []wabi.OrderItem{
				{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 30, Currency: "USD"},
				{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 12.5, Currency: "USD"},
			}}})},
		{"inbound_text_referral", inbound(wabi.TypeText, wabi.Content{
			Text: &wabi.Text{Body: "Can I get this in blue?"},
			Referral: &wabi.Referral{SourceURL: "https://fb.me/3cr4Wqqkv", SourceID: "120226305854810726", SourceType: "ad",
				Body: "Summer sale: 20% off", Headline: "Chat with us", MediaType: "image", ImageURL: "https://example.com/ad.jpg",
				CTWAClid:       "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a",
				WelcomeMessage: &wabi.WelcomeMessage{Text: "Hi! Is this still available?"}},
		})},
		{"inbound_system_user_changed_number", inbound(wabi.TypeSystem, wabi.Content{System: &wabi.System{
			Type: wabi.SystemUserChangedNumber, WaID: "12195551234", Body: "User Sheena Nelson changed from 16505551234 to 12195551234"}})},
		{"inbound_system_customer_identity_changed", inbound(wabi.TypeSystem, wabi.Content{System: &wabi.System{
			Type: wabi.SystemCustomerIdentityChanged, Identity: "acf1b5f4c3b4a6c7", Body: "Sheena Nelson's security code changed."}})},
		{"inbound_unsupported_poll", inbound(wabi.TypeUnsupported, wabi.Content{Unsupported: &wabi.Unsupported{Type: "poll"}})},
		{"inbound_unsupported", inbound(wabi.TypeUnsupported, wabi.Content{})},
		{"inbound_request_welcome", inbound(wabi.TypeRequestWelcome, wabi.Content{})},

		{"status_sent_service_v23", status(whAppV23, wabi.StatusSent, "service", nil)},
		{"status_sent_marketing_v23", with(status(whAppV23, wabi.StatusSent, "marketing", nil),
			func(e *wabi.Event) { e.Message.BizOpaqueCallbackData = "order-7731" })},
		{"status_delivered_utility_v23", status(whAppV23, wabi.StatusDelivered, "utility", nil)},
		{"status_read_v23", status(whAppV23, wabi.StatusRead, "service", nil)},
		{"status_sent_marketing_v24", status(whAppV24, wabi.StatusSent, "marketing", nil)},
		{"status_delivered_authentication_v24", status(whAppV24, wabi.StatusDelivered, "AUTHENTICATION", nil)},
		{"status_sent_no_app_version", status(&wabi.App{ID: "1"}, wabi.StatusSent, "", nil)},
		{"status_failed_131047", with(status(whAppV23, wabi.StatusFailed, "service", errWindow),
			func(e *wabi.Event) { e.Message.BizOpaqueCallbackData = "order-7731" })},
		{"status_failed_131026", status(whAppV23, wabi.StatusFailed, "marketing", errNotOn)},
		{"status_failed_error_on_message", with(status(whAppV23, wabi.StatusFailed, "service", nil),
			func(e *wabi.Event) { e.Message.Error = errNotOn })},
		{"value_errors", &wabi.Event{Field: wabi.FieldMessages, App: whAppV23, WABA: whWABA, Phone: whPhone,
			Errors: []*wabi.Error{errRate}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WebhookEncoder{}.Encode(tt.event)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			mustASCIIJSON(t, got)
			golden.Assert(t, filepath.Join("testdata", "webhooks", tt.name+".json"), got)
		})
	}
}

// mustASCIIJSON checks what every webhook body must be: one compact JSON value
// made of ASCII bytes only, as Meta signs it.
func mustASCIIJSON(t *testing.T, b []byte) {
	t.Helper()
	for i, c := range b {
		if c >= 0x80 {
			t.Fatalf("byte %d is not ASCII: %q", i, b[max(0, i-20):min(len(b), i+20)])
		}
	}
	if !json.Valid(b) {
		t.Fatalf("body is not JSON: %s", b)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, b)
	if !bytes.Equal(compact.Bytes(), b) {
		t.Errorf("body is not compact: %s", b)
	}
}

func TestWebhookEncoderEscapesNonASCII(t *testing.T) {
	e := with(inbound(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "café 👍"}}),
		func(e *wabi.Event) { e.ProfileName = "José" })
	got, err := WebhookEncoder{}.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"Jos\u00e9"`, `"body":"caf\u00e9 \ud83d\udc4d"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("body lacks %s: %s", want, got)
		}
	}
	// A receiver decoding the body gets the original text back.
	var env struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Contacts []struct {
						Profile struct{ Name string }
					}
					Messages []struct {
						Text struct{ Body string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(got, &env); err != nil {
		t.Fatal(err)
	}
	v := env.Entry[0].Changes[0].Value
	if v.Contacts[0].Profile.Name != "José" || v.Messages[0].Text.Body != "café 👍" {
		t.Errorf("decoded name %q, body %q", v.Contacts[0].Profile.Name, v.Messages[0].Text.Body)
	}
}

// TestWebhookEncoderVersionGate tells the v23/v24 story in one table: which
// statuses carry pricing and conversation.
func TestWebhookEncoderVersionGate(t *testing.T) {
	tests := []struct {
		app                        *wabi.App
		status                     wabi.Status
		wantPricing, wantConv, exp bool
	}{
		{whAppV23, wabi.StatusSent, true, true, true},
		{whAppV23, wabi.StatusDelivered, true, true, false},
		{whAppV23, wabi.StatusRead, false, false, false},
		{whAppV23, wabi.StatusFailed, false, false, false},
		{&wabi.App{APIVersion: "v19.0"}, wabi.StatusSent, true, true, true},
		{whAppV24, wabi.StatusSent, true, false, false},
		{whAppV24, wabi.StatusDelivered, true, false, false},
		{&wabi.App{APIVersion: "v25.0"}, wabi.StatusSent, true, false, false},
		{nil, wabi.StatusSent, true, true, true},
		{&wabi.App{APIVersion: "latest"}, wabi.StatusSent, true, true, true},
	}
	for _, tt := range tests {
		name := "no app"
		if tt.app != nil {
			name = tt.app.APIVersion + " " + string(tt.status)
		}
		t.Run(name, func(t *testing.T) {
			got, err := WebhookEncoder{}.Encode(status(tt.app, tt.status, "marketing", errWindow))
			if err != nil {
				t.Fatal(err)
			}
			s := string(got)
			if has := strings.Contains(s, `"pricing":`); has != tt.wantPricing {
				t.Errorf("pricing present = %v, want %v", has, tt.wantPricing)
			}
			if has := strings.Contains(s, `"conversation":`); has != tt.wantConv {
				t.Errorf("conversation present = %v, want %v", has, tt.wantConv)
			}
			if has := strings.Contains(s, `"expiration_timestamp":"1750116473"`); has != tt.exp {
				t.Errorf("expiration_timestamp present = %v, want %v: %s", has, tt.exp, s)
			}
			if has := strings.Contains(s, `"errors":`); has != (tt.status == wabi.StatusFailed) {
				t.Errorf("errors present = %v on a %s status", has, tt.status)
			}
		})
	}
}

func TestWebhookEncoderRejects(t *testing.T) {
	tests := []struct {
		name    string
		event   *wabi.Event
		wantErr string
	}{
		{"nil event", nil, "needs a message"},
		{"no phone number", with(inbound(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "x"}}), func(e *wabi.Event) { e.Phone = nil }), "needs a message"},
		{"other field", with(inbound(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "x"}}), func(e *wabi.Event) { e.Field = wabi.FieldMessageTemplateStatusUpdate }), "no webhook shape for field"},
		{"type without its object", inbound(wabi.TypeImage, wabi.Content{}), "has no image object"},
		{"outbound-only type", inbound(wabi.TypeTemplate, wabi.Content{Template: &wabi.TemplateSend{Name: "x"}}), `message type "template"`},
		{"outbound interactive", inbound(wabi.TypeInteractive, wabi.Content{Interactive: &wabi.Interactive{Type: wabi.InteractiveButton}}), `interactive type "button"`},
		{"list reply without its choice", inbound(wabi.TypeInteractive, wabi.Content{Interactive: &wabi.Interactive{Type: wabi.InteractiveListReply}}), `interactive type "list_reply"`},
		{"accepted is no webhook", status(whAppV23, wabi.StatusAccepted, "service", nil), `status "accepted"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WebhookEncoder{}.Encode(tt.event)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Encode error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestWebhookEncoderFieldDefaultsToMessages(t *testing.T) {
	e := with(inbound(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "x"}}), func(e *wabi.Event) { e.Field = ""; e.WABA = nil })
	got, err := WebhookEncoder{}.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(got), `"field":"messages"}]}]}`) || !strings.Contains(string(got), `"id":"102290129340398"`) {
		t.Errorf("body = %s, want field messages and the WABA id from the phone number", got)
	}
}

func BenchmarkWebhookEncodeStatus(b *testing.B) {
	e := status(whAppV23, wabi.StatusDelivered, "marketing", nil)
	for b.Loop() {
		if _, err := (WebhookEncoder{}).Encode(e); err != nil {
			b.Fatal(err)
		}
	}
}
