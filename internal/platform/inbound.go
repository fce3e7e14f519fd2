package platform

import (
	"github.com/wabihq/wabi/internal/wabi"
)

// ValidateInbound checks a message a virtual phone sends: a known inbound type with
// its object, the way WhatsApp itself would produce it.
func ValidateInbound(m *wabi.Message) error {
	if m.WaID == "" {
		return wabi.Errorf(wabi.ERequired, "The parameter from is required.")
	}
	c := &m.Content
	var present bool
	switch m.Type {
	case wabi.TypeText:
		present = c.Text != nil && c.Text.Body != ""
	case wabi.TypeImage, wabi.TypeAudio, wabi.TypeVideo, wabi.TypeDocument, wabi.TypeSticker:
		md := c.MediaOf(m.Type)
		present = md != nil && (md.ID != "" || md.Link != "")
	case wabi.TypeLocation:
		present = c.Location != nil && c.Location.Latitude != nil && c.Location.Longitude != nil
	case wabi.TypeContacts:
		present = len(c.Contacts) > 0
	case wabi.TypeReaction:
		present = c.Reaction != nil && c.Reaction.MessageID != ""
	case wabi.TypeButton:
		present = c.Button != nil && c.Button.Payload != ""
	case wabi.TypeInteractive:
		in := c.Interactive
		present = in != nil && (in.Type == wabi.InteractiveButtonReply && in.ButtonReply != nil ||
			in.Type == wabi.InteractiveListReply && in.ListReply != nil ||
			in.Type == wabi.InteractiveNFMReply && in.NFMReply != nil)
	default:
		return wabi.Errorf(wabi.EUnsupportedType, "Message type %q cannot be sent by a consumer.", m.Type)
	}
	if !present {
		return wabi.Errorf(wabi.ERequired, "The parameter %s is required for a %s message.", m.Type, m.Type)
	}
	return nil
}
