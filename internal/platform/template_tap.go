package platform

import (
	"context"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// Tap is a consumer's tap on a business message: on a template's quick-reply
// button or an interactive reply button (Button, counted from 0), or on a row of
// an interactive list (RowID).
type Tap struct {
	MessageID string
	Button    *int
	RowID     string
}

// TapReply returns the message a virtual phone sends back when its user taps a
// button or list row of a message it received, and the business number to send
// it to: a template quick reply becomes a "button" message carrying the
// button's payload (the one sent with the template, else the button's text); an
// interactive button a button_reply; a list row a list_reply. Each quotes the
// tapped message. URL, phone and other buttons open something on the phone and
// send nothing back, so they cannot be tapped here.
func (p *Platform) TapReply(ctx context.Context, waID string, tap Tap) (string, *wabi.Message, error) {
	if tap.MessageID == "" {
		return "", nil, wabi.Errorf(wabi.ERequired, "The parameter message_id is required.")
	}
	m, err := p.store.Message(ctx, tap.MessageID)
	if wabi.ErrorCode(err) == wabi.ENotFound || err == nil && (m.Direction != wabi.Outbound || m.WaID != waID) {
		return "", nil, wabi.Errorf(wabi.EInvalidValue, "Invalid message_id %s: the phone %s received no business message with this id.", tap.MessageID, waID)
	} else if err != nil {
		return "", nil, err
	}
	if m.Status != wabi.StatusDelivered && m.Status != wabi.StatusRead {
		return "", nil, wabi.Errorf(wabi.EInvalidValue, "Message %s has not reached the phone (its status is %s), so it cannot be tapped yet.", m.ID, m.Status)
	}
	reply := &wabi.Message{Content: wabi.Content{Context: &wabi.Context{MessageID: m.ID}}}
	switch {
	case m.Type == wabi.TypeTemplate && m.Template != nil:
		b, payload, err := p.tappedTemplateButton(ctx, m, tap)
		if err != nil {
			return "", nil, err
		}
		reply.Type = wabi.TypeButton
		reply.Button = &wabi.ButtonReply{Payload: payload, Text: b.Text}
	case m.Type == wabi.TypeInteractive && m.Interactive != nil && m.Interactive.Action != nil:
		in := m.Interactive
		reply.Type = wabi.TypeInteractive
		switch in.Type {
		case wabi.InteractiveButton:
			i, err := tappedIndex(tap, len(in.Action.Buttons))
			if err != nil {
				return "", nil, err
			}
			choice := in.Action.Buttons[i].Reply
			if choice == nil {
				return "", nil, wabi.Errorf(wabi.EInvalidParam, "Button %d of message %s is not a reply button.", i, m.ID)
			}
			reply.Interactive = &wabi.Interactive{Type: wabi.InteractiveButtonReply, ButtonReply: &wabi.ReplyChoice{ID: choice.ID, Title: choice.Title}}
		case wabi.InteractiveList:
			row, err := tappedRow(m, tap.RowID)
			if err != nil {
				return "", nil, err
			}
			reply.Interactive = &wabi.Interactive{Type: wabi.InteractiveListReply, ListReply: &row}
		default:
			return "", nil, wabi.Errorf(wabi.EInvalidParam, "Message %s is an interactive %s message; only button and list messages send a reply when tapped.", m.ID, in.Type)
		}
	default:
		return "", nil, wabi.Errorf(wabi.EInvalidParam, "Message %s is a %s message: it has no buttons to tap.", m.ID, m.Type)
	}
	return m.PhoneNumberID, reply, nil
}

// tappedTemplateButton finds the quick-reply button a tap on a template message
// names, and the payload it sends back.
func (p *Platform) tappedTemplateButton(ctx context.Context, m *wabi.Message, tap Tap) (wabi.TemplateButton, string, error) {
	pn, err := p.phoneNumber(ctx, m.PhoneNumberID)
	if err != nil {
		return wabi.TemplateButton{}, "", err
	}
	all, err := p.templates(ctx, pn.WABAID)
	if err != nil {
		return wabi.TemplateButton{}, "", err
	}
	var buttons []wabi.TemplateButton
	found := false
	for _, t := range all {
		if t.Name == m.Template.Name && m.Template.Language != nil && t.Language == m.Template.Language.Code {
			found = true
			for _, c := range t.Components {
				if strings.EqualFold(c.Type, "BUTTONS") {
					buttons = c.Buttons
				}
			}
		}
	}
	if !found {
		return wabi.TemplateButton{}, "", wabi.Errorf(wabi.EInvalidValue, "The template %s of message %s no longer exists, so its buttons are unknown.", m.Template.Name, m.ID)
	}
	i, err := tappedIndex(tap, len(buttons))
	if err != nil {
		return wabi.TemplateButton{}, "", err
	}
	b := buttons[i]
	if !strings.EqualFold(b.Type, "QUICK_REPLY") {
		return wabi.TemplateButton{}, "", wabi.Errorf(wabi.EInvalidParam, "Button %d of message %s is a %s button: it opens something on the phone and sends no message back. Only QUICK_REPLY buttons can be tapped.", i, m.ID, b.Type)
	}
	payload := b.Text
	for _, c := range m.Template.Components {
		if strings.EqualFold(c.Type, "button") && len(c.Parameters) > 0 && c.Parameters[0].Payload != nil {
			if n, err := buttonIndex(c.Index); err == nil && n == i {
				payload = *c.Parameters[0].Payload
			}
		}
	}
	return b, payload, nil
}

// tappedIndex checks a tap's button index against the number of buttons.
func tappedIndex(tap Tap, n int) (int, error) {
	switch {
	case tap.Button == nil:
		return 0, wabi.Errorf(wabi.ERequired, "The parameter button is required: the index of the button, from 0.")
	case n == 0:
		return 0, wabi.Errorf(wabi.EInvalidParam, "Message %s has no buttons.", tap.MessageID)
	case *tap.Button < 0 || *tap.Button >= n:
		return 0, wabi.Errorf(wabi.EInvalidParam, "Param button must be from 0 to %d: message %s has %d buttons (got %d).", n-1, tap.MessageID, n, *tap.Button)
	}
	return *tap.Button, nil
}

// tappedRow finds the list row a tap names.
func tappedRow(m *wabi.Message, rowID string) (wabi.ReplyChoice, error) {
	if rowID == "" {
		return wabi.ReplyChoice{}, wabi.Errorf(wabi.ERequired, "The parameter row_id is required: the id of the list row.")
	}
	for _, s := range m.Interactive.Action.Sections {
		for _, r := range s.Rows {
			if r.ID == rowID {
				return r, nil
			}
		}
	}
	return wabi.ReplyChoice{}, wabi.Errorf(wabi.EInvalidParam, "Message %s has no list row with the id %q.", m.ID, rowID)
}
