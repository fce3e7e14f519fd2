package platform

import (
	"context"
	"errors"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// DefaultQualitySweep is how often wabi serve runs SweepQuality.
const DefaultQualitySweep = 10 * time.Second

// reachKept is how long reaches, blocks and reports are kept: the quality
// window and a day more.
const reachKept = QualityWindow + 24*time.Hour

// settleNumber applies to a number what time made due: its business's
// upgrade, the end of its throughput upgrade, a tier dropped for a number RED
// too long, the rating its blocks and reports now give as they age, and the
// throughput upgrade of a number of an unlimited business.
func (p *Platform) settleNumber(ctx context.Context, id string) error {
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return err
	}
	if _, err := p.settleTier(ctx, w.BusinessID); err != nil {
		return err
	}
	ns, err := readState(ctx, p, recQuality, pn.ID, freshNumber(pn))
	if err != nil {
		return err
	}
	now := p.clock.Now()
	if !ns.UpgradeUntil.IsZero() && !now.Before(ns.UpgradeUntil) {
		if err := p.finishThroughputUpgrade(ctx, pn.ID); err != nil {
			return err
		}
	}
	// A number RED for a whole period costs its business a tier even if its
	// signals age out now.
	if err := p.dropForRed(ctx, pn, w.BusinessID); err != nil {
		return err
	}
	if ns.Computed != "" {
		if err := p.rerate(ctx, pn); err != nil {
			return err
		}
	}
	return p.autoThroughputUpgrade(ctx, pn.ID)
}

// dropForRed lowers a business one tier for each RedPeriod its number stays
// RED.
func (p *Platform) dropForRed(ctx context.Context, pn *wabi.PhoneNumber, businessID string) error {
	period := p.qualityRules().RedPeriod
	now := p.clock.Now()
	_, changed, err := swapState(ctx, p, recQuality, pn.ID, freshNumber(pn), func(ns *numberState) (bool, error) {
		if ns.Rating != wabi.QualityRed || ns.RedSince.IsZero() {
			return false, nil
		}
		last := ns.RedSince
		if ns.Dropped.After(last) {
			last = ns.Dropped
		}
		if now.Sub(last) < period {
			return false, nil
		}
		ns.Dropped = now
		return true, nil
	}, nil)
	if err != nil || !changed {
		return err
	}
	p.drop(qualityCache + pn.ID)
	p.logger().Info("phone number RED too long: its business drops a tier", "phone_number_id", pn.ID, "business_id", businessID)
	return p.dropTier(ctx, businessID)
}

// SweepQuality applies what time made due to every business and number that
// has a standing of its own (see settleNumber), keeps the numbers' messaging
// limits in step with their businesses', and forgets reaches, blocks and
// reports older than the rules look. Each node may run it: changes are
// compare-and-set, so one node makes each and tells the receivers once. It
// goes on past a failure and returns the first.
func (p *Platform) SweepQuality(ctx context.Context) error {
	var errs []error
	tiers, err := p.store.Records(ctx, "", recTier, "")
	if err != nil {
		return err
	}
	for _, r := range tiers {
		if err := p.settleBusiness(ctx, r.Key); err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
			errs = append(errs, err)
		}
	}
	numbers, err := p.store.Records(ctx, "", recQuality, "")
	if err != nil {
		return err
	}
	for _, r := range numbers {
		if err := p.settleNumber(ctx, r.Key); err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
			errs = append(errs, err)
		}
	}
	if _, err := p.store.ExpireReach(ctx, p.clock.Now().Add(-reachKept)); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// settleBusiness applies a business's due upgrade, gives its numbers its
// tier (a number added since has the tier of a new business), and starts the
// throughput upgrade of its numbers when it is unlimited.
func (p *Platform) settleBusiness(ctx context.Context, businessID string) error {
	ts, err := p.settleTier(ctx, businessID)
	if err != nil {
		return err
	}
	pns, _, err := p.businessNumbers(ctx, businessID)
	if err != nil {
		return err
	}
	var errs []error
	for _, pn := range pns {
		if pn.MessagingLimit != ts.Tier {
			if _, err := p.updateNumber(ctx, pn.ID, func(pn *wabi.PhoneNumber) bool {
				changed := pn.MessagingLimit != ts.Tier
				pn.MessagingLimit = ts.Tier
				return changed
			}); err != nil {
				errs = append(errs, err)
			}
		}
		if ts.Tier == wabi.TierUnlimited {
			if err := p.autoThroughputUpgrade(ctx, pn.ID); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// RunQuality runs SweepQuality every interval until ctx ends, timed by the
// platform's clock.
func (p *Platform) RunQuality(ctx context.Context, every time.Duration) error {
	tick := make(chan struct{}, 1)
	schedule := func() {
		p.clock.AfterFunc(every, func() {
			select {
			case tick <- struct{}{}:
			default:
			}
		})
	}
	schedule()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			if err := p.SweepQuality(ctx); err != nil && ctx.Err() == nil {
				p.logger().Error("quality sweep", "err", err)
			}
			schedule()
		}
	}
}
