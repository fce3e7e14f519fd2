package onpremapi

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

// The cast of the webhook stories: one business number on an On-Premises
// deployment and one consumer.
var (
	whTime     = time.Date(2025, 6, 15, 23, 27, 53, 0, time.UTC) // 1750030073
	whPhone    = &wabi.PhoneNumber{ID: "106540352242922", WABAID: "102290129340398", DisplayPhoneNumber: "15550783881"}
	whInID     = "ABGGFlA5FpafAgo6tHcNmNjXmuSf"
	whOutID    = "gBGGEgZHMlEfAgkM1RBkhDRr7t8"
	whSHA      = "HgOIDDAGc0p1KBBYZ+bVmgQY5VqGYGYsJ0ApGzUz8R0="
	whConvID   = "532b57b5f6e63595ccd74c6010e5c5c7"
	whErrWin   = wabi.Errorf(wabi.EOutsideWindow, "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
	whConsumer = "16315551234"
)

// whIn returns the event of a consumer's message with the given content.
func whIn(typ wabi.Type, c wabi.Content) *wabi.Event {
	return &wabi.Event{
		Field: wabi.FieldMessages, Phone: whPhone, ProfileName: "Kerry Fisher",
		Message: &wabi.Message{
			ID: whInID, PhoneNumberID: whPhone.ID, WaID: whConsumer,
			Direction: wabi.Inbound, Type: typ, Timestamp: whTime, Status: wabi.StatusReceived,
			Content: c,
		},
	}
}

// whSt returns the event of a status change of an outbound message.
func whSt(s wabi.Status, category string, err *wabi.Error) *wabi.Event {
	return &wabi.Event{
		Field: wabi.FieldMessages, Phone: whPhone,
		Message: &wabi.Message{
			ID: whOutID, PhoneNumberID: whPhone.ID, WaID: whConsumer,
			Direction: wabi.Outbound, Type: wabi.TypeText, Timestamp: whTime, Status: wabi.StatusAccepted,
			Category: category, ConversationID: whConvID,
			Content: wabi.Content{Text: &wabi.Text{Body: "Your order shipped"}},
		},
		Status: &wabi.StatusUpdate{MessageID: whOutID, Status: s, Timestamp: whTime.Add(7 * time.Second), Error: err},
	}
}

func TestWebhookEncoderGolden(t *testing.T) {
	t.Parallel()
	reply := &wabi.Context{MessageID: whOutID, From: "15550783881"}
	tests := []struct {
		name  string
		event *wabi.Event
	}{
		{"inbound_text", whIn(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "Hello"}})},
		{"inbound_text_reply", whIn(wabi.TypeText, wabi.Content{Context: reply, Text: &wabi.Text{Body: "Yes please"}})},
		{"inbound_image", whIn(wabi.TypeImage, wabi.Content{Image: &wabi.Media{
			ID: "1479537139650973", Caption: "The blue one", MimeType: "image/jpeg", SHA256: whSHA}})},
		{"inbound_voice", whIn(wabi.TypeAudio, wabi.Content{Audio: &wabi.Media{
			ID: "1479537139650974", MimeType: "audio/ogg; codecs=opus", SHA256: whSHA, Voice: true}})},
		{"inbound_audio", whIn(wabi.TypeAudio, wabi.Content{Audio: &wabi.Media{
			ID: "1479537139650975", MimeType: "audio/mpeg", SHA256: whSHA}})},
		{"inbound_document", whIn(wabi.TypeDocument, wabi.Content{Document: &wabi.Media{
			ID: "1479537139650978", Filename: "receipt.pdf", MimeType: "application/pdf", SHA256: whSHA}})},
		{"inbound_location", whIn(wabi.TypeLocation, wabi.Content{Location: &wabi.Location{
			Latitude: wabi.F(37.44216251), Longitude: wabi.F(-122.16153582), Name: "Philz Coffee",
			Address: "101 Forest Ave, Palo Alto, CA 94301", URL: "https://philzcoffee.com"}})},
		{"inbound_contacts", whIn(wabi.TypeContacts, wabi.Content{Contacts: []wabi.ContactCard{{
			Name:   &wabi.ContactName{FormattedName: "Ana Silva", FirstName: "Ana", LastName: "Silva"},
			Phones: []wabi.ContactPhone{{Phone: "+1 650 555 1234", Type: "CELL", WaID: "16505551234"}},
		}}})},
		{"inbound_button", whIn(wabi.TypeButton, wabi.Content{Context: reply,
			Button: &wabi.ButtonReply{Payload: "STOP_PROMOS", Text: "Stop promotions"}})},
		{"inbound_interactive_button_reply", whIn(wabi.TypeInteractive, wabi.Content{Context: reply,
			Interactive: &wabi.Interactive{Type: wabi.InteractiveButtonReply,
				ButtonReply: &wabi.ReplyChoice{ID: "change-button", Title: "Change", Description: "dropped"}}})},
		{"inbound_interactive_list_reply", whIn(wabi.TypeInteractive, wabi.Content{Context: reply,
			Interactive: &wabi.Interactive{Type: wabi.InteractiveListReply,
				ListReply: &wabi.ReplyChoice{ID: "priority_express", Title: "Priority Express", Description: "Next day"}}})},
		{"inbound_reaction", whIn(wabi.TypeReaction, wabi.Content{Reaction: &wabi.Reaction{MessageID: whOutID, Emoji: "❤️"}})},
		{"inbound_reaction_removed", whIn(wabi.TypeReaction, wabi.Content{Reaction: &wabi.Reaction{MessageID: whOutID}})},
		{"inbound_system_user_changed_number", whIn(wabi.TypeSystem, wabi.Content{System: &wabi.System{
			Type: wabi.SystemUserChangedNumber, WaID: "16315558890", Body: "User Kerry Fisher changed from 16315551234 to 16315558890"}})},
		{"inbound_system_user_identity_changed", whIn(wabi.TypeSystem, wabi.Content{System: &wabi.System{
			Type: wabi.SystemCustomerIdentityChanged, Identity: "acf1b5f4c3b4a6c7", Body: "Kerry Fisher's security code changed."}})},
		{"inbound_unknown", whIn(wabi.TypeUnsupported, wabi.Content{Unsupported: &wabi.Unsupported{Type: "poll"}})},

		{"status_sent", whSt(wabi.StatusSent, "MARKETING", nil)},
		{"status_delivered_service", whSt(wabi.StatusDelivered, "", nil)},
		{"status_read", whSt(wabi.StatusRead, "marketing", nil)},
		{"status_failed_470", whSt(wabi.StatusFailed, "service", whErrWin)},

		{"contacts_check", &wabi.Event{Phone: whPhone, Contacts: []wabi.ContactCheck{
			{Input: "+1 631 555 1001", Status: "valid", WaID: "16315551001"},
			{Input: "6315551002", Status: "invalid"},
		}}},
		{"gc", &wabi.Event{Phone: whPhone, GC: &wabi.GCResult{MessagesDeleted: 5}}},
		{"errors", &wabi.Event{Field: wabi.FieldMessages, Phone: whPhone, Errors: []*wabi.Error{
			wabi.Errorf(wabi.ERateLimit, "Too many messages from this number in a short period of time.")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := WebhookEncoder{}.Encode(tt.event)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			whMustASCIIJSON(t, got)
			// The client's bodies are bare: none of the Cloud envelope.
			for _, cloud := range []string{`"messaging_product"`, `"metadata"`, `"entry"`, `"object"`} {
				if bytes.Contains(got, []byte(cloud)) {
					t.Errorf("body carries the Cloud key %s: %s", cloud, got)
				}
			}
			golden.Assert(t, filepath.Join("testdata", "webhook", tt.name+".json"), got)
		})
	}
}

