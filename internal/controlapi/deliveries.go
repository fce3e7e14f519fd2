package controlapi

import (
	"encoding/json"
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// deliveryDetail is one webhook delivery with its body and its attempts. Lists
// show deliveries without them.
type deliveryDetail struct {
	*wabi.Delivery
	// Body is the webhook body as JSON, or as a string if it is not JSON.
	Body     json.RawMessage `json:"body"`
	Attempts []*wabi.Attempt `json:"attempts"`
}

func deliveryID(d *wabi.Delivery) string { return d.ID }

// bodyJSON returns a stored body as a JSON value.
func bodyJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// handleListDeliveries lists webhook deliveries newest first, filtered by app_id=,
// state= and message_id=, paged with before= and limit=.
func (a *API) handleListDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	appID := q.Get("app_id")
	if appID != "" {
		if _, err := a.Platform.Store().App(r.Context(), appID); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	state := q.Get("state")
	if err := oneOf("state", state, string(wabi.DeliveryPending), string(wabi.DeliveryDelivered), string(wabi.DeliveryFailed)); err != nil {
		a.writeError(w, r, err)
		return
	}
	pg, err := pageOf(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ds, err := a.Platform.Store().Deliveries(r.Context(), wabi.DeliveryFilter{
		AppID: appID, State: wabi.DeliveryState(state), MessageID: q.Get("message_id"),
		BeforeID: pg.before, Limit: pg.limit + 1,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, paged(ds, pg.limit, deliveryID))
}

func (a *API) handleGetDelivery(w http.ResponseWriter, r *http.Request) {
	d, err := a.Platform.Store().Delivery(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeDelivery(w, r, d)
}

// handleRedeliver sends a delivery again, whatever its state; it answers with the
// delivery's new state.
func (a *API) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	d, err := a.Webhooks.Redeliver(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeDelivery(w, r, d)
}

// writeDelivery answers with one delivery, its body and its attempts.
func (a *API) writeDelivery(w http.ResponseWriter, r *http.Request, d *wabi.Delivery) {
	if len(d.Body) == 0 {
		// A redeliverer may answer with the state alone; the body never changes.
		stored, err := a.Platform.Store().Delivery(r.Context(), d.ID)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		d.Body = stored.Body
	}
	as, err := a.Platform.Store().Attempts(r.Context(), d.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if as == nil {
		as = []*wabi.Attempt{}
	}
	a.encode(w, r, http.StatusOK, deliveryDetail{Delivery: d, Body: bodyJSON(d.Body), Attempts: as})
}
