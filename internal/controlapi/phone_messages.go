package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// phoneMessage is what a virtual phone sends: the business number it writes to,
// the type, and the type's object as the Cloud API's inbound webhooks name it.
type phoneMessage struct {
	// To is the id of the business phone number, or its number as a consumer
	// would dial it (businessNumber).
	To   string    `json:"to"`
	Type wabi.Type `json:"type"`
	wabi.Content
}

// handlePhoneSend makes a virtual phone send a message to a business number: the
// platform stores it, opens the customer service window and queues the webhooks.
func (a *API) handlePhoneSend(w http.ResponseWriter, r *http.Request) error {
	var req phoneMessage
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("to", req.To); err != nil {
		return err
	}
	if err := required("type", string(req.Type)); err != nil {
		return err
	}
	to, err := a.Platform.BusinessNumberID(r.Context(), req.To)
	if err != nil {
		return err
	}
	m, err := a.Sim.Send(r.Context(), r.PathValue("wa_id"), to, &wabi.Message{Type: req.Type, Content: req.Content})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, m)
}

// chat is a page of a phone's messages; Typing is set when the page is of one
// business number.
type chat struct {
	list[*wabi.Message]
	Typing *bool `json:"typing,omitempty"`
}

// handlePhoneChat lists what a phone sent and received, newest first: with one
// business number (phone_number_id=) or with all of them.
func (a *API) handlePhoneChat(w http.ResponseWriter, r *http.Request) error {
	waID := r.PathValue("wa_id")
	if _, err := a.Platform.Store().VirtualPhone(r.Context(), waID); err != nil {
		return err
	}
	pnID, err := a.phoneNumberFilter(r)
	if err != nil {
		return err
	}
	page, err := a.messagePage(r, wabi.MessageFilter{PhoneNumberID: pnID, WaID: waID})
	if err != nil {
		return err
	}
	c := chat{list: page}
	if pnID != "" {
		typing := a.Platform.Typing(pnID, waID)
		c.Typing = &typing
	}
	return a.respond(w, r, http.StatusOK, c)
}

// handlePhoneRead makes a phone open delivered messages: the ones named in
// message_ids, or all of them; from one business number or from all.
func (a *API) handlePhoneRead(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PhoneNumberID string   `json:"phone_number_id"`
		MessageIDs    []string `json:"message_ids"`
	}
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	waID := r.PathValue("wa_id")
	if _, err := a.Platform.Store().VirtualPhone(r.Context(), waID); err != nil {
		return err
	}
	if err := mustExist(r.Context(), req.PhoneNumberID, a.Platform.Store().PhoneNumber); err != nil {
		return err
	}
	n, err := a.Sim.Read(r.Context(), waID, req.PhoneNumberID, req.MessageIDs)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, map[string]int{"read": n})
}
