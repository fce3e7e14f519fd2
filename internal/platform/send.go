package platform

import (
	"context"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/wabihq/wabi/internal/wabi"
)

// Window is how long after a consumer's last message the business may send
// free-form messages: the customer service window.
const Window = 24 * time.Hour

// SendRequest is an outbound message as a dialect decoded it.
type SendRequest struct {
	// Via is the platform of the API the request came in on; the number must be on it.
	Via           wabi.Platform
	PhoneNumberID string
	// To is the recipient exactly as written by the business.
	To string
	// RecipientType is "individual" (default) or "group".
	RecipientType string
	Message       *wabi.Message
}

// Send accepts an outbound message: it checks the caller, the number, the message,
// the template or the customer service window, commits the message durably and
// hands it to the network. Failures Meta reports asynchronously (outside the
// window) are committed as a failed message whose status webhook follows.
func (p *Platform) Send(ctx context.Context, c Caller, req SendRequest) (*wabi.SendResult, error) {
	pn, w, err := p.numberFor(ctx, c, req.PhoneNumberID, wabi.ScopeMessaging)
	if err != nil {
		return nil, err
	}
	if cfg, err := p.relayOf(ctx, pn.ID); err != nil {
		return nil, err
	} else if cfg != nil {
		return p.sendRelayed(ctx, cfg, pn, req)
	}
	if err := p.checkSender(pn, req.Via); err != nil {
		return nil, err
	}
	m, err := outboundMessage(req)
	if err != nil {
		return nil, err
	}
	if req.Via == wabi.PlatformOnPrem && m.Type == wabi.TypeTemplate {
		if err := checkNamespace(w, m.Template); err != nil {
			return nil, err
		}
	}
	waID, err := p.recipient(req.To, pn)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	m.ID = p.ids.NewWAMID(waID, true)
	m.PhoneNumberID = pn.ID
	m.WaID = waID
	m.Input = req.To
	m.Direction = wabi.Outbound
	m.Timestamp = now
	m.StatusAt = now
	m.Status = wabi.StatusAccepted
	m.ConversationID = wabi.RandomHex(16)
	m.Category = "service"

	var tpl *wabi.Template
	if m.Type == wabi.TypeTemplate {
		t, rendered, err := p.checkTemplate(ctx, w, m.Template)
		if err != nil {
			return nil, err
		}
		tpl = t
		m.Category = strings.ToLower(t.Category)
		m.Rendered = rendered
	}
	// Media ids fail the request; links that cannot be fetched fail the message.
	failure, err := p.resolveOutboundMedia(ctx, pn, m)
	if err != nil {
		return nil, err
	}
	if tpl != nil && failure == nil {
		// A header medium sent by link is known only now that it is fetched.
		failure = p.checkLinkedHeader(ctx, tpl, m.Template)
	}
	open := true
	if failure == nil {
		last, err := p.window(ctx, pn.ID, waID)
		if err != nil {
			return nil, err
		}
		open = now.Sub(last) <= Window
		// The window is a WhatsApp user's: a number not on WhatsApp has none, and
		// its message goes on to fail as undeliverable (131026), as a template
		// to it does. Only a closed window costs the lookup.
		if m.Type != wabi.TypeTemplate && !open && p.onWhatsApp(ctx, waID) {
			failure = wabi.Errorf(wabi.EOutsideWindow, "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
			if p.WindowErrorSync {
				return nil, failure
			}
		}
	}
	limited, err := p.admit(ctx, &admission{pn: pn, w: w, m: m, now: now, businessInitiated: !open, failed: failure != nil})
	if err != nil {
		return nil, err
	}
	if failure == nil {
		failure = limited
	}
	if m.Context != nil {
		m.Context.From = ""
	}
	p.typing.Delete(chatKey(pn.ID, waID))

	// This node's network owes the message its statuses, until the node stops
	// and another adopts it.
	m.Node = p.NodeID
	b := &wabi.Batch{Messages: []*wabi.Message{m}}
	// stages is m as it stands after each status committed with it, from
	// accepted on, when the network knows them at once.
	var stages []*wabi.Message
	if failure != nil {
		m.Status, m.Error = wabi.StatusFailed, failure
		u := wabi.StatusUpdate{MessageID: m.ID, Status: wabi.StatusFailed, Timestamp: now, Error: failure}
		if b.Deliveries, err = p.statusDeliveries(ctx, pn, w, m, u); err != nil {
			return nil, err
		}
	} else {
		stages = p.instant(ctx, m, b)
	}
	if err := p.store.Commit(ctx, b); err != nil {
		return nil, err
	}
	p.remember(m)
	if stages == nil {
		p.changed(m)
	}
	// Each status is a change of its own, as if it had been recorded after
	// the message: OnMessage counts sends and statuses. No other node can
	// hold a copy of m yet, so none is told to forget one.
	for _, c := range stages {
		p.changed(c)
	}
	p.enqueue(b.Deliveries)
	if failure == nil {
		if err := p.net.Deliver(ctx, m); err != nil {
			// The message is committed: it is handed over again when another
			// node adopts it, or by Recover on this one's next start.
			p.logger().Error("network refused a message", "wamid", m.ID, "err", err)
		}
	}
	return &wabi.SendResult{MessageID: m.ID, Input: req.To, WaID: waID}, nil
}

// instant commits the statuses the network knows m reaches at once with m
// itself: it adds each status's webhooks to b, in order, rendered exactly as
// UpdateStatuses would render them were the statuses recorded after m one by
// one, and leaves m at the last status. It returns m as it stands after each
// step, accepted first, or nil when the network knows no status yet. A status
// whose webhooks cannot be rendered ends the fold before it: the network
// reports it, and what follows, as it does without the fold.
func (p *Platform) instant(ctx context.Context, m *wabi.Message, b *wabi.Batch) []*wabi.Message {
	in, ok := p.net.(wabi.InstantNetwork)
	if !ok {
		return nil
	}
	sts := in.Instant(ctx, m)
	if len(sts) == 0 {
		return nil
	}
	at := p.clock.Now()
	accepted := *m
	stages := append(make([]*wabi.Message, 0, 1+len(sts)), &accepted)
	for _, st := range sts {
		c, ds, err := p.stageStatus(ctx, stages[len(stages)-1], wabi.StatusUpdate{MessageID: m.ID, Status: st, Timestamp: at})
		if err != nil {
			p.logger().Warn("status left to the network", "wamid", m.ID, "status", st, "err", err)
			break
		}
		b.Deliveries = append(b.Deliveries, ds...)
		stages = append(stages, c)
	}
	if len(stages) == 1 {
		return nil
	}
	last := stages[len(stages)-1]
	m.Status, m.StatusAt = last.Status, last.StatusAt
	return stages
}

// outboundMessage checks what every send needs, on the simulated network or
// the relay: one individual recipient and a message of a valid structure
// (ValidateOutbound). It returns the request's message, of type text unless
// it says, with no rendering a client could have slipped in: the platform
// renders templates.
func outboundMessage(req SendRequest) (*wabi.Message, error) {
	m := req.Message
	m.Rendered = nil
	if m.Type == "" {
		m.Type = wabi.TypeText
	}
	if req.RecipientType != "" && req.RecipientType != "individual" {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param recipient_type must be individual; wabi does not support groups.")
	}
	if strings.TrimSpace(req.To) == "" {
		return nil, wabi.Errorf(wabi.EInvalidParam, "The parameter to is required.")
	}
	if err := ValidateOutbound(m); err != nil {
		return nil, err
	}
	return m, nil
}

// recipient normalises the recipient as the business wrote it to a wa_id,
// which must not be the sending number's own.
func (p *Platform) recipient(to string, pn *wabi.PhoneNumber) (string, error) {
	waID, err := p.normalize(to, pn.DisplayPhoneNumber)
	if err != nil {
		return "", err
	}
	if waID == pn.DisplayPhoneNumber {
		return "", wabi.Errorf(wabi.ERecipientIsSender, "Recipient cannot be sender.")
	}
	return waID, nil
}

// onWhatsApp reports whether the network has waID on WhatsApp. A network that
// cannot tell, or a lookup that fails, counts as yes: the window rule applies.
func (p *Platform) onWhatsApp(ctx context.Context, waID string) bool {
	d, ok := p.net.(wabi.Directory)
	if !ok {
		return true
	}
	on, err := d.OnWhatsApp(ctx, waID)
	if err != nil {
		p.logger().Warn("contact lookup failed; the window rule applies", "wa_id", waID, "err", err)
		return true
	}
	return on
}

// checkNamespace checks the namespace an On-Premises template send must carry:
// the WABA's.
func checkNamespace(w *wabi.WABA, ts *wabi.TemplateSend) error {
	switch ts.Namespace {
	case "":
		return wabi.Errorf(wabi.ETemplateNamespace, "Parameter 'template.namespace' is required: your WABA's namespace is shown by GET /{waba-id}?fields=message_template_namespace.")
	case w.Namespace:
		return nil
	}
	return wabi.Errorf(wabi.ETemplateNotFound, "Namespace %s is not the template namespace of this number's WhatsApp Business Account.", ts.Namespace)
}

// checkSender checks that a number can send through the given API.
func (p *Platform) checkSender(pn *wabi.PhoneNumber, via wabi.Platform) error {
	if via != "" && pn.Platform != via {
		return wabi.Errorf(wabi.EWrongPlatform, "Phone number %s is served by the %s API, not this one.", pn.ID, pn.Platform)
	}
	if !pn.Registered {
		return wabi.Errorf(wabi.ENotRegistered, "Phone number %s is not registered. Register it first.", pn.ID)
	}
	return nil
}

// NormalizeWaID turns a recipient as a business wrote it ("+1 (650) 555-1234",
// "16505551234") into a wa_id (digits with country code). Without a leading "+" the
// number is read as dialled from the sender's country, as Meta does; a number that
// makes no sense there is taken as international.
func NormalizeWaID(to, senderDigits string) (string, error) {
	invalid := wabi.Errorf(wabi.EInvalidValue, "Parameter to is invalid: %q is not a phone number.", to)
	to = strings.TrimSpace(to)
	for _, r := range to {
		if !strings.ContainsRune("+0123456789 -().", r) {
			return "", invalid
		}
	}
	digits := onlyDigits(to)
	if !strings.HasPrefix(to, "+") {
		if sender, err := phonenumbers.Parse("+"+senderDigits, "ZZ"); err == nil {
			// The country code's main region: fictional numbers (+1 555…) have no
			// region of their own but still dial like their country.
			region := phonenumbers.GetRegionCodeForCountryCode(int(sender.GetCountryCode()))
			if num, err := phonenumbers.Parse(to, region); err == nil && phonenumbers.IsPossibleNumber(num) {
				return phonenumbers.Format(num, phonenumbers.E164)[1:], nil
			}
		}
	}
	if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", invalid
	}
	return digits, nil
}

