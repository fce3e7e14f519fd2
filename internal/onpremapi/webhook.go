package onpremapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/wabi"
)

// WebhookEncoder renders webhook bodies the way the On-Premises client sends
// them: bare {contacts,messages}, {statuses} or {services} objects with no
// envelope and no metadata, ASCII-only JSON, keys in the client's order.
type WebhookEncoder struct{}

var _ wabi.WebhookEncoder = WebhookEncoder{}

// The top-level bodies. Structs, not maps, so that key order is stable: golden
// files and receivers that hash bodies compare these exact bytes.
type (
	whInbound struct {
		Contacts []whContact `json:"contacts"`
		Messages []whMessage `json:"messages"`
	}
	whContact struct {
		Profile whProfile `json:"profile"`
		WaID    string    `json:"wa_id"`
	}
	whProfile struct {
		Name string `json:"name"`
	}
	whStatuses struct {
		Statuses []whStatus `json:"statuses"`
	}
	whContactChecks struct {
		Contacts []whContactCheck `json:"contacts"`
	}
	// whContactCheck is one result of an asynchronous contact check, shaped like
	// an item of the synchronous POST /v1/contacts answer.
	whContactCheck struct {
		Input  string `json:"input"`
		Status string `json:"status"`
		WaID   string `json:"wa_id,omitempty"`
	}
	whServices struct {
		Services []whService `json:"services"`
	}
	whService struct {
		Message whServiceMessage `json:"message"`
	}
	whServiceMessage struct {
		GC whGC `json:"gc"`
	}
	whGC struct {
		MessagesDeleted int    `json:"messages_deleted"`
		Status          string `json:"status"`
	}
)

// whMessage is an inbound message. Exactly one type object is set; the context
// follows it, as in the client's bodies.
type whMessage struct {
	From        string             `json:"from"`
	ID          string             `json:"id"`
	Timestamp   string             `json:"timestamp"`
	Type        wabi.Type          `json:"type"`
	Text        *whText            `json:"text,omitempty"`
	Image       *whMedia           `json:"image,omitempty"`
	Video       *whMedia           `json:"video,omitempty"`
	Audio       *whMedia           `json:"audio,omitempty"`
	Voice       *whMedia           `json:"voice,omitempty"`
	Document    *whMedia           `json:"document,omitempty"`
	Sticker     *whMedia           `json:"sticker,omitempty"`
	Location    *whLocation        `json:"location,omitempty"`
	Contacts    []wabi.ContactCard `json:"contacts,omitempty"`
	Button      *whButton          `json:"button,omitempty"`
	Interactive *whInteractive     `json:"interactive,omitempty"`
	Reaction    *whReaction        `json:"reaction,omitempty"`
	System      *whSystem          `json:"system,omitempty"`
	Errors      []ErrorItem        `json:"errors,omitempty"`
	Context     *whContext         `json:"context,omitempty"`
}

// typeUnknown is the type the client gives a message it cannot show, which
// Cloud calls unsupported.
const typeUnknown wabi.Type = "unknown"

// whSystem is a notice about the consumer; the client calls an identity change
// user_identity_changed and gives a changed number as new_wa_id.
type whSystem struct {
	Body     string `json:"body"`
	NewWaID  string `json:"new_wa_id,omitempty"`
	Identity string `json:"identity,omitempty"`
	Type     string `json:"type"`
}

// typeVoice is the type the client gives a voice note, which Cloud calls an
// audio message with voice set.
const typeVoice wabi.Type = "voice"

type (
	whText struct {
		Body string `json:"body"`
	}
	// whMedia is every media object: the client writes caption and filename
	// only where the consumer gave them.
	whMedia struct {
		ID       string `json:"id"`
		MimeType string `json:"mime_type"`
		SHA256   string `json:"sha256"`
		Caption  string `json:"caption,omitempty"`
		Filename string `json:"filename,omitempty"`
	}
	// whLocation carries numbers, not strings, as the client's webhooks do.
	whLocation struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name,omitempty"`
		Address   string  `json:"address,omitempty"`
		URL       string  `json:"url,omitempty"`
	}
	whButton struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	}
	whInteractive struct {
		Type        string    `json:"type"`
		ButtonReply *whChoice `json:"button_reply,omitempty"`
		ListReply   *whChoice `json:"list_reply,omitempty"`
	}
	whChoice struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	}
	whReaction struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	}
	whContext struct {
		From      string `json:"from,omitempty"`
		ID        string `json:"id,omitempty"`
		Forwarded bool   `json:"forwarded,omitempty"`
	}
)

// whErrors is an out-of-band errors webhook: problems of the deployment not
// tied to one message.
type whErrors struct {
	Errors []ErrorItem `json:"errors"`
}

