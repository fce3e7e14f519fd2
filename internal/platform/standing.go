package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// The standing of businesses, numbers and WABAs is kept in records of scope
// "", one kind each, keyed by the object's id, so that a sweep lists each kind
// in one read. Every change is a compare-and-set (swapState): of nodes that
// change one at once, one wins and tells the receivers, the others read
// again.
const (
	recTier        = "tier"        // a business's messaging limit: tierState
	recQuality     = "quality"     // a number's rating and throughput upgrade: numberState
	recRestriction = "restriction" // a WABA's restriction: restriction

	// Cache key prefixes, by id.
	tierCache        = "tier:"
	qualityCache     = "nq:"
	restrictionCache = "restr:"
	blockCache       = "blk:"
)

// swapTries bounds the compare-and-set loop of swapState: nodes that keep
// changing one record faster than a read and a write are something else.
const swapTries = 20

// swapState changes the state in the record (kind, key): it reads and decodes
// it (fresh when there is none), lets change change it and, when change says
// so, writes it back only if no one else wrote it meanwhile; else it starts
// over. It returns the state as it now stands and whether this call changed
// it. expires, if set, says when the record stops counting.
func swapState[T any](ctx context.Context, p *Platform, kind, key string, fresh func() T,
	change func(*T) (bool, error), expires func(*T) time.Time) (T, bool, error) {
	for try := 0; ; try++ {
		v := fresh()
		var old []byte
		r, err := p.store.Record(ctx, "", kind, key)
		switch {
		case wabi.ErrorCode(err) == wabi.ENotFound:
		case err != nil:
			return v, false, err
		default:
			old = r.Value
			if err := json.Unmarshal(r.Value, &v); err != nil {
				return v, false, fmt.Errorf("platform: %s record %s: %w", kind, key, err)
			}
		}
		ok, err := change(&v)
		if err != nil || !ok {
			return v, false, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return v, false, err
		}
		rec := &wabi.Record{Kind: kind, Key: key, Value: b, UpdatedAt: p.clock.Now()}
		if expires != nil {
			rec.ExpiresAt = expires(&v)
		}
		err = p.store.SwapRecord(ctx, rec, old)
		if wabi.ErrorCode(err) == wabi.EConflict && try < swapTries {
			continue
		}
		if err != nil {
			return v, false, err
		}
		return v, true, nil
	}
}

// readState reads the state in the record (kind, key), or fresh() when there
// is none.
func readState[T any](ctx context.Context, p *Platform, kind, key string, fresh func() T) (T, error) {
	v := fresh()
	r, err := p.store.Record(ctx, "", kind, key)
	switch {
	case wabi.ErrorCode(err) == wabi.ENotFound:
		return v, nil
	case err != nil:
		return v, err
	}
	if err := json.Unmarshal(r.Value, &v); err != nil {
		return v, fmt.Errorf("platform: %s record %s: %w", kind, key, err)
	}
	return v, nil
}

// businessNumbers lists every number of a business, across its WABAs, with
// the WABA of each.
func (p *Platform) businessNumbers(ctx context.Context, businessID string) ([]*wabi.PhoneNumber, map[string]*wabi.WABA, error) {
	ws, err := p.store.WABAs(ctx, businessID)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*wabi.WABA, len(ws))
	var all []*wabi.PhoneNumber
	for _, w := range ws {
		byID[w.ID] = w
		pns, err := p.store.PhoneNumbers(ctx, w.ID)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, pns...)
	}
	return all, byID, nil
}

// updateNumber reads a number afresh, changes it and saves it when change
// says so, dropping every node's cached copy.
func (p *Platform) updateNumber(ctx context.Context, id string, change func(pn *wabi.PhoneNumber) bool) (*wabi.PhoneNumber, error) {
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return nil, err
	}
	if !change(pn) {
		return pn, nil
	}
	return pn, p.saveNumber(ctx, pn)
}
