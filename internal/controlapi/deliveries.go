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
func (a *API) handleListDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	appID, err := queryRef(r, "app_id", a.Platform.Store().App)
	if err != nil {
		return err
	}
	state := q.Get("state")
	if err := oneOf("state", state, string(wabi.DeliveryPending), string(wabi.DeliveryDelivered), string(wabi.DeliveryFailed)); err != nil {
		return err
	}
	pg, err := pageOf(r)
	if err != nil {
		return err
	}
	ds, err := a.Platform.Store().Deliveries(r.Context(), wabi.DeliveryFilter{
		AppID: appID, State: wabi.DeliveryState(state), MessageID: q.Get("message_id"),
		BeforeID: pg.before, Limit: pg.limit + 1,
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, paged(ds, pg.limit, deliveryID))
}

func (a *API) handleGetDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := a.Platform.Store().Delivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respondDelivery(w, r, d)
}

// handleRedeliver sends a delivery again, whatever its state; it answers with the
// delivery's new state.
func (a *API) handleRedeliver(w http.ResponseWriter, r *http.Request) error {
	d, err := a.Webhooks.Redeliver(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respondDelivery(w, r, d)
}

// respondDelivery answers with one delivery, its body and its attempts.
func (a *API) respondDelivery(w http.ResponseWriter, r *http.Request, d *wabi.Delivery) error {
	if len(d.Body) == 0 {
		// A redeliverer may answer with the state alone; the body never changes.
		stored, err := a.Platform.Store().Delivery(r.Context(), d.ID)
		if err != nil {
			return err
		}
		d.Body = stored.Body
	}
	as, err := a.Platform.Store().Attempts(r.Context(), d.ID)
	if err != nil {
		return err
	}
	if as == nil {
		as = []*wabi.Attempt{}
	}
	return a.respond(w, r, http.StatusOK, deliveryDetail{Delivery: d, Body: bodyJSON(d.Body), Attempts: as})
}
