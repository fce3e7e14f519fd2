package platform

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Upstream makes the calls of relayed numbers to their upstream Cloud API
// (internal/relay implements it). The platform decides what is sent; the
// Upstream carries it, with the relay's token, and answers a refusal as a
// *wabi.Error that carries Meta's code.
type Upstream interface {
	// Send sends m as the relay's number to m.WaID and returns the
	// upstream's wamid. m's media ids are the upstream's.
	Send(ctx context.Context, cfg *wabi.RelayConfig, m *wabi.Message) (wamid string, err error)
	// MarkRead marks an inbound message read upstream, with the typing
	// indicator if asked.
	MarkRead(ctx context.Context, cfg *wabi.RelayConfig, messageID string, typing bool) error
	// UploadMedia uploads a media file of the number and returns the
	// upstream's id of it. body is read from its start.
	UploadMedia(ctx context.Context, cfg *wabi.RelayConfig, mf *wabi.MediaFile, body io.ReadSeeker) (id string, err error)
	// Templates makes a call on the templates of the relay's upstream WABA
	// and returns the upstream's answer.
	Templates(ctx context.Context, cfg *wabi.RelayConfig, c UpstreamCall) (*UpstreamAnswer, error)
}

// UpstreamCall is a call passed through to an upstream as a client made it.
type UpstreamCall struct {
	Method string
	// Query is the client's query, without its access token.
	Query       url.Values
	ContentType string
	Body        []byte
}

// UpstreamAnswer is an upstream's answer to a call passed through.
type UpstreamAnswer struct {
	Status      int
	ContentType string
	Body        []byte
}

// recRelayUpload maps a relayed number's own media id (the key) to the
// upstream's id of the same file (the value), uploaded on its first send.
const recRelayUpload = "relay_upload"

// upstreamMediaTTL is how long an upstream keeps an uploaded media id: 30
// days at Meta, a day less to be safe.
const upstreamMediaTTL = 29 * 24 * time.Hour

// relayOf returns the relay of a number, or nil if it is on the simulated
// network. It is on the path of every send: for a number on the simulated
// network it costs a cache read and makes no error. A relayed number on a
// server without an Upstream cannot send.
func (p *Platform) relayOf(ctx context.Context, phoneNumberID string) (*wabi.RelayConfig, error) {
	c, err := p.relayEntry(ctx, phoneNumberID)
	if err != nil || c == noRelay {
		return nil, err
	}
	cfg := *c
	if p.Upstream == nil {
		return nil, wabi.Errorf(wabi.EUnavailable, "Phone number %s is on the relay, but this server makes no upstream calls.", phoneNumberID)
	}
	return &cfg, nil
}

// checkRelayedSender checks that a relayed number is sent through the API
// of its platform. Registration and the number's standing are the
// upstream's to judge.
func checkRelayedSender(pn *wabi.PhoneNumber, via wabi.Platform) error {
	if via != "" && pn.Platform != via {
		return wabi.Errorf(wabi.EWrongPlatform, "Phone number %s is served by the %s API, not this one.", pn.ID, pn.Platform)
	}
	return nil
}

// sendRelayed sends a message of a relayed number through its upstream: the
// message is checked for its structure only (the upstream judges windows,
// templates and limits), its media ids become the upstream's, and once the
// upstream has taken it the message is committed under the upstream's wamid
// as accepted. Its statuses come back through the relay's webhook.
func (p *Platform) sendRelayed(ctx context.Context, cfg *wabi.RelayConfig, pn *wabi.PhoneNumber, req SendRequest) (*wabi.SendResult, error) {
	if err := checkRelayedSender(pn, req.Via); err != nil {
		return nil, err
	}
	m, err := outboundMessage(req)
	if err != nil {
		return nil, err
	}
	waID, err := p.recipient(req.To, pn)
	if err != nil {
		return nil, err
	}
	m.WaID = waID
	up, err := p.upstreamCopy(ctx, cfg, pn, m)
	if err != nil {
		return nil, err
	}
	wamid, err := p.Upstream.Send(ctx, cfg, up)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	m.ID = wamid
	m.PhoneNumberID = pn.ID
	m.Input = req.To
	m.Direction = wabi.Outbound
	m.Timestamp, m.StatusAt = now, now
	m.Status = wabi.StatusAccepted
	m.ConversationID = wabi.RandomHex(16)
	m.Category = "service"
	if m.Type == wabi.TypeTemplate {
		m.Category = "" // the upstream's status webhooks tell it
	}
	if m.Context != nil {
		m.Context.From = ""
	}
	m.Node = p.NodeID
	// The upstream has the message now: committing it must not depend on
	// the client waiting for the answer.
	if err := p.store.Commit(context.WithoutCancel(ctx), &wabi.Batch{Messages: []*wabi.Message{m}}); wabi.ErrorCode(err) == wabi.EConflict {
		// The upstream answered an earlier try's wamid again: the message
		// is sent and recorded already.
		return &wabi.SendResult{MessageID: wamid, Input: req.To, WaID: waID}, nil
	} else if err != nil {
		return nil, err
	}
	p.remember(m)
	p.changed(m)
	return &wabi.SendResult{MessageID: wamid, Input: req.To, WaID: waID}, nil
}