// whStatus is a status change of an outbound message.
type whStatus struct {
	ID           string          `json:"id"`
	RecipientID  string          `json:"recipient_id"`
	Status       wabi.Status     `json:"status"`
	Timestamp    string          `json:"timestamp"`
	Conversation *whConversation `json:"conversation,omitempty"`
	Pricing      *whPricing      `json:"pricing,omitempty"`
	Errors       []ErrorItem     `json:"errors,omitempty"`
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
	}
)

// Encode renders the webhook body of e: a status change of e.Message when
// e.Status is set, else the inbound e.Message, else the contact check results
// e.Contacts, else the garbage collection result e.GC, else the out-of-band
// e.Errors. It fails on template
// events, which the On-Premises API never sends, and on an event with nothing
// or more than one thing to tell.
func (WebhookEncoder) Encode(e *wabi.Event) ([]byte, error) {
	if e == nil {
		return nil, errors.New("onpremapi: nil webhook event")
	}
	if e.Template != nil || e.Change != nil || whTemplateField(e.Field) {
		return nil, errors.New("onpremapi: the On-Premises API has no template webhooks")
	}
	// A status is about a message, so the two together count as one thing.
	kinds := 0
	for _, set := range []bool{e.Message != nil || e.Status != nil, len(e.Contacts) > 0, e.GC != nil, len(e.Errors) > 0} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, fmt.Errorf("onpremapi: webhook event needs exactly one of a message, a status, contacts, a GC result or errors; it has %d", kinds)
	}
	switch {
	case e.Status != nil:
		if e.Message == nil {
			return nil, errors.New("onpremapi: status webhook event needs the message it is about")
		}
		st, err := whStatusOf(e.Message, e.Status)
		if err != nil {
			return nil, err
		}
		return codec.Marshal(whStatuses{Statuses: []whStatus{st}})
	case e.Message != nil:
		msg, err := whInboundMessage(e.Message, e.Phone)
		if err != nil {
			return nil, err
		}
		return codec.Marshal(whInbound{
			Contacts: []whContact{{Profile: whProfile{Name: e.ProfileName}, WaID: e.Message.WaID}},
			Messages: []whMessage{msg},
		})
	case len(e.Contacts) > 0:
		out := whContactChecks{Contacts: make([]whContactCheck, len(e.Contacts))}
		for i, c := range e.Contacts {
			out.Contacts[i] = whContactCheck{Input: c.Input, Status: c.Status, WaID: c.WaID}
		}
		return codec.Marshal(out)
	case len(e.Errors) > 0:
		// Out-of-band errors: a bare errors[] to the deployment's webhook.
		out := whErrors{Errors: make([]ErrorItem, len(e.Errors))}
		for i, err := range e.Errors {
			out.Errors[i] = errorItem(err)
		}
		return codec.Marshal(out)
	default:
		gc := whGC{MessagesDeleted: e.GC.MessagesDeleted, Status: "complete"}
		return codec.Marshal(whServices{Services: []whService{{Message: whServiceMessage{GC: gc}}}})
	}
}

// whTemplateField reports whether field names one of the Cloud template events.
func whTemplateField(field string) bool {
	switch field {
	case wabi.FieldMessageTemplateStatusUpdate, wabi.FieldTemplateCategoryUpdate, wabi.FieldMessageTemplateQualityUpdate:
		return true
	}
	return false
}