// normalize is NormalizeWaID with its results remembered: parsing a number with
// its region's metadata costs more than the rest of a send's checks together.
func (p *Platform) normalize(to, sender string) (string, error) {
	key := "norm:" + sender + "|" + to
	now := p.clock.Now()
	if v, ok := p.cache.get(key, now); ok {
		return v.(string), nil
	}
	waID, err := NormalizeWaID(to, sender)
	if err == nil {
		p.cache.put(key, waID, now.Add(time.Hour))
	}
	return waID, err
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func chatKey(phoneNumberID, waID string) string { return phoneNumberID + "|" + waID }

// changed tells OnMessage about a committed message, with a copy of it. A
// message that failed is a warning: the sender learns it only from a webhook.
func (p *Platform) changed(m *wabi.Message) {
	if m.Direction == wabi.Outbound && m.Status == wabi.StatusFailed {
		attrs := []any{"wamid", m.ID, "phone_number_id", m.PhoneNumberID, "to", m.WaID}
		if m.Error != nil {
			attrs = append(attrs, "error", string(m.Error.Code), "details", m.Error.Message)
		}
		p.logger().Warn("message failed", attrs...)
	}
	if p.OnMessage != nil {
		c := *m
		p.OnMessage(&c)
	}
}

// enqueue hands committed deliveries to OnDeliveries, then to the engine: in
// that order, so that a live view sees a delivery queued before it sees it tried.
func (p *Platform) enqueue(ds []*wabi.Delivery) {
	if len(ds) == 0 {
		return
	}
	if p.OnDeliveries != nil {
		cs := make([]*wabi.Delivery, len(ds))
		for i, d := range ds {
			c := *d
			cs[i] = &c
		}
		p.OnDeliveries(cs)
	}
	if p.Webhooks != nil {
		p.Webhooks.Enqueue(ds...)
	}
}