// upstreamCopy returns m as the upstream is to get it: a copy whose media
// ids are the upstream's, each local file uploaded on its first send.
func (p *Platform) upstreamCopy(ctx context.Context, cfg *wabi.RelayConfig, pn *wabi.PhoneNumber, m *wabi.Message) (*wabi.Message, error) {
	refs := mediaRefs(m)
	hasID := false
	for _, r := range refs {
		hasID = hasID || r.media.ID != ""
	}
	if !hasID {
		return m, nil
	}
	raw, err := json.Marshal(m.Content)
	if err != nil {
		return nil, err
	}
	up := *m
	up.Content = wabi.Content{}
	if err := json.Unmarshal(raw, &up.Content); err != nil {
		return nil, err
	}
	for _, r := range mediaRefs(&up) {
		if r.media.ID == "" {
			continue
		}
		id, err := p.upstreamMediaID(ctx, cfg, pn, r.media.ID, r.as)
		if err != nil {
			return nil, err
		}
		r.media.ID = id
	}
	return &up, nil
}

// upstreamMediaID returns the upstream's id of a media file of the number,
// uploading the file on its first send and remembering the id.
func (p *Platform) upstreamMediaID(ctx context.Context, cfg *wabi.RelayConfig, pn *wabi.PhoneNumber, id string, as wabi.Type) (string, error) {
	now := p.clock.Now()
	rec, err := p.store.Record(ctx, pn.ID, recRelayUpload, id)
	if err == nil && now.Before(rec.ExpiresAt) {
		return string(rec.Value), nil
	}
	if err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
		return "", err
	}
	mf, err := p.ownMedia(ctx, pn, id)
	if err != nil {
		return "", err
	}
	if err := MediaFits(as, mf.MimeType); err != nil {
		return "", err
	}
	body, err := p.OpenMedia(mf)
	if err != nil {
		return "", err
	}
	defer body.Close()
	upID, err := p.Upstream.UploadMedia(ctx, cfg, mf, body)
	if err != nil {
		return "", err
	}
	exp := now.Add(upstreamMediaTTL)
	if mf.ExpiresAt.Before(exp) {
		exp = mf.ExpiresAt
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: pn.ID, Kind: recRelayUpload, Key: id, Value: []byte(upID),
		ExpiresAt: exp, UpdatedAt: now}); err != nil {
		// The upload is done: this send uses it, the next uploads again.
		p.logger().Error("relay: remember an upstream media id", "phone_number_id", pn.ID, "media_id", id, "err", err)
	}
	return upID, nil
}

// TemplatesRelayed reports whether the templates of a WABA are its
// upstream's: the WABA has a relayed number whose relay names an upstream
// WABA. The caller must be allowed the call (method) on the WABA's templates.
func (p *Platform) TemplatesRelayed(ctx context.Context, c Caller, wabaID, method string) (bool, error) {
	cfg, err := p.templateRelay(ctx, c, wabaID, method)
	return cfg != nil, err
}

// RelayTemplates passes a call on the templates of a WABA through to the
// upstream WABA of its relayed number and returns the upstream's answer;
// ENotFound if the WABA's templates are its own (see TemplatesRelayed).
func (p *Platform) RelayTemplates(ctx context.Context, c Caller, wabaID string, call UpstreamCall) (*UpstreamAnswer, error) {
	cfg, err := p.templateRelay(ctx, c, wabaID, call.Method)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, wabi.Errorf(wabi.ENotFound, "The templates of WABA %s are not relayed.", wabaID)
	}
	if p.Upstream == nil {
		return nil, wabi.Errorf(wabi.EUnavailable, "The templates of WABA %s are relayed, but this server makes no upstream calls.", wabaID)
	}
	return p.Upstream.Templates(ctx, cfg, call)
}

// templateRelay returns the relay whose upstream WABA holds the templates of
// a WABA, or nil if they are wabi's own. A list needs what Templates needs;
// anything else, the WABA's management.
func (p *Platform) templateRelay(ctx context.Context, c Caller, wabaID, method string) (*wabi.RelayConfig, error) {
	var w *wabi.WABA
	var err error
	if method == http.MethodGet {
		w, err = p.templatesWABA(ctx, c, wabaID)
	} else {
		w, err = p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	}
	if err != nil {
		return nil, err
	}
	cs, err := p.Relays(ctx)
	if err != nil {
		return nil, err
	}
	for _, cfg := range cs {
		if cfg.UpstreamWABAID == "" {
			continue
		}
		pn, err := p.phoneNumber(ctx, cfg.PhoneNumberID)
		if err != nil {
			continue
		}
		if pn.WABAID == w.ID {
			cp := *cfg
			return &cp, nil
		}
	}
	return nil, nil
}

// markReadRelayed marks an inbound message of a relayed number read
// upstream.
func (p *Platform) markReadRelayed(ctx context.Context, cfg *wabi.RelayConfig, pn *wabi.PhoneNumber, via wabi.Platform, messageID string, typing bool) error {
	if err := checkRelayedSender(pn, via); err != nil {
		return err
	}
	return p.Upstream.MarkRead(ctx, cfg, messageID, typing)
}
