package platform

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// The windows of Meta's messaging limits and quality rating.
const (
	// LimitWindow is the moving window of the messaging limit: a business
	// may reach its tier's number of unique customers with business-initiated
	// messages in any 24 hours.
	LimitWindow = 24 * time.Hour
	// QualityWindow is how far back the upgrade rule and the quality rating
	// look: 7 days.
	QualityWindow = 7 * 24 * time.Hour
	// upgradeCheckEvery bounds how often a node counts a business's last 7
	// days against the upgrade rule on the send path: once a minute at most,
	// unless the last 24 hours alone meet it.
	upgradeCheckEvery = time.Minute
)

// admitReach applies the rules of blocks, quality and messaging limits to a
// send that passed every other check:
//
//   - a customer who blocked the number does not get its messages: they fail
//     as undeliverable, whether the limits are on or off, since the block is
//     the phone's doing;
//   - with the number's limits on, a number moving to higher throughput
//     refuses every send for a minute;
//   - and business-initiated messages (the customer service window is
//     closed) are refused while the WABA is restricted or the number is RED,
//     and fail when the business reached its tier's unique customers in the
//     last 24 hours.
//
// Replies inside an open window cost two cache reads; with the limits off, a
// send costs one, for the blocks.
func (p *Platform) admitReach(ctx context.Context, a *admission) (*wabi.Error, error) {
	blocked, err := p.blockedBy(ctx, a.pn.ID, a.m.WaID)
	if err != nil {
		return nil, err
	}
	if blocked {
		return wabi.Errorf(wabi.ENotOnWhatsApp, "Message failed to send because %s blocked business phone number %s.", a.m.WaID, a.pn.ID), nil
	}
	l, err := p.numberLimits(ctx, a.pn)
	if err != nil || !l.Enabled {
		return nil, err
	}
	ns, err := p.numberState(ctx, a.pn)
	if err != nil {
		return nil, err
	}
	if !ns.UpgradeUntil.IsZero() {
		if a.now.Before(ns.UpgradeUntil) {
			return nil, wabi.Errorf(wabi.EThroughputUpgrade, "Phone number %s is moving to higher throughput until %s: retry in a minute.",
				a.pn.ID, ns.UpgradeUntil.UTC().Format(time.RFC3339))
		}
		p.settleThroughput(ctx, a.pn.ID)
	}
	if !a.businessInitiated {
		return nil, nil
	}
	until, err := p.restrictedUntil(ctx, a.w.ID)
	if err != nil {
		return nil, err
	}
	if a.now.Before(until) {
		return nil, wabi.Errorf(wabi.ERestricted, "WhatsApp Business Account %s is restricted from business-initiated messaging until %s; replies to customers who wrote in the last 24 hours still go.",
			a.w.ID, until.UTC().Format(time.RFC3339))
	}
	if ns.Rating == wabi.QualityRed {
		return nil, wabi.Errorf(wabi.ESpamLimit, "Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam: phone number %s is rated RED.", a.pn.ID)
	}
	return p.countReach(ctx, a)
}

// countReach counts the customer against the business's messaging limit, and
// checks the business against the upgrade rule when the customer is new.
func (p *Platform) countReach(ctx context.Context, a *admission) (*wabi.Error, error) {
	ts, err := p.tierOf(ctx, a.w.BusinessID)
	if err != nil {
		return nil, err
	}
	if ts.Next != "" && !a.now.Before(ts.NextAt) {
		// The upgrade is due: it applies now, on whichever node sees it first.
		if ts, err = p.settleTier(ctx, a.w.BusinessID); err != nil {
			return nil, err
		}
	}
	// A customer this node recorded a moment ago is in the window still:
	// always allowed, whatever the tier.
	seen := a.w.BusinessID + "|" + a.pn.ID + "|" + a.m.WaID
	if p.reach.recent(seen, a.now) {
		return nil, nil
	}
	limit, _ := wabi.TierLimit(ts.Tier)
	res, err := p.store.AddReach(ctx, wabi.Reach{BusinessID: a.w.BusinessID, PhoneNumberID: a.pn.ID, WaID: a.m.WaID, At: a.now},
		a.now.Add(-LimitWindow), limit)
	if err != nil {
		return nil, err
	}
	if !res.OK {
		return wabi.Errorf(wabi.EMessagingLimit, "Message failed to send because business %s reached its messaging limit: %s allows %d unique customers outside a customer service window in 24 hours, and that many were messaged.",
			a.w.BusinessID, ts.Tier, limit), nil
	}
	p.reach.remember(seen, a.now)
	if res.New && limit >= 0 && ts.Next == "" {
		p.checkUpgrade(ctx, a.w.BusinessID, ts, res.Count, a.now)
	}
	return nil, nil
}

// checkUpgrade schedules the business's next tier when it meets Meta's rule:
// at least half its limit used in the last 7 days and no number RED. The 24
// hours just counted answer it when they suffice; the 7 days are counted at
// most once a minute per business on each node. Failures are logged: the
// send that led here went through.
func (p *Platform) checkUpgrade(ctx context.Context, businessID string, ts tierState, last24h int, now time.Time) {
	limit, _ := wabi.TierLimit(ts.Tier)
	met := last24h*2 >= limit
	if !met {
		p.reach.mu.Lock()
		if p.reach.checked == nil {
			p.reach.checked = map[string]time.Time{}
		}
		last, seen := p.reach.checked[businessID]
		due := !seen || now.Sub(last) >= upgradeCheckEvery || now.Before(last)
		if due {
			if len(p.reach.checked) > 100_000 {
				clear(p.reach.checked)
			}
			p.reach.checked[businessID] = now
		}
		p.reach.mu.Unlock()
		if !due {
			return
		}
		n, err := p.store.Reached(ctx, businessID, "", now.Add(-QualityWindow))
		if err != nil {
			p.logger().Error("platform: count a business's customers for its upgrade", "business_id", businessID, "err", err)
			return
		}
		met = n*2 >= limit
	}
	if !met {
		return
	}
	if err := p.scheduleUpgrade(ctx, businessID, now); err != nil {
		p.logger().Error("platform: schedule a business's upgrade", "business_id", businessID, "err", err)
	}
}

// blockedBy reports whether waID blocks the number now. Who blocks a number
// is cached for CacheTTL, and dropped on every node when it changes.
func (p *Platform) blockedBy(ctx context.Context, phoneNumberID, waID string) (bool, error) {
	blockers, err := cached(ctx, p, blockCache+phoneNumberID, func(ctx context.Context) (map[string]bool, error) {
		ids, err := p.store.Blockers(ctx, phoneNumberID)
		if err != nil {
			return nil, err
		}
		m := make(map[string]bool, len(ids))
		for _, id := range ids {
			m[id] = true
		}
		return m, nil
	})
	return blockers[waID], err
}