// whMustASCIIJSON checks what every webhook body must be: one compact JSON value
// made of ASCII bytes only.
func whMustASCIIJSON(t *testing.T, b []byte) {
	t.Helper()
	for i, c := range b {
		if c >= 0x80 {
			t.Fatalf("byte %d is not ASCII: %q", i, b[max(0, i-20):min(len(b), i+20)])
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, b)
	}
	if !bytes.Equal(compact.Bytes(), b) {
		t.Errorf("body is not compact: %s", b)
	}
}

func TestWebhookEncoderRoundTripsNonASCII(t *testing.T) {
	t.Parallel()
	e := whIn(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "café 👍"}})
	e.ProfileName = "José"
	got, err := WebhookEncoder{}.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"body":"caf\u00e9 \ud83d\udc4d"`) {
		t.Errorf("body not escaped as the client does: %s", got)
	}
	var body struct {
		Contacts []struct {
			Profile struct{ Name string }
			WaID    string `json:"wa_id"`
		}
		Messages []struct {
			From, Timestamp string
			Text            struct{ Body string }
		}
	}
	if err := json.Unmarshal(got, &body); err != nil {
		t.Fatal(err)
	}
	c, m := body.Contacts[0], body.Messages[0]
	if c.Profile.Name != "José" || c.WaID != whConsumer || m.From != whConsumer || m.Text.Body != "café 👍" || m.Timestamp != "1750030073" {
		t.Errorf("decoded contact %+v, message %+v", c, m)
	}
}

// TestWebhookEncoderStatusExtras tells in one table which statuses carry
// conversation, expiration, pricing and errors.
func TestWebhookEncoderStatusExtras(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status                         wabi.Status
		convID                         string
		wantConv, wantExp, wantPricing bool
		wantErrors                     string
	}{
		{wabi.StatusSent, whConvID, true, true, true, ""},
		{wabi.StatusDelivered, whConvID, true, false, true, ""},
		{wabi.StatusRead, whConvID, false, false, false, ""},
		{wabi.StatusFailed, whConvID, false, false, false, `"code":470`},
		{wabi.StatusSent, "", false, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.status)+"/"+tt.convID, func(t *testing.T) {
			t.Parallel()
			e := whSt(tt.status, "utility", whErrWin)
			e.Message.ConversationID = tt.convID
			got, err := WebhookEncoder{}.Encode(e)
			if err != nil {
				t.Fatal(err)
			}
			s := string(got)
			for _, c := range []struct {
				key  string
				want bool
			}{
				{`"conversation":`, tt.wantConv},
				{`"expiration_timestamp":"1750116473"`, tt.wantExp},
				{`"pricing":{"billable":true,"pricing_model":"CBP","category":"utility"}`, tt.wantPricing},
				{`"errors":`, tt.wantErrors != ""},
			} {
				if has := strings.Contains(s, c.key); has != c.want {
					t.Errorf("%s present = %v, want %v: %s", c.key, has, c.want, s)
				}
			}
			if tt.wantErrors != "" && !strings.Contains(s, tt.wantErrors) {
				t.Errorf("errors lack %s: %s", tt.wantErrors, s)
			}
		})
	}
}

func TestWebhookEncoderFailedErrorFallbacks(t *testing.T) {
	t.Parallel()
	// The message's own error stands in for a status without one.
	e := whSt(wabi.StatusFailed, "service", nil)
	e.Message.Error = wabi.Errorf(wabi.ENotOnWhatsApp, "Message Undeliverable.")
	got, err := WebhookEncoder{}.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"errors":[{"code":1013,"title":"User is not valid","details":"Message Undeliverable."`; !strings.Contains(string(got), want) {
		t.Errorf("body lacks %s: %s", want, got)
	}
	// With no error anywhere the failure is still explained, as a generic one.
	got, err = WebhookEncoder{}.Encode(whSt(wabi.StatusFailed, "service", nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"errors":[{"code":1000,"title":"Generic error"`; !strings.Contains(string(got), want) {
		t.Errorf("body lacks %s: %s", want, got)
	}
}

func TestWebhookEncoderRejects(t *testing.T) {
	t.Parallel()
	text := func() *wabi.Event { return whIn(wabi.TypeText, wabi.Content{Text: &wabi.Text{Body: "x"}}) }
	tmpl := &wabi.Template{ID: "1", Name: "order_update", Language: "en_US"}
	tests := []struct {
		name    string
		event   *wabi.Event
		wantErr string
	}{
		{"nil event", nil, "nil webhook event"},
		{"empty event", &wabi.Event{Phone: whPhone}, "exactly one"},
		{"template event", &wabi.Event{Field: wabi.FieldMessageTemplateStatusUpdate, Template: tmpl,
			Change: &wabi.TemplateChange{Event: "APPROVED"}}, "no template webhooks"},
		{"template beside a message", func() *wabi.Event { e := text(); e.Template = tmpl; return e }(), "no template webhooks"},
		{"template field", func() *wabi.Event { e := text(); e.Field = wabi.FieldTemplateCategoryUpdate; return e }(), "no template webhooks"},
		{"contacts and gc", &wabi.Event{Contacts: []wabi.ContactCheck{{Input: "1", Status: "invalid"}}, GC: &wabi.GCResult{}}, "exactly one"},
		{"message and gc", func() *wabi.Event { e := text(); e.GC = &wabi.GCResult{}; return e }(), "exactly one"},
		{"status without message", &wabi.Event{Status: &wabi.StatusUpdate{MessageID: whOutID, Status: wabi.StatusRead}}, "needs the message"},
		{"type without its object", whIn(wabi.TypeImage, wabi.Content{}), "has no image object"},
		{"outbound-only type", whIn(wabi.TypeTemplate, wabi.Content{Template: &wabi.TemplateSend{Name: "x"}}), `message type "template"`},
		{"flow reply", whIn(wabi.TypeInteractive, wabi.Content{Interactive: &wabi.Interactive{Type: wabi.InteractiveNFMReply,
			NFMReply: &wabi.NFMReply{ResponseJSON: "{}"}}}), `interactive type "nfm_reply"`},
		{"list reply without its choice", whIn(wabi.TypeInteractive, wabi.Content{Interactive: &wabi.Interactive{Type: wabi.InteractiveListReply}}), `interactive type "list_reply"`},
		{"order", whIn(wabi.TypeOrder, wabi.Content{Order: &wabi.Order{CatalogID: "1"}}), `message type "order"`},
		{"chat opener", whIn(wabi.TypeRequestWelcome, wabi.Content{}), `message type "request_welcome"`},
		{"accepted is no webhook", whSt(wabi.StatusAccepted, "service", nil), `status "accepted"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := WebhookEncoder{}.Encode(tt.event)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Encode = %s, %v; want an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}
