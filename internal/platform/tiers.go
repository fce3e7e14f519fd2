package platform

import (
	"context"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// tierState is a business's messaging limit: its tier, whether it is
// verified, and the upgrade it waits for, if any.
type tierState struct {
	Tier     string `json:"tier"`
	Verified bool   `json:"verified,omitempty"`
	// Next is the tier the business rises to at NextAt: it met the upgrade
	// rule. "" when it waits for none.
	Next   string    `json:"next,omitempty"`
	NextAt time.Time `json:"next_at,omitzero"`
}

// freshTier is the state of a business wabi knows nothing about: new, not
// verified, at 250 customers a day.
func freshTier() tierState { return tierState{Tier: wabi.Tier250} }

// nextTier returns the tier above t, or "" for TIER_UNLIMITED.
func nextTier(t string) string {
	tiers := wabi.Tiers()
	i := slices.Index(tiers, t)
	if i < 0 || i == len(tiers)-1 {
		return ""
	}
	return tiers[i+1]
}

// lowerTier returns the tier below t; TIER_250 is the lowest.
func lowerTier(t string) string {
	tiers := wabi.Tiers()
	if i := slices.Index(tiers, t); i > 0 {
		return tiers[i-1]
	}
	return wabi.Tier250
}

// tierOf returns a business's messaging limit, cached for CacheTTL and
// dropped on every node when it changes.
func (p *Platform) tierOf(ctx context.Context, businessID string) (tierState, error) {
	return cached(ctx, p, tierCache+businessID, func(ctx context.Context) (tierState, error) {
		return readState(ctx, p, recTier, businessID, freshTier)
	})
}

// NumberTier returns the messaging limit a number shares with the other
// numbers of its business, applying an upgrade that is due.
func (p *Platform) NumberTier(ctx context.Context, pn *wabi.PhoneNumber) (string, error) {
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return "", err
	}
	ts, err := p.tierOf(ctx, w.BusinessID)
	if err == nil && ts.Next != "" && !p.clock.Now().Before(ts.NextAt) {
		ts, err = p.settleTier(ctx, w.BusinessID)
	}
	return ts.Tier, err
}

// MessagingLimit is a business's messaging limit as the control API shows it:
// its tier, whether it is verified, the unique customers it reached with
// business-initiated messages in the last 24 hours (what the tier limits) and
// 7 days (what the upgrade rule looks at), and the upgrade it waits for.
type MessagingLimit struct {
	BusinessID string `json:"business_id"`
	Tier       string `json:"messaging_limit"`
	// Limit is the tier's number of customers a day; -1 for no limit.
	Limit      int       `json:"limit"`
	Verified   bool      `json:"verified"`
	Reached24h int       `json:"reached_24h"`
	Reached7d  int       `json:"reached_7d"`
	UpgradeTo  string    `json:"upgrade_to,omitempty"`
	UpgradeAt  time.Time `json:"upgrade_at,omitzero"`
}

// BusinessLimit returns a business's messaging limit, applying an upgrade
// that is due. ENotFound for an unknown business.
func (p *Platform) BusinessLimit(ctx context.Context, businessID string) (*MessagingLimit, error) {
	if _, err := p.store.Business(ctx, businessID); err != nil {
		return nil, err
	}
	ts, err := p.settleTier(ctx, businessID)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	v := &MessagingLimit{BusinessID: businessID, Tier: ts.Tier, Verified: ts.Verified, UpgradeTo: ts.Next, UpgradeAt: ts.NextAt}
	v.Limit, _ = wabi.TierLimit(ts.Tier)
	if v.Reached24h, err = p.store.Reached(ctx, businessID, "", now.Add(-LimitWindow)); err != nil {
		return nil, err
	}
	if v.Reached7d, err = p.store.Reached(ctx, businessID, "", now.Add(-QualityWindow)); err != nil {
		return nil, err
	}
	return v, nil
}

// SetMessagingLimit puts a business at a tier, as Meta's support might: any
// upgrade it waited for is dropped, and its apps hear of the change.
// EInvalidParam for a name that is not a tier, ENotFound for an unknown
// business.
func (p *Platform) SetMessagingLimit(ctx context.Context, businessID, tier string) (*MessagingLimit, error) {
	if _, ok := wabi.TierLimit(tier); !ok {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param tier must be one of TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED, not %q.", tier)
	}
	if _, err := p.store.Business(ctx, businessID); err != nil {
		return nil, err
	}
	if err := p.moveTier(ctx, businessID, func(ts *tierState) bool {
		changed := ts.Tier != tier || ts.Next != ""
		ts.Tier, ts.Next, ts.NextAt = tier, "", time.Time{}
		return changed
	}); err != nil {
		return nil, err
	}
	return p.BusinessLimit(ctx, businessID)
}

// VerifyBusiness marks a business verified, as Meta's business verification
// does: a business at TIER_250 rises to TIER_2K at once. ENotFound for an
// unknown business.
func (p *Platform) VerifyBusiness(ctx context.Context, businessID string) (*MessagingLimit, error) {
	if _, err := p.store.Business(ctx, businessID); err != nil {
		return nil, err
	}
	if err := p.moveTier(ctx, businessID, func(ts *tierState) bool {
		if ts.Verified {
			return false
		}
		ts.Verified = true
		if ts.Tier == wabi.Tier250 {
			ts.Tier = wabi.Tier2K
			if ts.Next == wabi.Tier2K {
				ts.Next, ts.NextAt = "", time.Time{}
			}
		}
		return true
	}); err != nil {
		return nil, err
	}
	return p.BusinessLimit(ctx, businessID)
}