// whUnix is how webhooks write times: unix seconds in a JSON string.
func whUnix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// whInboundMessage renders an inbound message with its one type object.
func whInboundMessage(m *wabi.Message, pn *wabi.PhoneNumber) (whMessage, error) {
	out := whMessage{From: m.WaID, ID: m.ID, Timestamp: whUnix(m.Timestamp), Type: m.Type}
	if c := m.Context; c != nil && (c.MessageID != "" || c.Forwarded) {
		out.Context = &whContext{Forwarded: c.Forwarded}
		if c.MessageID != "" {
			// The quoted message is the business's own, so it came from this number
			// unless the platform recorded otherwise.
			out.Context.From, out.Context.ID = c.From, c.MessageID
			if out.Context.From == "" && pn != nil {
				out.Context.From = pn.DisplayPhoneNumber
			}
		}
	}
	missing := fmt.Errorf("onpremapi: inbound %s message %s has no %s object", m.Type, m.ID, m.Type)
	switch m.Type {
	case wabi.TypeText:
		if m.Text == nil {
			return whMessage{}, missing
		}
		out.Text = &whText{Body: m.Text.Body}
	case wabi.TypeImage, wabi.TypeVideo, wabi.TypeAudio, wabi.TypeDocument, wabi.TypeSticker:
		md := m.MediaOf(m.Type)
		if md == nil {
			return whMessage{}, missing
		}
		// The sha256 is already in the base64 form webhooks carry: the platform
		// converts it when it records an inbound media message.
		v := &whMedia{ID: md.ID, MimeType: md.MimeType, SHA256: md.SHA256, Caption: md.Caption, Filename: md.Filename}
		switch {
		case m.Type == wabi.TypeImage:
			out.Image = v
		case m.Type == wabi.TypeVideo:
			out.Video = v
		case m.Type == wabi.TypeAudio && md.Voice:
			out.Type, out.Voice = typeVoice, v
		case m.Type == wabi.TypeAudio:
			out.Audio = v
		case m.Type == wabi.TypeDocument:
			out.Document = v
		default:
			out.Sticker = v
		}
	case wabi.TypeLocation:
		if m.Location == nil {
			return whMessage{}, missing
		}
		l := m.Location
		out.Location = &whLocation{Latitude: whFloat(l.Latitude), Longitude: whFloat(l.Longitude), Name: l.Name, Address: l.Address, URL: l.URL}
	case wabi.TypeContacts:
		if len(m.Contacts) == 0 {
			return whMessage{}, missing
		}
		out.Contacts = m.Contacts
	case wabi.TypeButton:
		if m.Button == nil {
			return whMessage{}, missing
		}
		out.Button = &whButton{Payload: m.Button.Payload, Text: m.Button.Text}
	case wabi.TypeInteractive:
		if m.Interactive == nil {
			return whMessage{}, missing
		}
		in, err := whInteractiveReply(m.Interactive)
		if err != nil {
			return whMessage{}, fmt.Errorf("onpremapi: inbound message %s: %w", m.ID, err)
		}
		out.Interactive = in
	case wabi.TypeReaction:
		if m.Reaction == nil {
			return whMessage{}, missing
		}
		out.Reaction = &whReaction{MessageID: m.Reaction.MessageID, Emoji: m.Reaction.Emoji}
	case wabi.TypeSystem:
		if m.System == nil {
			return whMessage{}, missing
		}
		sys := m.System
		out.System = &whSystem{Body: sys.Body, NewWaID: sys.WaID, Identity: sys.Identity, Type: sys.Type}
		if sys.Type == wabi.SystemCustomerIdentityChanged {
			out.System.Type = "user_identity_changed"
		}
	case wabi.TypeUnsupported:
		// The client neither names what it could not show nor says more than 501.
		out.Type = typeUnknown
		out.Errors = []ErrorItem{{Code: 501, Title: "Message type is not currently supported"}}
	default:
		return whMessage{}, fmt.Errorf("onpremapi: no inbound webhook shape for message type %q", m.Type)
	}
	return out, nil
}

// whInteractiveReply renders a consumer's answer to an interactive message.
// The client knows button and list replies; flows are a Cloud API feature.
func whInteractiveReply(in *wabi.Interactive) (*whInteractive, error) {
	out := &whInteractive{Type: in.Type}
	switch {
	case in.Type == wabi.InteractiveButtonReply && in.ButtonReply != nil:
		// A button has no description; never let one through.
		out.ButtonReply = &whChoice{ID: in.ButtonReply.ID, Title: in.ButtonReply.Title}
	case in.Type == wabi.InteractiveListReply && in.ListReply != nil:
		r := in.ListReply
		out.ListReply = &whChoice{ID: r.ID, Title: r.Title, Description: r.Description}
	default:
		return nil, fmt.Errorf("no inbound webhook shape for interactive type %q", in.Type)
	}
	return out, nil
}

// whFloat returns a coordinate as a number, 0 when it is missing.
func whFloat(f *wabi.Float) float64 {
	if f == nil {
		return 0
	}
	return float64(*f)
}

// whStatusOf renders the status change u of the outbound message m.
func whStatusOf(m *wabi.Message, u *wabi.StatusUpdate) (whStatus, error) {
	id := u.MessageID
	if id == "" {
		id = m.ID
	}
	st := whStatus{ID: id, RecipientID: m.WaID, Status: u.Status, Timestamp: whUnix(u.Timestamp)}
	switch u.Status {
	case wabi.StatusSent, wabi.StatusDelivered:
		// Conversation and pricing go on sent and delivered, never on read, with
		// the same category as the Cloud dialect reports.
		category := strings.ToLower(m.Category)
		if category == "" {
			category = "service"
		}
		st.Pricing = &whPricing{Billable: category != "service", PricingModel: "CBP", Category: category}
		// Without a conversation id there is nothing true to report; the
		// platform assigns one to every outbound message.
		if m.ConversationID != "" {
			st.Conversation = &whConversation{ID: m.ConversationID, Origin: whOrigin{Type: category}}
			if u.Status == wabi.StatusSent {
				// Only the first status of a conversation says when it ends: a day
				// after the message, as each message opens its own.
				st.Conversation.ExpirationTimestamp = whUnix(m.Timestamp.Add(24 * time.Hour))
			}
		}
	case wabi.StatusRead:
	case wabi.StatusFailed:
		err := u.Error
		if err == nil {
			err = m.Error
		}
		if err == nil {
			err = &wabi.Error{Code: wabi.EInternal}
		}
		st.Errors = []ErrorItem{errorItem(err)}
	default:
		return whStatus{}, fmt.Errorf("onpremapi: no status webhook for status %q of message %s", u.Status, id)
	}
	return st, nil
}
