package controlapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// messageTypes are the values type= takes: every type a message can have.
var messageTypes = []string{
	string(wabi.TypeText), string(wabi.TypeImage), string(wabi.TypeAudio), string(wabi.TypeVideo),
	string(wabi.TypeDocument), string(wabi.TypeSticker), string(wabi.TypeLocation), string(wabi.TypeContacts),
	string(wabi.TypeInteractive), string(wabi.TypeTemplate), string(wabi.TypeReaction), string(wabi.TypeButton),
}

// messageStatuses are the values status= takes.
var messageStatuses = []string{
	string(wabi.StatusAccepted), string(wabi.StatusSent), string(wabi.StatusDelivered), string(wabi.StatusRead),
	string(wabi.StatusFailed), string(wabi.StatusReceived),
}

// handleListMessages lists messages of every chat, newest first, filtered by
// phone_number_id=, wa_id=, direction=, type=, status=, since= and until=,
// paged with before= and limit=.
func (a *API) handleListMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pnID, err := a.phoneNumberFilter(r)
	if err != nil {
		return err
	}
	f := wabi.MessageFilter{PhoneNumberID: pnID, WaID: q.Get("wa_id"), Direction: wabi.Direction(q.Get("direction")),
		Type: wabi.Type(q.Get("type")), Status: wabi.Status(q.Get("status"))}
	if err := oneOf("direction", string(f.Direction), string(wabi.Inbound), string(wabi.Outbound)); err != nil {
		return err
	}
	if err := oneOf("type", string(f.Type), messageTypes...); err != nil {
		return err
	}
	if err := oneOf("status", string(f.Status), messageStatuses...); err != nil {
		return err
	}
	if f.Since, err = timeParam(r, "since"); err != nil {
		return err
	}
	if f.Until, err = timeParam(r, "until"); err != nil {
		return err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return wabi.Errorf(wabi.EInvalidParam, "Param until must be later than since.")
	}
	page, err := a.messagePage(r, f)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, page)
}

// timeParam reads an RFC 3339 time from the query; zero when it is absent.
func timeParam(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	// An unescaped "+" of a zone offset arrives as a space; RFC 3339 has none.
	t, err := time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "+", 1))
	if err != nil {
		return time.Time{}, wabi.Errorf(wabi.EInvalidParam,
			"Param %s must be an RFC 3339 time such as 2026-03-01T12:00:00Z, not %q.", name, s)
	}
	return t, nil
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
