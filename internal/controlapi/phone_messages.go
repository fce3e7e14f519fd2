package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// phoneMessage is what a virtual phone sends: the business number it writes to,
// the type, and the type's object as the Cloud API's inbound webhooks name it.
type phoneMessage struct {
	// To is the id of the business phone number.
	To   string    `json:"to"`
	Type wabi.Type `json:"type"`
	wabi.Content
}

// handlePhoneSend makes a virtual phone send a message to a business number: the
// platform stores it, opens the customer service window and queues the webhooks.
func (a *API) handlePhoneSend(w http.ResponseWriter, r *http.Request) {
	var req phoneMessage
	if err := decode(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := required("to", req.To); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := required("type", string(req.Type)); err != nil {
		a.writeError(w, r, err)
		return
	}
	m, err := a.Sim.Send(r.Context(), r.PathValue("wa_id"), req.To, &wabi.Message{Type: req.Type, Content: req.Content})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusCreated, m)
}

// chat is a page of a phone's messages; Typing is set when the page is of one
// business number.
type chat struct {
	list[*wabi.Message]
	Typing *bool `json:"typing,omitempty"`
}

// handlePhoneChat lists what a phone sent and received, newest first: with one
// business number (phone_number_id=) or with all of them.
func (a *API) handlePhoneChat(w http.ResponseWriter, r *http.Request) {
	waID := r.PathValue("wa_id")
	if _, err := a.Platform.Store().VirtualPhone(r.Context(), waID); err != nil {
		a.writeError(w, r, err)
		return
	}
	pnID, err := a.phoneNumberFilter(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	pg, err := pageOf(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ms, err := a.Platform.Store().Messages(r.Context(), wabi.MessageFilter{
		PhoneNumberID: pnID, WaID: waID, BeforeID: pg.before, Limit: pg.limit + 1,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	c := chat{list: paged(ms, pg.limit, messageID)}
	if pnID != "" {
		typing := a.Platform.Typing(pnID, waID)
		c.Typing = &typing
	}
	a.encode(w, r, http.StatusOK, c)
}

// handlePhoneRead makes a phone open delivered messages: the ones named in
// message_ids, or all of them; from one business number or from all.
func (a *API) handlePhoneRead(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PhoneNumberID string   `json:"phone_number_id"`
		MessageIDs    []string `json:"message_ids"`
	}
	if err := decodeOptional(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	waID := r.PathValue("wa_id")
	if _, err := a.Platform.Store().VirtualPhone(r.Context(), waID); err != nil {
		a.writeError(w, r, err)
		return
	}
	if req.PhoneNumberID != "" {
		if _, err := a.Platform.Store().PhoneNumber(r.Context(), req.PhoneNumberID); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	n, err := a.Sim.Read(r.Context(), waID, req.PhoneNumberID, req.MessageIDs)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, map[string]int{"read": n})
}

func messageID(m *wabi.Message) string { return m.ID }
