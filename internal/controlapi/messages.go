package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// handleListMessages lists messages of every chat, newest first, filtered by
// phone_number_id=, wa_id= and direction=, paged with before= and limit=.
func (a *API) handleListMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pnID, err := a.phoneNumberFilter(r)
	if err != nil {
		return err
	}
	dir := q.Get("direction")
	if err := oneOf("direction", dir, string(wabi.Inbound), string(wabi.Outbound)); err != nil {
		return err
	}
	page, err := a.messagePage(r, wabi.MessageFilter{PhoneNumberID: pnID, WaID: q.Get("wa_id"), Direction: wabi.Direction(dir)})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, page)
}

func (a *API) handleGetMessage(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.Store().Message)
}

// messagePage returns the page of the messages f selects that before= and
// limit= ask for.
func (a *API) messagePage(r *http.Request, f wabi.MessageFilter) (list[*wabi.Message], error) {
	pg, err := pageOf(r)
	if err != nil {
		return list[*wabi.Message]{}, err
	}
	f.BeforeID, f.Limit = pg.before, pg.limit+1
	ms, err := a.Platform.Store().Messages(r.Context(), f)
	if err != nil {
		return list[*wabi.Message]{}, err
	}
	return paged(ms, pg.limit, messageID), nil
}

func messageID(m *wabi.Message) string { return m.ID }
