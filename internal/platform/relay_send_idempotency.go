package platform

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// A send with an Idempotency-Key claims the key for its number with a
// pending record (recIdempotency, keyed by the key's hash), then keeps its
// answer there for IdempotencyTTL: the same key again gets that answer and
// sends nothing. A claim whose request died ends after idempotencyClaim.

const recIdempotency = "idempotency"

// IdempotencyTTL is how long a send's answer is kept for its Idempotency-Key.
const IdempotencyTTL = 24 * time.Hour

// idempotencyClaim is how long a key is held by a request still running.
const idempotencyClaim = time.Minute

// MaxIdempotencyKey is the longest Idempotency-Key taken.
const MaxIdempotencyKey = 255

// IdempotentAnswer is the answer kept for an Idempotency-Key.
type IdempotentAnswer struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body"`
}

// idempotencyRecord is the value of a key's record: Pending while its first
// request runs, then its answer.
type idempotencyRecord struct {
	Pending bool              `json:"pending,omitempty"`
	Answer  *IdempotentAnswer `json:"answer,omitempty"`
}

// ClaimIdempotencyKey claims an Idempotency-Key of a send on a number the
// caller may send from. It returns the answer kept for the key if a request
// with it was answered within IdempotencyTTL; else nil, having claimed the
// key, and the caller must FinishIdempotencyKey. EUnavailable while another
// request with the key runs.
func (p *Platform) ClaimIdempotencyKey(ctx context.Context, c Caller, phoneNumberID, key string) (*IdempotentAnswer, error) {
	if key == "" || len(key) > MaxIdempotencyKey {
		return nil, wabi.Errorf(wabi.EInvalidParam, "The Idempotency-Key header must have 1 to %d characters.", MaxIdempotencyKey)
	}
	pn, _, err := p.numberFor(ctx, c, phoneNumberID, wabi.ScopeMessaging)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	claim, err := json.Marshal(idempotencyRecord{Pending: true})
	if err != nil {
		return nil, err
	}
	r := &wabi.Record{Scope: pn.ID, Kind: recIdempotency, Key: keyHash(key), Value: claim,
		ExpiresAt: now.Add(idempotencyClaim), UpdatedAt: now}
	var old []byte
	for range 3 {
		err := p.store.SwapRecord(ctx, r, old)
		if err == nil {
			return nil, nil
		}
		if wabi.ErrorCode(err) != wabi.EConflict {
			return nil, err
		}
		cur, err := p.store.Record(ctx, pn.ID, recIdempotency, r.Key)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			old = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		if now.Before(cur.ExpiresAt) {
			var v idempotencyRecord
			if err := json.Unmarshal(cur.Value, &v); err == nil && v.Answer != nil {
				return v.Answer, nil
			}
			return nil, wabi.Errorf(wabi.EUnavailable, "A request with this Idempotency-Key is still running; try again shortly.")
		}
		old = cur.Value // expired: take it over
	}
	return nil, wabi.Errorf(wabi.EUnavailable, "A request with this Idempotency-Key is still running; try again shortly.")
}

// FinishIdempotencyKey keeps the answer of the request that claimed a key,
// or, with a nil answer, lets the key go so that the request can be made
// again (an answer that did nothing, such as a server error or a rate limit).
func (p *Platform) FinishIdempotencyKey(ctx context.Context, phoneNumberID, key string, a *IdempotentAnswer) error {
	k := keyHash(key)
	if a == nil {
		err := p.store.DeleteRecord(ctx, phoneNumberID, recIdempotency, k)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			err = nil
		}
		return err
	}
	v, err := json.Marshal(idempotencyRecord{Answer: a})
	if err != nil {
		return err
	}
	now := p.clock.Now()
	return p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: recIdempotency, Key: k, Value: v,
		ExpiresAt: now.Add(IdempotencyTTL), UpdatedAt: now})
}

// keyHash is the record key of an Idempotency-Key: any text fits it.
func keyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}
