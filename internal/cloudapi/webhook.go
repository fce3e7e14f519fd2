package cloudapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/wabi"
)

// WebhookEncoder renders webhook bodies the way the Cloud API sends them: Meta's
// whatsapp_business_account envelope, ASCII-only JSON, keys in Meta's order.
type WebhookEncoder struct{}

var _ wabi.WebhookEncoder = WebhookEncoder{}

// webhookDefaultMajor is the Graph major version assumed for an app that names
// none; it decides whether status webhooks carry a conversation object.
const webhookDefaultMajor = 23

// conversationLastMajor is the last Graph version whose status webhooks carry the
// conversation object; v24 dropped it.
const conversationLastMajor = 23

// The wire shapes. Structs, not maps, so that key order is stable: receivers
// verify signatures over these exact bytes and golden files compare them.
type (
	whEnvelope struct {
		Object string    `json:"object"`
		Entry  []whEntry `json:"entry"`
	}
	whEntry struct {
		ID      string     `json:"id"`
		Changes []whChange `json:"changes"`
	}
	whChange struct {
		Value whValue `json:"value"`
		Field string  `json:"field"`
	}
	whValue struct {
		MessagingProduct string      `json:"messaging_product"`
		Metadata         whMetadata  `json:"metadata"`
		Contacts         []whContact `json:"contacts,omitempty"`
		Messages         []whMessage `json:"messages,omitempty"`
		Statuses         []whStatus  `json:"statuses,omitempty"`
		// Errors are the value-level errors of the number, not of one message.
		Errors []webhookError `json:"errors,omitempty"`
	}
	whMetadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	}
	whContact struct {
		Profile whProfile `json:"profile"`
		WaID    string    `json:"wa_id"`
	}
	whProfile struct {
		Name string `json:"name"`
	}
)

// whMessage is an inbound message. Exactly one type object is set.
type whMessage struct {
	From        string             `json:"from"`
	ID          string             `json:"id"`
	Timestamp   string             `json:"timestamp"`
	Type        wabi.Type          `json:"type"`
	Context     *whContext         `json:"context,omitempty"`
	Referral    *wabi.Referral     `json:"referral,omitempty"`
	Errors      []webhookError     `json:"errors,omitempty"`
	Text        *whText            `json:"text,omitempty"`
	Image       *whVisual          `json:"image,omitempty"`
	Video       *whVisual          `json:"video,omitempty"`
	Sticker     *whSticker         `json:"sticker,omitempty"`
	Audio       *whAudio           `json:"audio,omitempty"`
	Document    *whDocument        `json:"document,omitempty"`
	Location    *whLocation        `json:"location,omitempty"`
	Contacts    []wabi.ContactCard `json:"contacts,omitempty"`
	Reaction    *whReaction        `json:"reaction,omitempty"`
	Button      *whButton          `json:"button,omitempty"`
	Interactive *whInteractive     `json:"interactive,omitempty"`
	Order       *wabi.Order        `json:"order,omitempty"`
	System      *whSystem          `json:"system,omitempty"`
	Unsupported *wabi.Unsupported  `json:"unsupported,omitempty"`
}

type (
	whSystem struct {
		Body     string `json:"body"`
		WaID     string `json:"wa_id,omitempty"`
		Identity string `json:"identity,omitempty"`
		Type     string `json:"type"`
	}
	whContext struct {
		From      string `json:"from,omitempty"`
		ID        string `json:"id,omitempty"`
		Forwarded bool   `json:"forwarded,omitempty"`
	}
	whText struct {
		Body string `json:"body"`
	}
	// whVisual is an inbound image or video.
	whVisual struct {
		Caption  string `json:"caption,omitempty"`
		MimeType string `json:"mime_type"`
		SHA256   string `json:"sha256"`
		ID       string `json:"id"`
	}
	whSticker struct {
		MimeType string `json:"mime_type"`
		SHA256   string `json:"sha256"`
		ID       string `json:"id"`
		Animated bool   `json:"animated"`
	}
	whAudio struct {
		MimeType string `json:"mime_type"`
		SHA256   string `json:"sha256"`
		ID       string `json:"id"`
		Voice    bool   `json:"voice"`
	}
	whDocument struct {
		Caption  string `json:"caption,omitempty"`
		Filename string `json:"filename"`
		MimeType string `json:"mime_type"`
		SHA256   string `json:"sha256"`
		ID       string `json:"id"`
	}
	// whLocation carries numbers, not strings, as Meta's webhooks do.
	whLocation struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name,omitempty"`
		Address   string  `json:"address,omitempty"`
		URL       string  `json:"url,omitempty"`
	}
	whReaction struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	}
	whButton struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	}
	whInteractive struct {
		Type        string      `json:"type"`
		ButtonReply *whChoice   `json:"button_reply,omitempty"`
		ListReply   *whChoice   `json:"list_reply,omitempty"`
		NFMReply    *whNFMReply `json:"nfm_reply,omitempty"`
	}
	whChoice struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	}
	whNFMReply struct {
		Name         string `json:"name"`
		Body         string `json:"body"`
		ResponseJSON string `json:"response_json"`
	}
)

