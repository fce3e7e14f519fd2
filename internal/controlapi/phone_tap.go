package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// handlePhoneTap makes a virtual phone's user tap a button of a message the
// phone received: a template's quick reply (button), an interactive reply
// button (button) or a list row (row_id). The phone sends the reply through the
// simulated network, quoting the tapped message, and the business gets its
// webhook. Buttons that open a link or dial a number cannot be tapped.
func (a *API) handlePhoneTap(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		MessageID string `json:"message_id"`
		Button    *int   `json:"button"`
		RowID     string `json:"row_id"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("message_id", req.MessageID); err != nil {
		return err
	}
	waID := r.PathValue("wa_id")
	if _, err := a.Platform.Store().VirtualPhone(r.Context(), waID); err != nil {
		return err
	}
	pnID, reply, err := a.Platform.TapReply(r.Context(), waID, platform.Tap{MessageID: req.MessageID, Button: req.Button, RowID: req.RowID})
	if err != nil {
		return err
	}
	m, err := a.Sim.Send(r.Context(), waID, pnID, reply)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, m)
}
