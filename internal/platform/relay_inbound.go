package platform

import (
	"bytes"
	"context"
	"slices"

	"github.com/wabihq/wabi/internal/wabi"
)

// What an upstream reports of a relayed number comes back through wabi's relay
// webhook, which stores it and has it applied here: its statuses through
// UpdateStatuses (the upstream's wamid is wabi's message id), its inbound
// messages through ReceiveRelayed, its template status updates through
// ApplyRelayTemplateStatus and its value-level errors through ReportErrors.

// recRelayMedia maps an upstream media id that came in a relayed number's
// inbound message (the key, in the empty scope) to wabi's number (the value),
// so that GET /{media-id} can fetch it from the upstream the first time.
const recRelayMedia = "relay_media"

// RelayMediaFetcher gets the bytes of a media id from a relayed number's
// upstream: the media's URL from GET /{version}/{media-id}, then the URL, both
// with the relay's token.
type RelayMediaFetcher interface {
	FetchRelayMedia(ctx context.Context, c *wabi.RelayConfig, mediaID string) (*wabi.Fetched, error)
}

// ReceiveRelayed records a message a consumer sent to a relayed number, as its
// upstream reported it: under the upstream's id and timestamp, with the
// profile name the upstream gave. It opens the customer service window and
// queues the message webhooks for every app subscribed in wabi, in its
// dialect. Unlike Receive it looks up no virtual phone and checks no block:
// the consumer is real and already wrote.
//
// A message the platform could not pass on as it is (a type or shape wabi's
// inbound rules refuse, or one the number's On-Premises webhook has no shape
// for) is recorded as unsupported, as WhatsApp shows what it cannot render.
// A media id in the message is kept as the upstream's and remembered, so that
// the media can be fetched from the upstream when a client asks for it.
// EConflict if a message with the id exists: a webhook delivered twice.
func (p *Platform) ReceiveRelayed(ctx context.Context, m *wabi.Message, profile string) (*wabi.Message, error) {
	if m.ID == "" || m.WaID == "" {
		return nil, wabi.Errorf(wabi.ERequired, "A relayed inbound message needs its id and sender.")
	}
	pn, err := p.phoneNumber(ctx, m.PhoneNumberID)
	if err != nil {
		return nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return nil, err
	}
	if _, err := p.store.Message(ctx, m.ID); err == nil {
		return nil, wabi.Errorf(wabi.EConflict, "Message %s was received already.", m.ID)
	} else if wabi.ErrorCode(err) != wabi.ENotFound {
		return nil, err
	}
	relayedShape(pn, m)
	now := p.clock.Now()
	if m.Timestamp.IsZero() {
		m.Timestamp = now
	}
	m.PhoneNumberID = pn.ID
	m.Direction = wabi.Inbound
	m.StatusAt = m.Timestamp
	m.Status = wabi.StatusReceived
	if md := m.MediaOf(m.Type); md != nil && md.ID != "" {
		if err := p.store.PutRecord(ctx, &wabi.Record{Kind: recRelayMedia, Key: md.ID, Value: []byte(pn.ID),
			ExpiresAt: now.Add(InboundTTL), UpdatedAt: now}); err != nil {
			return nil, err
		}
	}
	if err := p.recordInbound(ctx, pn, w, m, profile, m.Timestamp); err != nil {
		return nil, err
	}
	return m, nil
}

// relayedShape makes an upstream's inbound message one wabi can record and
// render for the number: what its inbound rules refuse becomes unsupported.
// A quoted or forwarded context is checked apart, since a forwarded message
// quotes no id.
func relayedShape(pn *wabi.PhoneNumber, m *wabi.Message) {
	if pn.Platform == wabi.PlatformOnPrem {
		// The On-Premises webhook has no referral; the message itself stands.
		m.Referral = nil
	}
	quoted := m.Context
	m.Context = nil
	err := ValidateInbound(m)
	if err != nil && m.Referral != nil {
		// An ad's details wabi cannot check do not cost the message.
		m.Referral = nil
		err = ValidateInbound(m)
	}
	if err == nil && pn.Platform == wabi.PlatformOnPrem {
		err = onPremInbound(m)
	}
	if quoted != nil && (quoted.MessageID != "" || quoted.Forwarded) {
		m.Context = quoted
	}
	if err == nil {
		return
	}
	p := m.Type
	if m.Unsupported != nil && m.Unsupported.Type != "" {
		p = wabi.Type(m.Unsupported.Type)
	}
	m.Content = wabi.Content{Context: m.Context}
	m.Type = wabi.TypeUnsupported
	if p != "" && p != wabi.TypeUnsupported && len(p) <= limShortID {
		m.Unsupported = &wabi.Unsupported{Type: string(p)}
	}
}

// RelayTemplateStatus is a message_template_status_update an upstream sent
// about a template of its WABA.
type RelayTemplateStatus struct {
	// TemplateID is the upstream's id of the template.
	TemplateID string
	Name       string
	Language   string
	Category   string
	// Event is the new status (APPROVED, REJECTED, PAUSED, ...); Reason,
	// Title and Description explain it as in wabi.TemplateChange.
	Event, Reason, Title, Description string
}