// whStatus is a status change of an outbound message.
type whStatus struct {
	ID                    string          `json:"id"`
	Status                wabi.Status     `json:"status"`
	Timestamp             string          `json:"timestamp"`
	RecipientID           string          `json:"recipient_id"`
	BizOpaqueCallbackData string          `json:"biz_opaque_callback_data,omitempty"`
	Conversation          *whConversation `json:"conversation,omitempty"`
	Pricing               *whPricing      `json:"pricing,omitempty"`
	Errors                []webhookError  `json:"errors,omitempty"`
}

type (
	whConversation struct {
		ID                  string   `json:"id"`
		ExpirationTimestamp string   `json:"expiration_timestamp,omitempty"`
		Origin              whOrigin `json:"origin"`
	}
	whOrigin struct {
		Type string `json:"type"`
	}
	whPricing struct {
		Billable     bool   `json:"billable"`
		PricingModel string `json:"pricing_model"`
		Category     string `json:"category"`
		Type         string `json:"type"`
	}
)

// Encode renders the webhook body of e: for the messages field an inbound
// message when e.Status is nil, else a status change of e.Message; for the
// template fields the change of e.Template. It fails on an event the Cloud API
// has no shape for (another field, a missing message, number or template, an
// unknown type).
func (WebhookEncoder) Encode(e *wabi.Event) ([]byte, error) {
	if e != nil && isTemplateField(e.Field) {
		return encodeTemplateEvent(e)
	}
	if e != nil && e.Message == nil && len(e.Errors) > 0 {
		return encodeValueErrors(e)
	}
	if e == nil || e.Message == nil || e.Phone == nil {
		return nil, errors.New("cloudapi: webhook event needs a message and a phone number")
	}
	field := e.Field
	if field == "" {
		field = wabi.FieldMessages
	}
	if field != wabi.FieldMessages {
		return nil, fmt.Errorf("cloudapi: no webhook shape for field %q", field)
	}
	wabaID := e.Phone.WABAID
	if e.WABA != nil {
		wabaID = e.WABA.ID
	}
	value := whValue{
		MessagingProduct: "whatsapp",
		Metadata:         whMetadata{DisplayPhoneNumber: e.Phone.DisplayPhoneNumber, PhoneNumberID: e.Phone.ID},
	}
	if e.Status == nil {
		msg, err := inboundMessage(e.Message, e.Phone)
		if err != nil {
			return nil, err
		}
		// A system notice is about the consumer, not from them: Meta sends it
		// without a contacts block.
		if e.Message.Type != wabi.TypeSystem {
			value.Contacts = []whContact{{Profile: whProfile{Name: e.ProfileName}, WaID: e.Message.WaID}}
		}
		value.Messages = []whMessage{msg}
	} else {
		st, err := statusOf(e)
		if err != nil {
			return nil, err
		}
		value.Statuses = []whStatus{st}
	}
	return codec.Marshal(whEnvelope{
		Object: "whatsapp_business_account",
		Entry:  []whEntry{{ID: wabaID, Changes: []whChange{{Value: value, Field: field}}}},
	})
}

