package platform

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

var _ wabi.NetworkSink = (*Platform)(nil)

// UpdateStatus records what the network says became of an outbound message and
// queues its status webhooks. A status that would move a message backwards (a late
// "delivered" after "read") is ignored.
func (p *Platform) UpdateStatus(ctx context.Context, u wabi.StatusUpdate) error {
	return p.UpdateStatuses(ctx, []wabi.StatusUpdate{u})[0]
}

// Receive records a message a consumer sent to a business number: it opens (or
// refreshes) the customer service window and queues the message webhooks.
func (p *Platform) Receive(ctx context.Context, m *wabi.Message) (*wabi.Message, error) {
	pn, err := p.phoneNumber(ctx, m.PhoneNumberID)
	if err != nil {
		return nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return nil, err
	}
	if err := ValidateInbound(m); err != nil {
		return nil, err
	}
	if pn.Platform == wabi.PlatformOnPrem {
		if err := onPremInbound(m); err != nil {
			return nil, err
		}
	}
	// A consumer who blocked a business cannot write to it: WhatsApp asks
	// them to unblock it first.
	if blocked, err := p.blockedBy(ctx, pn.ID, m.WaID); err != nil {
		return nil, err
	} else if blocked {
		return nil, wabi.Errorf(wabi.EPermission, "%s blocked business number %s; unblock it before writing to it.", m.WaID, pn.DisplayPhoneNumber)
	}
	if err := p.resolveInboundMedia(ctx, pn, m); err != nil {
		return nil, err
	}
	now := p.clock.Now()
	m.ID = p.ids.NewWAMID(m.WaID, false)
	m.Direction = wabi.Inbound
	m.Timestamp, m.StatusAt = now, now
	m.Status = wabi.StatusReceived
	if m.Context != nil && m.Context.MessageID != "" {
		m.Context.From = pn.DisplayPhoneNumber
	}
	profile := ""
	if vp, err := p.store.VirtualPhone(ctx, m.WaID); err == nil {
		profile = vp.ProfileName
	}
	if m.System != nil && m.System.Body == "" {
		// WhatsApp writes the notice itself; receivers show its body as is.
		m.System.Body = systemBody(m, profile)
	}
	if err := p.recordInbound(ctx, pn, w, m, profile, now); err != nil {
		return nil, err
	}
	return m, nil
}

// recordInbound commits an inbound message of pn with its messages webhooks
// for every subscribed app and its chat's window opened (or renewed) at
// lastInbound, in one write, then queues the webhooks.
func (p *Platform) recordInbound(ctx context.Context, pn *wabi.PhoneNumber, w *wabi.WABA, m *wabi.Message, profile string, lastInbound time.Time) error {
	ds, err := p.numberDeliveries(ctx, pn, w, m.WaID, "", func(app *wabi.App) (*wabi.Event, string) {
		return &wabi.Event{Field: wabi.FieldMessages, App: app, WABA: w, Phone: pn, Message: m, ProfileName: profile}, "message"
	})
	if err != nil {
		return err
	}
	for _, d := range ds {
		d.MessageID = m.ID
	}
	b := &wabi.Batch{
		Messages:   []*wabi.Message{m},
		Windows:    []wabi.Window{{PhoneNumberID: pn.ID, WaID: m.WaID, LastInbound: lastInbound}},
		Deliveries: ds,
	}
	if err := p.store.Commit(ctx, b); err != nil {
		return err
	}
	p.drop("win:" + chatKey(pn.ID, m.WaID))
	p.changed(m)
	p.enqueue(ds)
	return nil
}