// ApplyRelayTemplateStatus applies a template status update from the upstream
// WABA upstreamWABAID to the wabi WABA whose relayed number has that upstream
// WABA: the local template of that id, or of that name and language, takes
// the new status if it is one wabi knows, and every app subscribed to the
// WABA's message_template_status_update gets the webhook either way. ENotFound
// if no relayed number names the upstream WABA.
func (p *Platform) ApplyRelayTemplateStatus(ctx context.Context, upstreamWABAID string, u RelayTemplateStatus) error {
	wabaID, err := p.relayedWABA(ctx, upstreamWABAID)
	if err != nil {
		return err
	}
	change := wabi.TemplateChange{Event: u.Event, Reason: u.Reason, Title: u.Title, Description: u.Description}
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	ts, err := p.store.Templates(ctx, wabaID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ts, func(t *wabi.Template) bool {
		return t.ID == u.TemplateID || (t.Name == u.Name && t.Language == u.Language)
	})
	if i < 0 {
		// A template kept only upstream: its webhook is passed on as it is.
		t := &wabi.Template{ID: u.TemplateID, WABAID: wabaID, Name: u.Name, Language: u.Language,
			Category: u.Category, Status: u.Event, UpdatedAt: p.clock.Now()}
		return p.emitTemplateEvents(ctx, t, statusEvent(change))
	}
	t := ts[i]
	if slices.Contains(templateStatuses, u.Event) {
		t.Status, t.RejectedReason = u.Event, ""
		if u.Event == wabi.TemplateRejected {
			t.RejectedReason = change.Reason
			if t.RejectedReason == "" {
				t.RejectedReason = "NONE"
			}
		}
		if t.Status != wabi.TemplatePending {
			p.cancelReview(t.ID)
		}
	}
	return p.saveTemplate(ctx, t, statusEvent(change))
}

// relayedWABA returns the wabi WABA of the relayed numbers whose upstream WABA
// is upstreamWABAID.
func (p *Platform) relayedWABA(ctx context.Context, upstreamWABAID string) (string, error) {
	cs, err := p.Relays(ctx)
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if c.UpstreamWABAID == "" || c.UpstreamWABAID != upstreamWABAID {
			continue
		}
		pn, err := p.phoneNumber(ctx, c.PhoneNumberID)
		if err != nil {
			return "", err
		}
		return pn.WABAID, nil
	}
	return "", wabi.Errorf(wabi.ENotFound, "No relayed number names upstream WABA %s.", upstreamWABAID)
}

// relayMedia is the media lookup's fallback for an id wabi does not hold: an
// upstream media id that came in a relayed number's inbound message is
// fetched from the upstream with the relay's token, kept as wabi media of the
// number under the same id for InboundTTL, and returned. Access is checked
// before anything is fetched. ENotFound for an id no relayed message named.
func (p *Platform) relayMedia(ctx context.Context, c Caller, id, phoneNumberID string) (*wabi.MediaFile, error) {
	rec, err := p.store.Record(ctx, "", recRelayMedia, id)
	if wabi.ErrorCode(err) == wabi.ENotFound || (err == nil && !p.clock.Now().Before(rec.ExpiresAt)) {
		return nil, notFound(id)
	} else if err != nil {
		return nil, err
	}
	pnID := string(rec.Value)
	if phoneNumberID != "" && phoneNumberID != pnID {
		return nil, notFound(id)
	}
	if _, _, err := p.numberFor(ctx, c, pnID, wabi.ScopeMessaging); err != nil {
		if wabi.ErrorCode(err) == wabi.EPermission {
			return nil, err
		}
		return nil, notFound(id)
	}
	relay, err := p.Relay(ctx, pnID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		// Back on the simulated network: nothing to fetch the media from.
		return nil, notFound(id)
	} else if err != nil {
		return nil, err
	}
	if p.RelayMedia == nil {
		return nil, wabi.Errorf(wabi.EInternal, "This wabi cannot fetch media from an upstream.")
	}
	f, err := p.RelayMedia.FetchRelayMedia(ctx, relay, id)
	if err != nil {
		return nil, err
	}
	return p.storeMediaAs(ctx, pnID, id, f)
}

// storeMediaAs keeps fetched upstream media as wabi media of a number under
// the upstream's id, as storeMedia keeps an inbound file. A node that stored
// the same id meanwhile wins; its file is returned.
func (p *Platform) storeMediaAs(ctx context.Context, phoneNumberID, id string, f *wabi.Fetched) (*wabi.MediaFile, error) {
	if p.Blobs == nil {
		return nil, wabi.Errorf(wabi.EMediaUpload, "This wabi has no media store.")
	}
	blob, err := p.Blobs.Put(bytes.NewReader(f.Body), MediaMaxSize)
	if err != nil {
		return nil, err
	}
	head, err := p.readHead(blob.SHA256)
	if err != nil {
		return nil, err
	}
	info, err := InspectMedia(head, blob.Size, f.ContentType)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	m := &wabi.MediaFile{
		ID: id, PhoneNumberID: phoneNumberID, SHA256: blob.SHA256, MimeType: info.MimeType,
		Size: blob.Size, Filename: f.Filename, Animated: info.Animated, Origin: wabi.OriginInbound,
		CreatedAt: now, ExpiresAt: now.Add(InboundTTL),
	}
	if err := p.store.CreateMedia(ctx, m); wabi.ErrorCode(err) == wabi.EConflict {
		return p.store.MediaFile(ctx, id)
	} else if err != nil {
		return nil, err
	}
	return m, nil
}
