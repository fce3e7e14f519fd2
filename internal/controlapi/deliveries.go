package controlapi

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/wabihq/wabi/internal/live"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/webhook"
)

// maxRedeliver caps how many deliveries one bulk redelivery sends again.
const maxRedeliver = 1000

// defaultUserAgent is the User-Agent of the webhook engine when it sets none.
const defaultUserAgent = "wabi-webhooks/1"

// deliveryDetail is one webhook delivery with what its receiver gets: the request
// and its body, and every attempt. Lists show deliveries without them.
type deliveryDetail struct {
	*wabi.Delivery
	// Body is the webhook body as JSON, or as a string if it is not JSON.
	Body     json.RawMessage `json:"body"`
	Request  webhookRequest  `json:"request"`
	Attempts []*wabi.Attempt `json:"attempts"`
}

// webhookRequest is the POST a delivery makes, as the receiver sees it.
type webhookRequest struct {
	Method string `json:"method"`
	// URL is where the last attempt went; before the first, where the next one
	// would go. "" when there is nowhere to go.
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
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

// handleListDeliveries lists webhook deliveries newest first, filtered by app_id=
// or target_id=, dialect=, state= and message_id=, paged with before= and limit=.
func (a *API) handleListDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	appID, err := queryRef(r, "app_id", a.Platform.Store().App)
	if err != nil {
		return err
	}
	// target_id also names On-Premises deployments (phone number ids), so it
	// is not checked against the apps.
	target := q.Get("target_id")
	if appID != "" && target != "" && appID != target {
		return wabi.Errorf(wabi.EInvalidParam, "Give app_id or target_id, not both.")
	}
	state, dialect := q.Get("state"), q.Get("dialect")
	if err := oneOf("state", state, string(wabi.DeliveryPending), string(wabi.DeliveryDelivered), string(wabi.DeliveryFailed)); err != nil {
		return err
	}
	if err := oneOf("dialect", dialect, wabi.DialectCloud, wabi.DialectOnPrem); err != nil {
		return err
	}
	pg, err := pageOf(r)
	if err != nil {
		return err
	}
	ds, err := a.Platform.Store().Deliveries(r.Context(), wabi.DeliveryFilter{
		AppID: cmp.Or(appID, target), Dialect: dialect, State: wabi.DeliveryState(state), MessageID: q.Get("message_id"),
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
	a.publishDelivery(d)
	return a.respondDelivery(w, r, d)
}

// handleRedeliverAll sends every failed delivery again (of one app, if app_id
// is given), at most maxRedeliver per call, oldest first so that each chat's
// webhooks keep their order. It answers how many it sent and whether more are
// left for another call.
func (a *API) handleRedeliverAll(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		State string `json:"state"`
		AppID string `json:"app_id"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("state", req.State); err != nil {
		return err
	}
	if req.State != string(wabi.DeliveryFailed) {
		return wabi.Errorf(wabi.EInvalidParam, "Param state must be failed, not %q: only failed deliveries are sent again in bulk.", req.State)
	}
	if err := mustExist(r.Context(), req.AppID, a.Platform.Store().App); err != nil {
		return err
	}
	limit := cmp.Or(a.redeliverCap, maxRedeliver)
	ds, err := a.Platform.Store().Deliveries(r.Context(), wabi.DeliveryFilter{
		AppID: req.AppID, State: wabi.DeliveryFailed, Limit: limit + 1})
	if err != nil {
		return err
	}
	more := len(ds) > limit
	ds = ds[:min(len(ds), limit)]
	n := 0
	for _, d := range slices.Backward(ds) {
		nd, err := a.Webhooks.Redeliver(r.Context(), d.ID)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			continue // gone since the list was read
		}
		if err != nil {
			return err
		}
		a.publishDelivery(nd)
		n++
	}
	return a.respond(w, r, http.StatusOK, struct {
		Redelivered int  `json:"redelivered"`
		More        bool `json:"more"`
	}{n, more})
}

// publishDelivery tells live views about a delivery sent again: the engine
// tells them about attempts only.
func (a *API) publishDelivery(d *wabi.Delivery) {
	if a.Live != nil {
		c := *d
		a.Live.Delivery(&c, nil)
	}
}

// respondDelivery answers with one delivery, its request and its attempts.
func (a *API) respondDelivery(w http.ResponseWriter, r *http.Request, d *wabi.Delivery) error {
	dd, err := a.deliveryDetail(r.Context(), &live.DeliveryChange{Delivery: d})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, dd)
}

// deliveryDetail completes a delivery with its body, request and attempts as of
// the delivery's state. The change's attempt, if any, is newer than the store
// may be (the engine tells about an attempt before it writes it), so it
// replaces what the store has of it.
func (a *API) deliveryDetail(ctx context.Context, c *live.DeliveryChange) (*deliveryDetail, error) {
	// A copy: live events share their delivery between subscribers.
	dc, latest := *c.Delivery, c.Attempt
	d := &dc
	store := a.Platform.Store()
	if len(d.Body) == 0 {
		// A redeliverer may answer with the state alone; the body never changes.
		stored, err := store.Delivery(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		d.Body = stored.Body
	}
	as := []*wabi.Attempt{}
	if d.Attempts > 0 && (latest == nil || latest.N > 1) {
		var err error
		if as, err = store.Attempts(ctx, d.ID); err != nil {
			return nil, err
		}
	}
	// Attempts recorded since the delivery's state was taken are left out, so
	// that the attempts match the state beside them.
	last := d.Attempts
	if latest != nil {
		last = latest.N - 1
	}
	as = slices.DeleteFunc(as, func(x *wabi.Attempt) bool { return x.N > last })
	if latest != nil {
		as = append(as, latest)
	}
	return &deliveryDetail{Delivery: d, Body: bodyJSON(d.Body), Request: a.request(ctx, d, as), Attempts: as}, nil
}

// request rebuilds the POST of a delivery: the engine's headers, and the
// signature under the app's current secret, which is what the next attempt
// sends. On-Premises deliveries go unsigned.
func (a *API) request(ctx context.Context, d *wabi.Delivery, as []*wabi.Attempt) webhookRequest {
	req := webhookRequest{Method: http.MethodPost, Headers: map[string]string{
		"Content-Type":   "application/json",
		"Content-Length": strconv.Itoa(len(d.Body)),
		"User-Agent":     a.userAgent(),
	}}
	for _, at := range slices.Backward(as) {
		if at.URL != "" {
			req.URL = at.URL
			break
		}
	}
	if req.URL != "" && d.Dialect != wabi.DialectCloud {
		return req
	}
	// Resolve reads cached tenancy: the URL the next attempt takes, and the secret.
	t, err := a.Platform.Resolve(ctx, d)
	if err == nil && req.URL == "" {
		req.URL = t.URL
	}
	secret := t.Secret
	if err != nil && d.Dialect == wabi.DialectCloud {
		// An app without a callback URL still has its secret.
		if app, err := a.Platform.Store().App(ctx, d.TargetID); err == nil {
			secret = app.Secret
		}
	}
	if secret != "" {
		req.Headers["X-Hub-Signature-256"] = webhook.Sign(secret, d.Body)
	}
	return req
}

// userAgent is the User-Agent the webhook engine sends.
func (a *API) userAgent() string {
	if e, ok := a.Webhooks.(*webhook.Engine); ok && e.UserAgent != "" {
		return e.UserAgent
	}
	return defaultUserAgent
}