// MarkRead marks an inbound message, and every earlier one of its chat, as read by
// the business; with typing it also shows the typing indicator for up to 25 s.
func (p *Platform) MarkRead(ctx context.Context, c Caller, via wabi.Platform, phoneNumberID, messageID string, typing bool) error {
	pn, _, err := p.numberFor(ctx, c, phoneNumberID, wabi.ScopeMessaging)
	if err != nil {
		return err
	}
	cfg, err := p.relayOf(ctx, pn.ID)
	if err != nil {
		return err
	}
	if cfg != nil {
		// The upstream holds the chat: it judges the id, and wabi marks its
		// own copy of the message, if it has one, once the upstream has.
		err = p.markReadRelayed(ctx, cfg, pn, via, messageID, typing)
	} else {
		err = p.checkSender(pn, via)
	}
	if err != nil {
		return err
	}
	var invalid error = wabi.Errorf(wabi.EInvalidValue, "Invalid message_id %s: no message received by this phone number has this id.", messageID)
	if cfg != nil {
		invalid = nil
	}
	m, err := p.store.Message(ctx, messageID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return invalid
	} else if err != nil {
		return err
	}
	now := p.clock.Now()
	if m.PhoneNumberID != pn.ID || m.Direction != wabi.Inbound || now.Sub(m.Timestamp) > 30*24*time.Hour {
		return invalid
	}
	earlier, err := p.store.Messages(ctx, wabi.MessageFilter{PhoneNumberID: pn.ID, WaID: m.WaID, Direction: wabi.Inbound, Limit: 1000})
	if err != nil {
		return err
	}
	b := &wabi.Batch{}
	var read []*wabi.Message
	for _, e := range earlier {
		if e.Status == wabi.StatusReceived && !e.Timestamp.After(m.Timestamp) {
			b.Statuses = append(b.Statuses, wabi.StatusChange{MessageID: e.ID, Status: wabi.StatusRead, At: now})
			if p.OnMessage != nil {
				read = append(read, e)
			}
		}
	}
	if typing {
		p.typing.Store(chatKey(pn.ID, m.WaID), now.Add(25*time.Second))
	}
	if len(b.Statuses) == 0 {
		return nil
	}
	if err := p.store.Commit(ctx, b); err != nil {
		return err
	}
	// The messages were read from the store for this call: they are copies
	// already.
	for _, e := range read {
		e.Status, e.StatusAt = wabi.StatusRead, now
		p.OnMessage(e)
	}
	return nil
}

// Typing reports whether the business shows the typing indicator in a chat.
func (p *Platform) Typing(phoneNumberID, waID string) bool {
	v, ok := p.typing.Load(chatKey(phoneNumberID, waID))
	return ok && p.clock.Now().Before(v.(time.Time))
}

// statusDeliveries renders the status webhook of m for every subscribed receiver.
func (p *Platform) statusDeliveries(ctx context.Context, pn *wabi.PhoneNumber, w *wabi.WABA, m *wabi.Message, u wabi.StatusUpdate) ([]*wabi.Delivery, error) {
	ds, err := p.numberDeliveries(ctx, pn, w, m.WaID, u.Status, func(app *wabi.App) (*wabi.Event, string) {
		return &wabi.Event{Field: wabi.FieldMessages, App: app, WABA: w, Phone: pn, Message: m, Status: &u}, "status." + string(u.Status)
	})
	for _, d := range ds {
		d.MessageID = m.ID
	}
	return ds, err
}

