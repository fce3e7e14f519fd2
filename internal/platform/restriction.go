package platform

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// MaxRestriction bounds how long the control API may restrict a WABA.
const MaxRestriction = 365 * 24 * time.Hour

// restriction is a WABA's restriction from business-initiated messaging.
type restriction struct {
	Until time.Time `json:"until"`
}

// Restriction is a WABA's restriction as the control API shows it.
type Restriction struct {
	WABAID string `json:"waba_id"`
	// Type is RESTRICTED_BIZ_INITIATED_MESSAGING.
	Type  string    `json:"restriction_type"`
	Until time.Time `json:"until"`
}

// restrictedUntil returns when a WABA's restriction ends; the zero time when
// it has none. It is cached for CacheTTL and dropped on every node when it
// changes.
func (p *Platform) restrictedUntil(ctx context.Context, wabaID string) (time.Time, error) {
	r, err := cached(ctx, p, restrictionCache+wabaID, func(ctx context.Context) (restriction, error) {
		return readState(ctx, p, recRestriction, wabaID, func() restriction { return restriction{} })
	})
	return r.Until, err
}

// Restrict restricts a WABA from business-initiated messaging for d, as Meta
// does after policy violations: its numbers' business-initiated sends are
// refused (ERestricted) until then, their replies within a customer service
// window still go, and the apps subscribed to the WABA get an account_update
// ACCOUNT_RESTRICTION. A second call replaces the first's end. EInvalidParam
// for a duration that is not positive or longer than MaxRestriction, ENotFound
// for an unknown WABA.
func (p *Platform) Restrict(ctx context.Context, wabaID string, d time.Duration) (*Restriction, error) {
	if d <= 0 || d > MaxRestriction {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param duration must be more than 0 and at most %s, not %s.", MaxRestriction, d)
	}
	w, err := p.waba(ctx, wabaID)
	if err != nil {
		return nil, err
	}
	until := p.clock.Now().Add(d)
	b := restriction{Until: until}
	if _, _, err := swapState(ctx, p, recRestriction, wabaID, func() restriction { return restriction{} },
		func(r *restriction) (bool, error) { *r = b; return true, nil },
		func(r *restriction) time.Time { return r.Until }); err != nil {
		return nil, err
	}
	p.drop(restrictionCache + wabaID)
	p.logger().Info("WABA restricted", "waba_id", wabaID, "until", until)
	err = p.emitAccountEvents(ctx, accountEvent{waba: w, e: wabi.AccountEvent{Field: wabi.FieldAccountUpdate, At: p.clock.Now(),
		Event: wabi.AccountRestriction, Restrictions: []wabi.Restriction{{Type: wabi.RestrictedBizInitiated, Expiration: until}}}})
	if err != nil {
		return nil, err
	}
	return &Restriction{WABAID: wabaID, Type: wabi.RestrictedBizInitiated, Until: until}, nil
}

// Unrestrict lifts a WABA's restriction before its end, and tells the apps
// subscribed to the WABA with an account_update ACCOUNT_RESTRICTION that
// lists no restriction. ENotFound for an unknown WABA or one that is not
// restricted.
func (p *Platform) Unrestrict(ctx context.Context, wabaID string) error {
	w, err := p.waba(ctx, wabaID)
	if err != nil {
		return err
	}
	now := p.clock.Now()
	_, changed, err := swapState(ctx, p, recRestriction, wabaID, func() restriction { return restriction{} },
		func(r *restriction) (bool, error) {
			if !now.Before(r.Until) {
				return false, nil
			}
			r.Until = now
			return true, nil
		}, func(r *restriction) time.Time { return r.Until })
	if err != nil {
		return err
	}
	if !changed {
		return wabi.Errorf(wabi.ENotFound, "WhatsApp Business Account %s is not restricted.", wabaID)
	}
	p.drop(restrictionCache + wabaID)
	p.logger().Info("WABA restriction lifted", "waba_id", wabaID)
	return p.emitAccountEvents(ctx, accountEvent{waba: w, e: wabi.AccountEvent{Field: wabi.FieldAccountUpdate, At: now,
		Event: wabi.AccountRestriction, Restrictions: []wabi.Restriction{}}})
}

// WABARestriction returns a WABA's restriction; ENotFound for an unknown WABA
// or one that is not restricted.
func (p *Platform) WABARestriction(ctx context.Context, wabaID string) (*Restriction, error) {
	if _, err := p.waba(ctx, wabaID); err != nil {
		return nil, err
	}
	r, err := readState(ctx, p, recRestriction, wabaID, func() restriction { return restriction{} })
	if err != nil {
		return nil, err
	}
	if !p.clock.Now().Before(r.Until) {
		return nil, wabi.Errorf(wabi.ENotFound, "WhatsApp Business Account %s is not restricted.", wabaID)
	}
	return &Restriction{WABAID: wabaID, Type: wabi.RestrictedBizInitiated, Until: r.Until}, nil
}
