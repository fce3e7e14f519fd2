package platform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Every On-Premises deployment has an API key of its own, as every client had its
// WA_API_KEY: the monitoring endpoints (health, stats, metrics) accept it for
// that deployment and no other. The key is derived from the platform's URLKey and
// the number, so every node sharing the key agrees on it without storing it; a
// rotation bumps a generation kept in the store, which changes the key.

// recAPIKey is the record kind of a deployment's API key generation.
const recAPIKey = "api_key"

// APIKey is a deployment's API key as the operator sees it.
type APIKey struct {
	PhoneNumberID string `json:"phone_number_id"`
	// Key goes in "Authorization: Apikey <key>".
	Key string `json:"api_key"`
	// Generation counts rotations; 0 is the key the deployment started with.
	Generation int `json:"generation"`
	// RotatedAt is when the key was last rotated; nil if never.
	RotatedAt *time.Time `json:"rotated_at,omitempty"`
}

// apiKeyState is the record of a deployment's rotations.
type apiKeyState struct {
	Generation int       `json:"generation"`
	RotatedAt  time.Time `json:"rotated_at"`
}

// DeploymentAPIKey returns the API key of an On-Premises number, for the operator.
// It returns ENotFound for an unknown number and EWrongPlatform for a number
// that is not On-Premises.
func (p *Platform) DeploymentAPIKey(ctx context.Context, phoneNumberID string) (*APIKey, error) {
	pn, err := p.deployment(ctx, phoneNumberID)
	if err != nil {
		return nil, err
	}
	if len(p.URLKey) == 0 {
		return nil, errNoURLKey
	}
	st, err := p.apiKeyState(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	return p.apiKeyOf(pn.ID, st), nil
}

// RotateDeploymentAPIKey replaces an On-Premises number's API key: the old one
// stops working at once on this node, and on the others as soon as they hear
// of it through Bus (within CacheTTL at worst). Errors
// are those of DeploymentAPIKey.
func (p *Platform) RotateDeploymentAPIKey(ctx context.Context, phoneNumberID string) (*APIKey, error) {
	pn, err := p.deployment(ctx, phoneNumberID)
	if err != nil {
		return nil, err
	}
	if len(p.URLKey) == 0 {
		return nil, errNoURLKey
	}
	st, err := p.loadAPIKeyState(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	st.Generation++
	st.RotatedAt = p.clock.Now()
	v, _ := json.Marshal(st)
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: pn.ID, Kind: recAPIKey, Key: "", Value: v, UpdatedAt: st.RotatedAt}); err != nil {
		return nil, err
	}
	p.drop("apikey:" + pn.ID)
	return p.apiKeyOf(pn.ID, st), nil
}

// AuthenticateAPIKey turns a deployment's API key into a read-only caller of
// that deployment. With phoneNumberID empty (a request at the root, not under
// /onprem/{id}) the key itself tells the deployment. A key of another
// deployment, or of none, is EInvalidToken.
func (p *Platform) AuthenticateAPIKey(ctx context.Context, phoneNumberID, key string) (Caller, error) {
	invalid := wabi.Errorf(wabi.EInvalidToken, "The API key is not valid for this deployment.")
	if key == "" {
		return Caller{}, wabi.Errorf(wabi.EUnauthenticated, "This endpoint needs an API key (Authorization: Apikey <key>) or a bearer token.")
	}
	if len(p.URLKey) == 0 {
		// Without a secret every key could be worked out from the number.
		return Caller{}, invalid
	}
	ids := []string{phoneNumberID}
	if phoneNumberID == "" {
		ds, err := p.Deployments(ctx)
		if err != nil {
			return Caller{}, err
		}
		ids = ids[:0]
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
	}
	for _, id := range ids {
		st, err := p.apiKeyState(ctx, id)
		if err != nil {
			return Caller{}, err
		}
		// Every candidate is compared in full, in constant time.
		if hmac.Equal([]byte(key), []byte(p.apiKeyOf(id, st).Key)) {
			if _, err := p.deployment(ctx, id); err != nil {
				return Caller{}, err
			}
			return MonitorCaller(id), nil
		}
	}
	return Caller{}, invalid
}

// errNoURLKey refuses deployment API keys on a platform without a secret.
var errNoURLKey = fmt.Errorf("platform: deployment API keys need Platform.URLKey")

// apiKeyState is loadAPIKeyState through the cache: monitoring scrapes often.
func (p *Platform) apiKeyState(ctx context.Context, phoneNumberID string) (apiKeyState, error) {
	return cached(ctx, p, "apikey:"+phoneNumberID, func(ctx context.Context) (apiKeyState, error) {
		return p.loadAPIKeyState(ctx, phoneNumberID)
	})
}

// loadAPIKeyState reads a deployment's rotations; none is generation 0.
func (p *Platform) loadAPIKeyState(ctx context.Context, phoneNumberID string) (apiKeyState, error) {
	var st apiKeyState
	rec, err := p.store.Record(ctx, phoneNumberID, recAPIKey, "")
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(rec.Value, &st); err != nil {
		return st, fmt.Errorf("platform: api key record: %w", err)
	}
	return st, nil
}

// apiKeyOf derives the key of a deployment's generation: 40 hex characters,
// within the 12 to 128 the client takes for WA_API_KEY.
func (p *Platform) apiKeyOf(phoneNumberID string, st apiKeyState) *APIKey {
	m := hmac.New(sha256.New, append([]byte("wabi on-premises api key\x00"), p.URLKey...))
	m.Write([]byte(phoneNumberID + "\x00" + strconv.Itoa(st.Generation)))
	k := &APIKey{PhoneNumberID: phoneNumberID, Key: hex.EncodeToString(m.Sum(nil)[:20]), Generation: st.Generation}
	if !st.RotatedAt.IsZero() {
		t := st.RotatedAt
		k.RotatedAt = &t
	}
	return k
}
