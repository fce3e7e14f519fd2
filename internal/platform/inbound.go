package platform

import (
	"encoding/json"

	"github.com/wabihq/wabi/internal/wabi"
)

const (
	// inboundTypeList names the types a consumer sends, for errors.
	inboundTypeList = "text, image, audio, video, document, sticker, location, contacts, reaction, button, interactive, order, system, unsupported, request_welcome"
	// limInboundText is the longest text a WhatsApp user can send; the Cloud
	// API's 4,096 is a limit on what businesses send.
	limInboundText = 65536
)

// ValidateInbound checks a message a virtual phone sends: a known inbound type with
// its object, the way WhatsApp itself would produce it. The objects a consumer
// and a business share (text, media, location, contacts, reactions) pass the same
// checks as in an outbound message, so a pin at latitude -1000 is refused on
// either path; replies to buttons and lists are held to the limits of what they
// answer. Codes are as for ValidateOutbound.
func ValidateInbound(m *wabi.Message) error {
	if m.WaID == "" {
		return wabi.Errorf(wabi.ERequired, "The parameter from is required.")
	}
	// A nil *wabi.Error must not become a non-nil error.
	if e := validateInbound(m); e != nil {
		return e
	}
	return nil
}

// validateInbound returns the first structural error of an inbound message.
func validateInbound(m *wabi.Message) *wabi.Error {
	c := &m.Content
	var e *wabi.Error
	switch m.Type {
	case wabi.TypeText:
		if c.Text == nil {
			return paramPath("text").required()
		}
		e = paramPath("text").k("body").text(c.Text.Body, limInboundText)
	case wabi.TypeLocation, wabi.TypeContacts, wabi.TypeReaction:
		e = validateContent(m.Type, c)
	case wabi.TypeImage, wabi.TypeAudio, wabi.TypeVideo, wabi.TypeDocument, wabi.TypeSticker:
		e = validateMedia(paramPath(m.Type), c.MediaOf(m.Type), mediaUseOf(m.Type))
	case wabi.TypeButton:
		e = validateButtonReply(c.Button)
	case wabi.TypeInteractive:
		e = validateInteractiveReply(c.Interactive)
	case wabi.TypeOrder:
		e = validateOrder(c.Order)
	case wabi.TypeSystem:
		e = validateSystem(c.System)
	case wabi.TypeUnsupported:
		e = validateUnsupported(c.Unsupported)
	case wabi.TypeRequestWelcome:
		// An opened chat says nothing: no object at all.
	case "":
		return paramPath("type").required()
	default:
		return wabi.Errorf(wabi.EUnsupportedType, "Message type %q cannot be sent by a consumer: an inbound message's type must be one of %s.", m.Type, inboundTypeList)
	}
	if e != nil {
		return e
	}
	if e := validateOnlyObject(m.Type, c); e != nil {
		return e
	}
	if e := validateReferral(m.Type, c.Referral); e != nil {
		return e
	}
	if m.Context != nil && m.Context.MessageID == "" {
		return paramPath("context").k("message_id").required()
	}
	return nil
}

// validateButtonReply checks the tap on a template's quick-reply button: its
// payload, and its text no longer than a template button's.
func validateButtonReply(b *wabi.ButtonReply) *wabi.Error {
	p := paramPath("button")
	if b == nil {
		return p.required()
	}
	if b.Payload == "" {
		return p.k("payload").required()
	}
	return p.k("text").maxLen(b.Text, limButtonText)
}

// validateInteractiveReply checks a consumer's answer to an interactive message:
// a reply button, a list row or a completed flow, within the limits of the
// button or row it answers.
func validateInteractiveReply(in *wabi.Interactive) *wabi.Error {
	p := paramPath("interactive")
	if in == nil {
		return p.required()
	}
	// A reply carries one answer, the one its type names.
	stray := func(name string, set bool) *wabi.Error {
		if set {
			return p.k(name).invalid("is not allowed on an interactive reply of type %s.", in.Type)
		}
		return nil
	}
	switch in.Type {
	case wabi.InteractiveButtonReply:
		r := p.k("button_reply")
		if in.ButtonReply == nil {
			return r.required()
		}
		return firstError(r.k("id").text(in.ButtonReply.ID, limButtonID), r.k("title").text(in.ButtonReply.Title, limButtonTitle),
			stray("list_reply", in.ListReply != nil), stray("nfm_reply", in.NFMReply != nil))
	case wabi.InteractiveListReply:
		r := p.k("list_reply")
		if in.ListReply == nil {
			return r.required()
		}
		return firstError(r.k("id").text(in.ListReply.ID, limRowID), r.k("title").text(in.ListReply.Title, limRowTitle),
			r.k("description").maxLen(in.ListReply.Description, limRowDescription),
			stray("button_reply", in.ButtonReply != nil), stray("nfm_reply", in.NFMReply != nil))
	case wabi.InteractiveNFMReply:
		r := p.k("nfm_reply")
		if in.NFMReply == nil {
			return r.required()
		}
		if in.NFMReply.ResponseJSON == "" {
			return r.k("response_json").required()
		}
		if !json.Valid([]byte(in.NFMReply.ResponseJSON)) {
			return r.k("response_json").badValue("must be a string holding the flow's answer as JSON.")
		}
		return firstError(stray("button_reply", in.ButtonReply != nil), stray("list_reply", in.ListReply != nil))
	case "":
		return p.k("type").required()
	}
	return p.k("type").oneOf(in.Type, wabi.InteractiveButtonReply, wabi.InteractiveListReply, wabi.InteractiveNFMReply)
}