// scheduleUpgrade makes a business wait for its next tier, UpgradeDelay from
// now, unless it waits already, is unlimited, or has a number RED. With no
// delay the upgrade applies at once.
func (p *Platform) scheduleUpgrade(ctx context.Context, businessID string, now time.Time) error {
	red, err := p.anyRed(ctx, businessID)
	if err != nil || red {
		return err
	}
	delay := p.qualityRules().UpgradeDelay
	_, changed, err := swapState(ctx, p, recTier, businessID, freshTier, func(ts *tierState) (bool, error) {
		next := nextTier(ts.Tier)
		if ts.Next != "" || next == "" {
			return false, nil
		}
		ts.Next, ts.NextAt = next, now.Add(delay)
		return true, nil
	}, nil)
	if err != nil || !changed {
		return err
	}
	p.drop(tierCache + businessID)
	p.logger().Info("business meets the upgrade rule", "business_id", businessID, "at", now.Add(delay))
	if delay <= 0 {
		_, err = p.settleTier(ctx, businessID)
	}
	return err
}

// settleTier applies a business's upgrade if it is due, and returns its
// messaging limit as it then stands. An upgrade due while a number of the
// business is RED is dropped: the rule must be met again.
func (p *Platform) settleTier(ctx context.Context, businessID string) (tierState, error) {
	ts, err := readState(ctx, p, recTier, businessID, freshTier)
	if err != nil || ts.Next == "" || p.clock.Now().Before(ts.NextAt) {
		return ts, err
	}
	red, err := p.anyRed(ctx, businessID)
	if err != nil {
		return ts, err
	}
	err = p.moveTier(ctx, businessID, func(s *tierState) bool {
		if s.Next == "" || p.clock.Now().Before(s.NextAt) {
			return false
		}
		if !red {
			s.Tier = s.Next
		}
		s.Next, s.NextAt = "", time.Time{}
		return true
	})
	if err != nil {
		return ts, err
	}
	return readState(ctx, p, recTier, businessID, freshTier)
}

// moveTier changes a business's messaging limit and, when its tier moved,
// tells every number of the business (its MessagingLimit), the apps
// subscribed to its WABAs (business_capability_update, and a
// phone_number_quality_update UPGRADE or DOWNGRADE per number) and, at
// TIER_UNLIMITED, starts the throughput upgrade of its numbers.
func (p *Platform) moveTier(ctx context.Context, businessID string, change func(*tierState) bool) error {
	var from string
	ts, changed, err := swapState(ctx, p, recTier, businessID, freshTier, func(ts *tierState) (bool, error) {
		from = ts.Tier
		return change(ts), nil
	}, nil)
	if err != nil || !changed {
		return err
	}
	p.drop(tierCache + businessID)
	if ts.Tier == from {
		return nil
	}
	p.logger().Info("business messaging limit changed", "business_id", businessID, "from", from, "to", ts.Tier)
	return p.tierMoved(ctx, businessID, from, ts.Tier)
}

// tierMoved tells the numbers and the apps of a business that its tier moved.
func (p *Platform) tierMoved(ctx context.Context, businessID, from, to string) error {
	pns, wabas, err := p.businessNumbers(ctx, businessID)
	if err != nil {
		return err
	}
	event := wabi.QualityEventUpgrade
	if slices.Index(wabi.Tiers(), to) < slices.Index(wabi.Tiers(), from) {
		event = wabi.QualityEventDowngrade
	}
	now := p.clock.Now()
	var events []accountEvent
	for _, w := range wabas {
		events = append(events, accountEvent{waba: w, e: wabi.AccountEvent{Field: wabi.FieldBusinessCapabilityUpdate, At: now, Tier: to}})
	}
	for _, pn := range pns {
		updated, err := p.updateNumber(ctx, pn.ID, func(pn *wabi.PhoneNumber) bool {
			changed := pn.MessagingLimit != to
			pn.MessagingLimit = to
			return changed
		})
		if err != nil {
			return err
		}
		events = append(events, accountEvent{waba: wabas[pn.WABAID], e: wabi.AccountEvent{Field: wabi.FieldPhoneNumberQualityUpdate,
			Phone: updated, At: now, Event: event, Tier: to}})
	}
	if err := p.emitAccountEvents(ctx, events...); err != nil {
		return err
	}
	if to != wabi.TierUnlimited {
		return nil
	}
	for _, pn := range pns {
		if err := p.autoThroughputUpgrade(ctx, pn.ID); err != nil {
			return err
		}
	}
	return nil
}

// anyRed reports whether a number of the business is rated RED.
func (p *Platform) anyRed(ctx context.Context, businessID string) (bool, error) {
	pns, _, err := p.businessNumbers(ctx, businessID)
	if err != nil {
		return false, err
	}
	for _, pn := range pns {
		if pn.QualityRating == wabi.QualityRed {
			return true, nil
		}
	}
	return false, nil
}

// dropTier lowers a business one tier, for a number RED too long.
func (p *Platform) dropTier(ctx context.Context, businessID string) error {
	return p.moveTier(ctx, businessID, func(ts *tierState) bool {
		lower := lowerTier(ts.Tier)
		changed := lower != ts.Tier || ts.Next != ""
		ts.Tier, ts.Next, ts.NextAt = lower, "", time.Time{}
		return changed
	})
}