// numberDeliveries renders the webhooks of a number's message or status event
// where the number's platform sends them: to the apps subscribed to its WABA for
// a Cloud API number, to its deployment's webhook URL for an On-Premises one.
// status is "" for an inbound message.
func (p *Platform) numberDeliveries(ctx context.Context, pn *wabi.PhoneNumber, w *wabi.WABA, waID string, status wabi.Status, event func(*wabi.App) (*wabi.Event, string)) ([]*wabi.Delivery, error) {
	if pn.Platform != wabi.PlatformOnPrem {
		return p.fanout(ctx, w, wabi.FieldMessages, pn.ID, waID, event)
	}
	s, err := p.appSettings(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	// Without a webhook URL the client drops its callbacks; so does wabi.
	if s.Webhooks.URL == "" || (status != "" && !s.WantsStatus(status)) {
		return nil, nil
	}
	e, name := event(nil)
	d, err := p.deploymentDelivery(pn, waID, name, e)
	if err != nil {
		return nil, err
	}
	d.WABAID = w.ID
	return []*wabi.Delivery{d}, nil
}

// deploymentDelivery renders one webhook of an On-Premises deployment.
func (p *Platform) deploymentDelivery(pn *wabi.PhoneNumber, waID, name string, e *wabi.Event) (*wabi.Delivery, error) {
	enc := p.Encoders[wabi.DialectOnPrem]
	if enc == nil {
		return nil, fmt.Errorf("platform: no webhook encoder for dialect %q", wabi.DialectOnPrem)
	}
	body, err := enc.Encode(e)
	if err != nil {
		return nil, fmt.Errorf("platform: render %s webhook: %w", name, err)
	}
	now := p.clock.Now()
	return &wabi.Delivery{
		ID: p.ids.NewID(), Dialect: wabi.DialectOnPrem, TargetID: pn.ID, WABAID: pn.WABAID,
		PhoneNumberID: pn.ID, WaID: waID, Event: name, Body: body,
		State: wabi.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// fanout renders one delivery per app subscribed to the WABA that takes the field.
// Deliveries of one (app, phone number, wa_id) are delivered in order; WABA-level
// events (templates) leave both empty.
func (p *Platform) fanout(ctx context.Context, w *wabi.WABA, field, phoneNumberID, waID string, event func(*wabi.App) (*wabi.Event, string)) ([]*wabi.Delivery, error) {
	subs, err := p.subscriptions(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	enc := p.Encoders[wabi.DialectCloud]
	var ds []*wabi.Delivery
	now := p.clock.Now()
	for _, s := range subs {
		app, err := p.app(ctx, s.AppID)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			continue
		} else if err != nil {
			return nil, err
		}
		if !app.Subscribed(field) && !(s.OverrideCallbackURL != "" && slices.Contains(app.Fields, field)) {
			continue
		}
		if enc == nil {
			return nil, fmt.Errorf("platform: no webhook encoder for dialect %q", wabi.DialectCloud)
		}
		e, name := event(app)
		body, err := enc.Encode(e)
		if err != nil {
			return nil, fmt.Errorf("platform: render %s webhook: %w", name, err)
		}
		ds = append(ds, &wabi.Delivery{
			ID:            p.ids.NewID(),
			Dialect:       wabi.DialectCloud,
			TargetID:      app.ID,
			WABAID:        w.ID,
			PhoneNumberID: phoneNumberID,
			WaID:          waID,
			Event:         name,
			Body:          body,
			State:         wabi.DeliveryPending,
			NextAttemptAt: now,
			CreatedAt:     now,
			UpdatedAt:     now,
		})
	}
	return ds, nil
}

// Resolve tells the webhook engine where a delivery goes now and how: for an
// On-Premises deployment its webhook URL, unsigned, retried linearly as its
// settings say and delivered only by HTTP 200; for an app the override callback
// URL of its subscription to the delivery's WABA if set, else the app's, signed
// with the app secret.
func (p *Platform) Resolve(ctx context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error) {
	if d.Dialect == wabi.DialectOnPrem {
		s, err := p.appSettings(ctx, d.TargetID)
		if err != nil {
			return wabi.WebhookTarget{}, err
		}
		if s.Webhooks.URL == "" {
			return wabi.WebhookTarget{}, wabi.Errorf(wabi.EInvalidParam, "Phone number %s has no webhooks.url in /v1/settings/application.", d.TargetID)
		}
		step, limit := s.Backoff()
		return wabi.WebhookTarget{URL: s.Webhooks.URL, RetryStep: step, RetryCap: limit, OnlyOK: true}, nil
	}
	app, err := p.app(ctx, d.TargetID)
	if err != nil {
		return wabi.WebhookTarget{}, err
	}
	url := app.CallbackURL
	wabaID := d.WABAID
	if wabaID == "" && d.PhoneNumberID != "" {
		// Deliveries queued before deliveries named their WABA.
		if pn, err := p.phoneNumber(ctx, d.PhoneNumberID); err == nil {
			wabaID = pn.WABAID
		}
	}
	if wabaID != "" {
		if subs, err := p.subscriptions(ctx, wabaID); err == nil {
			for _, s := range subs {
				if s.AppID == app.ID && s.OverrideCallbackURL != "" {
					url = s.OverrideCallbackURL
				}
			}
		}
	}
	if url == "" {
		return wabi.WebhookTarget{}, wabi.Errorf(wabi.EInvalidParam, "App %s has no callback URL.", app.ID)
	}
	return wabi.WebhookTarget{URL: url, Secret: app.Secret}, nil
}