// unixString is how webhooks write times: unix seconds in a JSON string.
func unixString(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// inboundMessage renders an inbound message with its one type object.
func inboundMessage(m *wabi.Message, pn *wabi.PhoneNumber) (whMessage, error) {
	out := whMessage{From: m.WaID, ID: m.ID, Timestamp: unixString(m.Timestamp), Type: m.Type}
	if c := m.Context; c != nil && (c.MessageID != "" || c.Forwarded) {
		out.Context = &whContext{Forwarded: c.Forwarded}
		if c.MessageID != "" {
			// The quoted message is the business's own, so it came from this number
			// unless the platform recorded otherwise.
			out.Context.From, out.Context.ID = c.From, c.MessageID
			if out.Context.From == "" {
				out.Context.From = pn.DisplayPhoneNumber
			}
		}
	}
	if m.Referral != nil {
		r := *m.Referral
		out.Referral = &r
	}
	missing := func() (whMessage, error) {
		return whMessage{}, fmt.Errorf("cloudapi: inbound %s message %s has no %s object", m.Type, m.ID, m.Type)
	}
	switch m.Type {
	case wabi.TypeText:
		if m.Text == nil {
			return missing()
		}
		out.Text = &whText{Body: m.Text.Body}
	case wabi.TypeImage, wabi.TypeVideo:
		md := m.MediaOf(m.Type)
		if md == nil {
			return missing()
		}
		v := &whVisual{Caption: md.Caption, MimeType: md.MimeType, SHA256: md.SHA256, ID: md.ID}
		if m.Type == wabi.TypeImage {
			out.Image = v
		} else {
			out.Video = v
		}
	case wabi.TypeSticker:
		if m.Sticker == nil {
			return missing()
		}
		s := m.Sticker
		out.Sticker = &whSticker{MimeType: s.MimeType, SHA256: s.SHA256, ID: s.ID, Animated: s.Animated}
	case wabi.TypeAudio:
		if m.Audio == nil {
			return missing()
		}
		a := m.Audio
		out.Audio = &whAudio{MimeType: a.MimeType, SHA256: a.SHA256, ID: a.ID, Voice: a.Voice}
	case wabi.TypeDocument:
		if m.Document == nil {
			return missing()
		}
		d := m.Document
		out.Document = &whDocument{Caption: d.Caption, Filename: d.Filename, MimeType: d.MimeType, SHA256: d.SHA256, ID: d.ID}
	case wabi.TypeLocation:
		if m.Location == nil {
			return missing()
		}
		l := m.Location
		out.Location = &whLocation{Latitude: floatOf(l.Latitude), Longitude: floatOf(l.Longitude), Name: l.Name, Address: l.Address, URL: l.URL}
	case wabi.TypeContacts:
		if len(m.Contacts) == 0 {
			return missing()
		}
		out.Contacts = m.Contacts
	case wabi.TypeReaction:
		if m.Reaction == nil {
			return missing()
		}
		out.Reaction = &whReaction{MessageID: m.Reaction.MessageID, Emoji: m.Reaction.Emoji}
	case wabi.TypeButton:
		if m.Button == nil {
			return missing()
		}
		out.Button = &whButton{Payload: m.Button.Payload, Text: m.Button.Text}
	case wabi.TypeInteractive:
		if m.Interactive == nil {
			return missing()
		}
		in, err := interactiveReply(m.Interactive)
		if err != nil {
			return whMessage{}, fmt.Errorf("cloudapi: inbound message %s: %w", m.ID, err)
		}
		out.Interactive = in
	case wabi.TypeOrder:
		if m.Order == nil || len(m.Order.ProductItems) == 0 {
			return missing()
		}
		o := *m.Order
		out.Order = &o
	case wabi.TypeSystem:
		if m.System == nil {
			return missing()
		}
		sys := m.System
		out.System = &whSystem{Body: sys.Body, WaID: sys.WaID, Identity: sys.Identity, Type: sys.Type}
	case wabi.TypeUnsupported:
		// Meta names what it cannot show, when it knows, and always says why.
		if m.Unsupported != nil && m.Unsupported.Type != "" {
			out.Unsupported = &wabi.Unsupported{Type: m.Unsupported.Type}
		}
		out.Errors = []webhookError{unsupportedError()}
	case wabi.TypeRequestWelcome:
		// A chat opened for the first time: the type says it all.
	default:
		return whMessage{}, fmt.Errorf("cloudapi: no inbound webhook shape for message type %q", m.Type)
	}
	return out, nil
}

// interactiveReply renders a consumer's answer to an interactive message.
func interactiveReply(in *wabi.Interactive) (*whInteractive, error) {
	out := &whInteractive{Type: in.Type}
	choice := func(c *wabi.ReplyChoice) *whChoice {
		return &whChoice{ID: c.ID, Title: c.Title, Description: c.Description}
	}
	switch {
	case in.Type == wabi.InteractiveButtonReply && in.ButtonReply != nil:
		out.ButtonReply = choice(in.ButtonReply)
		// A button has no description; never let one through.
		out.ButtonReply.Description = ""
	case in.Type == wabi.InteractiveListReply && in.ListReply != nil:
		out.ListReply = choice(in.ListReply)
	case in.Type == wabi.InteractiveNFMReply && in.NFMReply != nil:
		r := in.NFMReply
		out.NFMReply = &whNFMReply{Name: r.Name, Body: r.Body, ResponseJSON: r.ResponseJSON}
		// Meta always names the reply and gives the chat bubble's text; a
		// completed flow reads "Sent".
		if out.NFMReply.Name == "" {
			out.NFMReply.Name = "flow"
		}
		if out.NFMReply.Body == "" {
			out.NFMReply.Body = "Sent"
		}
	default:
		return nil, fmt.Errorf("no inbound webhook shape for interactive type %q", in.Type)
	}
	return out, nil
}

func floatOf(f *wabi.Float) float64 {
	if f == nil {
		return 0
	}
	return float64(*f)
}

// statusOf renders the status change of an outbound message.
func statusOf(e *wabi.Event) (whStatus, error) {
	m, u := e.Message, e.Status
	id := u.MessageID
	if id == "" {
		id = m.ID
	}
	st := whStatus{
		ID:                    id,
		Status:                u.Status,
		Timestamp:             unixString(u.Timestamp),
		RecipientID:           m.WaID,
		BizOpaqueCallbackData: m.BizOpaqueCallbackData,
	}
	switch u.Status {
	case wabi.StatusSent, wabi.StatusDelivered:
		// Meta puts pricing (and, up to v23, the conversation) on "sent" and on one
		// of delivered/read, never both; wabi picks "delivered" because every
		// message that is read was delivered first, while many are never read.
		category := strings.ToLower(m.Category)
		if category == "" {
			category = "service"
		}
		st.Pricing = &whPricing{Billable: true, PricingModel: "PMP", Category: category, Type: "regular"}
		if category == "service" {
			st.Pricing.Billable, st.Pricing.Type = false, "free_customer_service"
		}
		// Without a conversation id there is nothing true to report; the
		// platform assigns one to every outbound message.
		if apiMajor(e.App) <= conversationLastMajor && m.ConversationID != "" {
			st.Conversation = &whConversation{ID: m.ConversationID, Origin: whOrigin{Type: category}}
			if u.Status == wabi.StatusSent {
				// Per-message pricing opens a conversation per message, so it
				// expires a day after the message.
				st.Conversation.ExpirationTimestamp = unixString(m.Timestamp.Add(24 * time.Hour))
			}
		}
	case wabi.StatusRead:
	case wabi.StatusFailed:
		err := u.Error
		if err == nil {
			err = m.Error
		}
		st.Errors = []webhookError{statusError(err)}
	default:
		return whStatus{}, fmt.Errorf("cloudapi: no status webhook for status %q of message %s", u.Status, id)
	}
	return st, nil
}

// apiMajor returns the major Graph version an app's webhooks are shaped for:
// 23 for "v23.0", the default for an app that names none or names it badly.
func apiMajor(app *wabi.App) int {
	if app == nil || app.APIVersion == "" {
		return webhookDefaultMajor
	}
	v := strings.TrimPrefix(app.APIVersion, "v")
	v, _, _ = strings.Cut(v, ".")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return webhookDefaultMajor
	}
	return n
}

// unsupportedError is the errors[] entry of an inbound message WhatsApp cannot
// show the business, in Meta's words.
func unsupportedError() webhookError {
	return webhookError{
		Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
		ErrorData: &struct {
			Details string `json:"details"`
		}{Details: "Message type is currently not supported."},
		Href: errorCodesHref,
	}
}
