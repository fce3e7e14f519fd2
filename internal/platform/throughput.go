package platform

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// SetThroughput moves a number to a throughput level. HIGH starts the upgrade
// Meta makes when a business becomes unlimited: for QualityRules'
// ThroughputUpgrade its sends are refused (EThroughputUpgrade), then the
// number is HIGH and the apps subscribed to its WABA get a
// phone_number_quality_update THROUGHPUT_UPGRADE. STANDARD puts it back at
// once and tells no one (Meta never lowers a number's throughput; tests may).
// EInvalidParam for another level, ENotFound for an unknown number.
func (p *Platform) SetThroughput(ctx context.Context, id, level string) (*Quality, error) {
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return nil, err
	}
	switch level {
	case wabi.ThroughputHigh:
		if err := p.startThroughputUpgrade(ctx, pn); err != nil {
			return nil, err
		}
	case wabi.ThroughputStandard:
		if _, _, err := swapState(ctx, p, recQuality, pn.ID, freshNumber(pn), func(ns *numberState) (bool, error) {
			changed := !ns.UpgradeUntil.IsZero()
			ns.UpgradeUntil = time.Time{}
			return changed, nil
		}, nil); err != nil {
			return nil, err
		}
		p.drop(qualityCache + pn.ID)
		if _, err := p.updateNumber(ctx, pn.ID, func(pn *wabi.PhoneNumber) bool {
			changed := pn.Throughput != wabi.ThroughputStandard
			pn.Throughput = wabi.ThroughputStandard
			return changed
		}); err != nil {
			return nil, err
		}
	default:
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param level must be HIGH or STANDARD, not %q.", level)
	}
	return p.NumberQuality(ctx, id)
}

// startThroughputUpgrade starts a number's move to HIGH, unless it is HIGH or
// moving already. With no ThroughputUpgrade time it is done at once.
func (p *Platform) startThroughputUpgrade(ctx context.Context, pn *wabi.PhoneNumber) error {
	if pn.Throughput == wabi.ThroughputHigh {
		return nil
	}
	d := p.qualityRules().ThroughputUpgrade
	now := p.clock.Now()
	_, changed, err := swapState(ctx, p, recQuality, pn.ID, freshNumber(pn), func(ns *numberState) (bool, error) {
		if !ns.UpgradeUntil.IsZero() {
			return false, nil
		}
		ns.UpgradeUntil = now.Add(d)
		return true, nil
	}, nil)
	if err != nil || !changed {
		return err
	}
	p.drop(qualityCache + pn.ID)
	p.logger().Info("phone number throughput upgrade started", "phone_number_id", pn.ID, "until", now.Add(d))
	if d <= 0 {
		return p.finishThroughputUpgrade(ctx, pn.ID)
	}
	return nil
}

// finishThroughputUpgrade ends a number's move to HIGH if its time is up: the
// number is HIGH and its apps hear of it. Of the nodes that see it at once,
// one does it.
func (p *Platform) finishThroughputUpgrade(ctx context.Context, id string) error {
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return err
	}
	now := p.clock.Now()
	_, changed, err := swapState(ctx, p, recQuality, pn.ID, freshNumber(pn), func(ns *numberState) (bool, error) {
		if ns.UpgradeUntil.IsZero() || now.Before(ns.UpgradeUntil) {
			return false, nil
		}
		ns.UpgradeUntil = time.Time{}
		return true, nil
	}, nil)
	if err != nil || !changed {
		return err
	}
	p.drop(qualityCache + pn.ID)
	updated, err := p.updateNumber(ctx, pn.ID, func(pn *wabi.PhoneNumber) bool {
		changed := pn.Throughput != wabi.ThroughputHigh
		pn.Throughput = wabi.ThroughputHigh
		return changed
	})
	if err != nil {
		return err
	}
	p.logger().Info("phone number throughput upgraded", "phone_number_id", pn.ID)
	return p.emitNumberEvent(ctx, updated, wabi.QualityEventThroughputUpgrade)
}

// settleThroughput finishes a throughput upgrade whose time is up, from the
// send path: a failure is logged, and the next send or sweep tries again.
func (p *Platform) settleThroughput(ctx context.Context, id string) {
	if err := p.finishThroughputUpgrade(ctx, id); err != nil {
		p.logger().Error("platform: finish a throughput upgrade", "phone_number_id", id, "err", err)
	}
}

// autoThroughputUpgrade starts a number's move to HIGH when Meta would: its
// business is unlimited and it is not RED.
func (p *Platform) autoThroughputUpgrade(ctx context.Context, id string) error {
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return err
	}
	if pn.Throughput == wabi.ThroughputHigh || pn.QualityRating == wabi.QualityRed {
		return nil
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return err
	}
	ts, err := p.tierOf(ctx, w.BusinessID)
	if err != nil || ts.Tier != wabi.TierUnlimited {
		return err
	}
	return p.startThroughputUpgrade(ctx, pn)
}
