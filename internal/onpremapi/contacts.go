package onpremapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// handleContacts checks whether numbers have WhatsApp.
func (a *API) handleContacts(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		Blocking   string   `json:"blocking"`
		Contacts   []string `json:"contacts"`
		ForceCheck bool     `json:"force_check"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch req.Blocking {
	case "", "no_wait", "wait":
	default:
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'blocking' must be wait or no_wait, not %q.", req.Blocking)
	}
	res, err := a.p.CheckContacts(r.Context(), c, req.Contacts, req.Blocking == "wait", req.ForceCheck)
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, struct {
		Contacts []wabi.ContactCheck `json:"contacts"`
	}{res})
	return nil
}

// handleGetIdentity returns a consumer's identity hash.
func (a *API) handleGetIdentity(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	id, err := a.p.ContactIdentity(r.Context(), c, r.PathValue("wa_id"))
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, struct {
		Contacts *platform.Identity `json:"contacts"`
	}{id})
	return nil
}

// handleAckIdentity acknowledges a consumer's identity.
func (a *API) handleAckIdentity(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		Hash string `json:"hash"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := a.p.AcknowledgeIdentity(r.Context(), c, r.PathValue("wa_id"), req.Hash); err != nil {
		return err
	}
	return a.ok(w)
}
