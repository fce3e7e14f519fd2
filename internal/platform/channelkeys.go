package platform

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// A channel key is a secret that reaches one business number and nothing
// else, as a gateway such as 360dialog gives each client app its own key: it
// sends and marks read, uploads and reads media, and lists the templates of
// the number's WABA. It is accepted wherever an access token is, and by the
// Cloud API also as "D360-API-KEY: <key>".
//
// The store keeps a key's SHA-256, never the key: a record of the number per
// key (recChannelKey, by key id) and an index record in the empty scope
// (recChannelKeyHash, by hash) that authentication reads. The key itself is
// shown once, when it is made.

const (
	recChannelKey     = "channel_key"
	recChannelKeyHash = "channel_key_hash"
)

// ChannelKeyPrefix starts every channel key, so that authentication tells
// one from an access token without a store read.
const ChannelKeyPrefix = "wck_"

// maxChannelKeys is how many keys one number may have at once.
const maxChannelKeys = 100

// ChannelKey is a channel key as listed: never the key itself.
type ChannelKey struct {
	ID            string    `json:"id"`
	PhoneNumberID string    `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	// Last4 are the last four characters of the key, to tell keys apart.
	Last4 string `json:"last4"`
}

// NewChannelKey is a channel key just made: Key is shown this once.
type NewChannelKey struct {
	Key       string    `json:"key"`
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
}

// channelKeyRecord is a channel key as stored under its number.
type channelKeyRecord struct {
	Hash      string    `json:"hash"`
	Last4     string    `json:"last4"`
	CreatedAt time.Time `json:"created_at"`
}

// channelKeyIndex is the index record of a key, by its hash.
type channelKeyIndex struct {
	PhoneNumberID string `json:"phone_number_id"`
	ID            string `json:"id"`
}

// ChannelCaller is the caller a channel key makes: the one number it
// reaches, with the number's WABA and business.
type ChannelCaller struct {
	KeyID         string
	PhoneNumberID string
	WABAID        string
	BusinessID    string
}

// channelKeyHash is what the store keeps of a key.
func channelKeyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CreateChannelKey makes a new channel key for a business number and returns
// it; the key is never shown again. ENotFound for no such number.
func (p *Platform) CreateChannelKey(ctx context.Context, phoneNumberID string) (*NewChannelKey, error) {
	if _, err := p.phoneNumber(ctx, phoneNumberID); err != nil {
		return nil, err
	}
	keys, err := p.store.Records(ctx, phoneNumberID, recChannelKey, "")
	if err != nil {
		return nil, err
	}
	if len(keys) >= maxChannelKeys {
		return nil, wabi.Errorf(wabi.EConflict, "Phone number %s has %d channel keys, the most it may have; delete one first.", phoneNumberID, maxChannelKeys)
	}
	key := ChannelKeyPrefix + wabi.RandomHex(32)
	now := p.clock.Now()
	k := &NewChannelKey{Key: key, ID: p.ids.NewID(), CreatedAt: now}
	hash := channelKeyHash(key)
	idx, err := json.Marshal(channelKeyIndex{PhoneNumberID: phoneNumberID, ID: k.ID})
	if err != nil {
		return nil, err
	}
	rec, err := json.Marshal(channelKeyRecord{Hash: hash, Last4: key[len(key)-4:], CreatedAt: now})
	if err != nil {
		return nil, err
	}
	// The index first: a key whose number record is missing does not
	// authenticate (channelCaller checks both), so a failure in between
	// leaves nothing that works.
	if err := p.store.PutRecord(ctx, &wabi.Record{Kind: recChannelKeyHash, Key: hash, Value: idx, UpdatedAt: now}); err != nil {
		return nil, fmt.Errorf("platform: store a channel key: %w", err)
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: recChannelKey, Key: k.ID, Value: rec, UpdatedAt: now}); err != nil {
		return nil, fmt.Errorf("platform: store a channel key: %w", err)
	}
	return k, nil
}

// ChannelKeys lists the channel keys of a business number, oldest first.
// ENotFound for no such number.
func (p *Platform) ChannelKeys(ctx context.Context, phoneNumberID string) ([]*ChannelKey, error) {
	if _, err := p.phoneNumber(ctx, phoneNumberID); err != nil {
		return nil, err
	}
	recs, err := p.store.Records(ctx, phoneNumberID, recChannelKey, "")
	if err != nil {
		return nil, err
	}
	out := make([]*ChannelKey, 0, len(recs))
	for _, r := range recs {
		var v channelKeyRecord
		if err := json.Unmarshal(r.Value, &v); err != nil {
			return nil, fmt.Errorf("platform: channel key %s of %s: %w", r.Key, phoneNumberID, err)
		}
		out = append(out, &ChannelKey{ID: r.Key, PhoneNumberID: phoneNumberID, CreatedAt: v.CreatedAt, Last4: v.Last4})
	}
	return out, nil
}

// DeleteChannelKey revokes a channel key of a business number: it stops
// working at once on this node and, through Bus, on the others. ENotFound if
// the number has no such key.
func (p *Platform) DeleteChannelKey(ctx context.Context, phoneNumberID, keyID string) error {
	r, err := p.store.Record(ctx, phoneNumberID, recChannelKey, keyID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return wabi.Errorf(wabi.ENotFound, "Phone number %s has no channel key %s.", phoneNumberID, keyID)
	}
	if err != nil {
		return err
	}
	var v channelKeyRecord
	if err := json.Unmarshal(r.Value, &v); err != nil {
		return fmt.Errorf("platform: channel key %s of %s: %w", keyID, phoneNumberID, err)
	}
	// The number's record first: without it the key no longer authenticates.
	if err := p.store.DeleteRecord(ctx, phoneNumberID, recChannelKey, keyID); err != nil {
		return err
	}
	if err := p.store.DeleteRecord(ctx, "", recChannelKeyHash, v.Hash); err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
		return err
	}
	p.drop("chk:" + v.Hash)
	return nil
}

// AuthenticateChannelKey turns a channel key into a caller; EUnauthenticated
// for none, EInvalidToken for one that is not a live channel key.
func (p *Platform) AuthenticateChannelKey(ctx context.Context, key string) (Caller, error) {
	if key == "" {
		return Caller{}, wabi.Errorf(wabi.EUnauthenticated, "An access token is required to request this resource.")
	}
	return p.channelCaller(ctx, key)
}

// noChannelKey is what the cache holds for a hash that is no key.
var noChannelKey = &ChannelCaller{}

// channelCaller looks a channel key up by its hash, cached for CacheTTL;
// EInvalidToken if it is none.
func (p *Platform) channelCaller(ctx context.Context, key string) (Caller, error) {
	hash := channelKeyHash(key)
	cc, err := cached(ctx, p, "chk:"+hash, func(ctx context.Context) (*ChannelCaller, error) {
		return p.loadChannelCaller(ctx, hash)
	})
	if err != nil {
		return Caller{}, err
	}
	if cc == noChannelKey {
		return Caller{}, invalidToken()
	}
	cp := *cc
	return Caller{Channel: &cp}, nil
}

// loadChannelCaller reads the key of a hash and the number it reaches;
// noChannelKey when there is no such key or number.
func (p *Platform) loadChannelCaller(ctx context.Context, hash string) (*ChannelCaller, error) {
	r, err := p.store.Record(ctx, "", recChannelKeyHash, hash)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return noChannelKey, nil
	}
	if err != nil {
		return nil, err
	}
	var idx channelKeyIndex
	if err := json.Unmarshal(r.Value, &idx); err != nil {
		return nil, fmt.Errorf("platform: channel key index: %w", err)
	}
	if _, err := p.store.Record(ctx, idx.PhoneNumberID, recChannelKey, idx.ID); wabi.ErrorCode(err) == wabi.ENotFound {
		return noChannelKey, nil
	} else if err != nil {
		return nil, err
	}
	pn, err := p.phoneNumber(ctx, idx.PhoneNumberID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return noChannelKey, nil
	}
	if err != nil {
		return nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return nil, err
	}
	return &ChannelCaller{KeyID: idx.ID, PhoneNumberID: pn.ID, WABAID: w.ID, BusinessID: w.BusinessID}, nil
}

// permission is the error of a channel key used beyond its number.
func (c *ChannelCaller) permission(what string) error {
	return wabi.Errorf(wabi.EPermission, "This channel key reaches phone number %s only, to send, mark read, handle media and list templates; it cannot %s.", c.PhoneNumberID, what)
}

// authorizeNumber checks that a channel key may use the number with the
// scope: its own number, for messaging. A number of another business is not
// found, as for every caller.
func (c *ChannelCaller) authorizeNumber(pn *wabi.PhoneNumber, w *wabi.WABA, scope, id string) error {
	switch {
	case w.BusinessID != c.BusinessID:
		return notFound(id)
	case pn.ID != c.PhoneNumberID:
		return c.permission("act on phone number " + pn.ID)
	case scope != wabi.ScopeMessaging:
		return c.permission("manage the number")
	}
	return nil
}

// authorizeWABA refuses a channel key every WABA-wide action: its WABA's
// templates it lists through templatesWABA.
func (c *ChannelCaller) authorizeWABA(w *wabi.WABA, _, id string) error {
	if w.BusinessID != c.BusinessID {
		return notFound(id)
	}
	return c.permission("manage WhatsApp Business Account " + w.ID)
}

// templatesWABA loads a WABA whose templates the caller may list: with the
// management permission, or with a channel key of one of its numbers.
func (p *Platform) templatesWABA(ctx context.Context, c Caller, wabaID string) (*wabi.WABA, error) {
	if c.Channel == nil {
		return p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	}
	w, err := p.waba(ctx, wabaID)
	if err != nil {
		return nil, err
	}
	if w.BusinessID != c.Channel.BusinessID {
		return nil, notFound(wabaID)
	}
	if w.ID != c.Channel.WABAID {
		return nil, c.Channel.permission("list the templates of WhatsApp Business Account " + w.ID)
	}
	return w, nil
}

// ChannelSession turns a channel key of an On-Premises number into a caller
// of that deployment with a user's rights (ROLE_USER: send, mark read, media,
// contacts; no settings, users or backups), as 360dialog's On-Premises-shaped
// API took its D360-API-KEY. EWrongPlatform for a key of a Cloud API number,
// EInvalidToken for no live key.
func (p *Platform) ChannelSession(ctx context.Context, key string) (Caller, error) {
	c, err := p.AuthenticateChannelKey(ctx, key)
	if err != nil {
		return Caller{}, err
	}
	if _, err := p.deployment(ctx, c.Channel.PhoneNumberID); err != nil {
		return Caller{}, err
	}
	return Caller{Session: &Session{PhoneNumberID: c.Channel.PhoneNumberID, Username: "channel key " + c.Channel.KeyID,
		Role: RoleUser, ID: "channel-key-" + c.Channel.KeyID}}, nil
}
