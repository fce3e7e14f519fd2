package platform

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// A business number on the relay (wabi.RelayConfig) is carried by an upstream
// Cloud API instead of the simulated network. Its configuration is a record of
// the number (recRelay), with the secrets sealed under Platform.Seal; an index
// record per relayed number (recRelayIndex, in the empty scope) lets the
// relay's webhook find a number by its upstream id, and the control API list
// the channels. Every exchange with an upstream is logged as a record of the
// number (recRelayExchange) that expires after RelayExchangeRetention.

const (
	recRelay         = "relay"
	recRelayIndex    = "relay_number"
	recRelayExchange = "relay_exchange"
	relayKey         = "config"
)

// RelayExchangeRetention is how long the log of a relayed number's exchanges
// with its upstream is kept.
const RelayExchangeRetention = 7 * 24 * time.Hour

// relayRecord is a RelayConfig as stored: its secrets sealed.
type relayRecord struct {
	BaseURL          string    `json:"base_url"`
	APIVersion       string    `json:"api_version"`
	UpstreamNumberID string    `json:"upstream_phone_number_id"`
	UpstreamWABAID   string    `json:"upstream_waba_id,omitempty"`
	AccessToken      string    `json:"access_token"`
	AppSecret        string    `json:"app_secret"`
	VerifyToken      string    `json:"verify_token"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

var (
	apiVersionRE = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)
	graphIDRE    = regexp.MustCompile(`^[0-9]{1,32}$`)
)

// errNoSealKey is returned when a relay is set on a server without a key to
// seal its secrets with.
var errNoSealKey = wabi.Errorf(wabi.EInternal, "This server has no key to seal upstream secrets with (WABI_KEY or the key file).")

// validRelay checks a relay configuration and fills in its defaults.
func (p *Platform) validRelay(c *wabi.RelayConfig) error {
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if c.BaseURL == "" {
		return wabi.Errorf(wabi.ERequired, "The parameter base_url is required.")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return wabi.Errorf(wabi.EInvalidParam, "Param base_url must be an http or https URL with no query, such as https://graph.facebook.com.")
	}
	if c.APIVersion == "" {
		c.APIVersion = p.DefaultAPIVersion
		if c.APIVersion == "" {
			c.APIVersion = "v23.0"
		}
	}
	if !apiVersionRE.MatchString(c.APIVersion) {
		return wabi.Errorf(wabi.EInvalidParam, "Param api_version must look like v23.0.")
	}
	switch {
	case c.UpstreamNumberID == "":
		return wabi.Errorf(wabi.ERequired, "The parameter phone_number_id (the upstream's id of the number) is required.")
	case !graphIDRE.MatchString(c.UpstreamNumberID):
		return wabi.Errorf(wabi.EInvalidParam, "Param phone_number_id must be a Graph id (digits).")
	case c.UpstreamWABAID != "" && !graphIDRE.MatchString(c.UpstreamWABAID):
		return wabi.Errorf(wabi.EInvalidParam, "Param waba_id must be a Graph id (digits).")
	case strings.TrimSpace(c.AccessToken) == "":
		return wabi.Errorf(wabi.ERequired, "The parameter access_token is required.")
	case strings.TrimSpace(c.AppSecret) == "":
		return wabi.Errorf(wabi.ERequired, "The parameter app_secret is required.")
	case strings.TrimSpace(c.VerifyToken) == "":
		return wabi.Errorf(wabi.ERequired, "The parameter verify_token is required.")
	}
	return nil
}

// PutRelay puts the business number c.PhoneNumberID on the relay, or changes
// its relay, and returns the configuration as stored (secrets left out of its
// JSON). ENotFound for no such number.
func (p *Platform) PutRelay(ctx context.Context, c wabi.RelayConfig) (*wabi.RelayConfig, error) {
	if p.Seal == nil {
		return nil, errNoSealKey
	}
	if _, err := p.phoneNumber(ctx, c.PhoneNumberID); err != nil {
		return nil, err
	}
	if err := p.validRelay(&c); err != nil {
		return nil, err
	}
	now := p.clock.Now()
	c.CreatedAt, c.UpdatedAt = now, now
	if old, err := p.Relay(ctx, c.PhoneNumberID); err == nil {
		c.CreatedAt = old.CreatedAt
	} else if wabi.ErrorCode(err) != wabi.ENotFound {
		return nil, err
	}
	v, err := p.sealRelay(&c)
	if err != nil {
		return nil, err
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: c.PhoneNumberID, Kind: recRelay, Key: relayKey, Value: v, UpdatedAt: now}); err != nil {
		return nil, err
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Kind: recRelayIndex, Key: c.PhoneNumberID, Value: []byte(c.UpstreamNumberID), UpdatedAt: now}); err != nil {
		return nil, err
	}
	p.drop("relay:"+c.PhoneNumberID, "relays:")
	return &c, nil
}

// sealRelay returns the stored form of c.
func (p *Platform) sealRelay(c *wabi.RelayConfig) ([]byte, error) {
	r := relayRecord{BaseURL: c.BaseURL, APIVersion: c.APIVersion, UpstreamNumberID: c.UpstreamNumberID,
		UpstreamWABAID: c.UpstreamWABAID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, s := range []struct {
		plain string
		out   *string
	}{{c.AccessToken, &r.AccessToken}, {c.AppSecret, &r.AppSecret}, {c.VerifyToken, &r.VerifyToken}} {
		sealed, err := p.Seal.Seal(s.plain)
		if err != nil {
			return nil, err
		}
		*s.out = sealed
	}
	return json.Marshal(r)
}

// DeleteRelay takes the number back to the simulated network. ENotFound if it
// is not on the relay.
func (p *Platform) DeleteRelay(ctx context.Context, phoneNumberID string) error {
	if err := p.store.DeleteRecord(ctx, phoneNumberID, recRelay, relayKey); err != nil {
		return err
	}
	if err := p.store.DeleteRecord(ctx, "", recRelayIndex, phoneNumberID); err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
		return err
	}
	p.drop("relay:"+phoneNumberID, "relays:")
	return nil
}

// noRelay is what the cache holds for a number that is not on the relay, so
// that the hot path of the simulated network pays no store read to learn it.
var noRelay = &wabi.RelayConfig{}

// Relay returns the relay of a business number, its secrets open, or
// ENotFound if the number is on the simulated network. Cached like the
// tenancy: a change on another node shows within CacheTTL at worst.
func (p *Platform) Relay(ctx context.Context, phoneNumberID string) (*wabi.RelayConfig, error) {
	c, err := p.relayEntry(ctx, phoneNumberID)
	if err != nil {
		return nil, err
	}
	if c == noRelay {
		return nil, wabi.Errorf(wabi.ENotFound, "Phone number %s is not on the relay.", phoneNumberID)
	}
	cp := *c
	return &cp, nil
}

// relayEntry returns the cached relay of a number, noRelay if it has none.
// The caller must not change it.
func (p *Platform) relayEntry(ctx context.Context, phoneNumberID string) (*wabi.RelayConfig, error) {
	return cached(ctx, p, "relay:"+phoneNumberID, func(ctx context.Context) (*wabi.RelayConfig, error) {
		rec, err := p.store.Record(ctx, phoneNumberID, recRelay, relayKey)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			return noRelay, nil
		}
		if err != nil {
			return nil, err
		}
		return p.openRelay(phoneNumberID, rec.Value)
	})
}

// Relayed reports whether a business number is on the relay.
func (p *Platform) Relayed(ctx context.Context, phoneNumberID string) bool {
	c, err := p.relayEntry(ctx, phoneNumberID)
	return err == nil && c != noRelay
}

// openRelay reads a stored relay configuration.
func (p *Platform) openRelay(phoneNumberID string, v []byte) (*wabi.RelayConfig, error) {
	var r relayRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, wabi.Errorf(wabi.EInternal, "The relay of %s does not parse: %v", phoneNumberID, err)
	}
	if p.Seal == nil {
		return nil, errNoSealKey
	}
	c := &wabi.RelayConfig{PhoneNumberID: phoneNumberID, BaseURL: r.BaseURL, APIVersion: r.APIVersion,
		UpstreamNumberID: r.UpstreamNumberID, UpstreamWABAID: r.UpstreamWABAID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, s := range []struct {
		sealed string
		out    *string
	}{{r.AccessToken, &c.AccessToken}, {r.AppSecret, &c.AppSecret}, {r.VerifyToken, &c.VerifyToken}} {
		plain, err := p.Seal.Open(s.sealed)
		if err != nil {
			return nil, wabi.Errorf(wabi.EInternal, "The secrets of the relay of %s do not open: %v", phoneNumberID, err)
		}
		*s.out = plain
	}
	return c, nil
}

// Relays returns every relayed number's configuration, by wabi's number id.
func (p *Platform) Relays(ctx context.Context) ([]*wabi.RelayConfig, error) {
	return cached(ctx, p, "relays:", func(ctx context.Context) ([]*wabi.RelayConfig, error) {
		idx, err := p.store.Records(ctx, "", recRelayIndex, "")
		if err != nil {
			return nil, err
		}
		out := make([]*wabi.RelayConfig, 0, len(idx))
		for _, r := range idx {
			c, err := p.Relay(ctx, r.Key)
			if wabi.ErrorCode(err) == wabi.ENotFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	})
}

// RelayByUpstream returns the relay whose upstream number is
// upstreamNumberID; ENotFound if none.
func (p *Platform) RelayByUpstream(ctx context.Context, upstreamNumberID string) (*wabi.RelayConfig, error) {
	cs, err := p.Relays(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.UpstreamNumberID == upstreamNumberID {
			cp := *c
			return &cp, nil
		}
	}
	return nil, wabi.Errorf(wabi.ENotFound, "No number is relayed for upstream number %s.", upstreamNumberID)
}

// ResealRelays seals again, under the current key, the secrets of every relay
// sealed under a previous one (key rotation), and returns how many it
// resealed. Nodes running it at once write the same plain values.
func (p *Platform) ResealRelays(ctx context.Context) (int, error) {
	if p.Seal == nil {
		return 0, nil
	}
	idx, err := p.store.Records(ctx, "", recRelayIndex, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ir := range idx {
		rec, err := p.store.Record(ctx, ir.Key, recRelay, relayKey)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			continue
		}
		if err != nil {
			return n, err
		}
		var r relayRecord
		if err := json.Unmarshal(rec.Value, &r); err != nil {
			return n, err
		}
		if p.Seal.Current(r.AccessToken) && p.Seal.Current(r.AppSecret) && p.Seal.Current(r.VerifyToken) {
			continue
		}
		c, err := p.openRelay(ir.Key, rec.Value)
		if err != nil {
			return n, err
		}
		v, err := p.sealRelay(c)
		if err != nil {
			return n, err
		}
		rec.Value, rec.UpdatedAt = v, p.clock.Now()
		if err := p.store.PutRecord(ctx, rec); err != nil {
			return n, err
		}
		p.drop("relay:" + ir.Key)
		n++
	}
	return n, nil
}

// LogRelayExchange keeps one exchange with a relayed number's upstream for
// RelayExchangeRetention. The caller redacts its secrets. A failed write is
// logged, not returned: the log must never fail the traffic it records.
func (p *Platform) LogRelayExchange(ctx context.Context, x wabi.RelayExchange) {
	if x.ID == "" {
		x.ID = p.ids.NewID()
	}
	if x.At.IsZero() {
		x.At = p.clock.Now()
	}
	v, err := json.Marshal(x)
	if err == nil {
		err = p.store.PutRecord(ctx, &wabi.Record{Scope: x.PhoneNumberID, Kind: recRelayExchange, Key: x.ID, Value: v,
			ExpiresAt: x.At.Add(RelayExchangeRetention), UpdatedAt: x.At})
	}
	if err != nil {
		p.logger().Error("relay: log an exchange with the upstream", "phone_number_id", x.PhoneNumberID, "err", err)
	}
}

// RelayExchanges returns the logged exchanges of a number with its upstream,
// newest first, at most limit (100 when 0).
func (p *Platform) RelayExchanges(ctx context.Context, phoneNumberID string, limit int) ([]*wabi.RelayExchange, error) {
	if limit <= 0 {
		limit = 100
	}
	recs, err := p.store.Records(ctx, phoneNumberID, recRelayExchange, "")
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	out := make([]*wabi.RelayExchange, 0, min(limit, len(recs)))
	for _, r := range slices.Backward(recs) {
		if len(out) == limit {
			break
		}
		if !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt) {
			continue
		}
		var x wabi.RelayExchange
		if err := json.Unmarshal(r.Value, &x); err != nil {
			continue
		}
		out = append(out, &x)
	}
	return out, nil
}
