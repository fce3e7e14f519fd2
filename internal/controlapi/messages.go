package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// handleListMessages lists messages of every chat, newest first, filtered by
// phone_number_id=, wa_id= and direction=, paged with before= and limit=.
func (a *API) handleListMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pnID, err := a.phoneNumberFilter(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	dir := q.Get("direction")
	if err := oneOf("direction", dir, string(wabi.Inbound), string(wabi.Outbound)); err != nil {
		a.writeError(w, r, err)
		return
	}
	pg, err := pageOf(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ms, err := a.Platform.Store().Messages(r.Context(), wabi.MessageFilter{
		PhoneNumberID: pnID, WaID: q.Get("wa_id"), Direction: wabi.Direction(dir),
		BeforeID: pg.before, Limit: pg.limit + 1,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, paged(ms, pg.limit, messageID))
}

func (a *API) handleGetMessage(w http.ResponseWriter, r *http.Request) {
	m, err := a.Platform.Store().Message(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, m)
}
