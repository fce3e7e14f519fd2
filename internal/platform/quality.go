package platform

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// wabi's quality rule. Meta rates numbers from how their customers received
// their messages lately and publishes no formula; wabi's is simple enough for
// a test to drive with a few blocks: the blocks and reports of a number in the
// last 7 days, against the customers it reached with business-initiated
// messages in those days (at least one).
const (
	// YellowSignals and YellowPercent: a number with at least 2 blocks and
	// reports, making at least 2 % of its customers, is YELLOW.
	YellowSignals = 2
	YellowPercent = 2
	// RedSignals and RedPercent: with at least 5, making at least 5 %, it is
	// RED.
	RedSignals = 5
	RedPercent = 5
)

// ratingOf applies the quality rule.
func ratingOf(signals, reached int) string {
	base := max(reached, 1)
	switch {
	case signals >= RedSignals && signals*100 >= RedPercent*base:
		return wabi.QualityRed
	case signals >= YellowSignals && signals*100 >= YellowPercent*base:
		return wabi.QualityYellow
	}
	return wabi.QualityGreen
}

// numberState is a number's quality rating and throughput upgrade.
type numberState struct {
	// Rating is the number's rating. Computed is what its blocks and reports
	// said at the last look: a rating forced by the control API stands until
	// they say something else.
	Rating   string `json:"rating"`
	Computed string `json:"computed,omitempty"`
	// RedSince is when the number turned RED, while it is; Dropped is when
	// it last cost its business a tier for it.
	RedSince time.Time `json:"red_since,omitzero"`
	Dropped  time.Time `json:"dropped,omitzero"`
	// UpgradeUntil is when the number's move to higher throughput ends,
	// while it moves.
	UpgradeUntil time.Time `json:"upgrade_until,omitzero"`
}

// freshNumber is the state of a number that has none yet: its rating as it
// was created.
func freshNumber(pn *wabi.PhoneNumber) func() numberState {
	return func() numberState { return numberState{Rating: pn.QualityRating} }
}

// numberState returns a number's state, cached for CacheTTL and dropped on
// every node when it changes.
func (p *Platform) numberState(ctx context.Context, pn *wabi.PhoneNumber) (numberState, error) {
	return cached(ctx, p, qualityCache+pn.ID, func(ctx context.Context) (numberState, error) {
		return readState(ctx, p, recQuality, pn.ID, freshNumber(pn))
	})
}

// Quality is a number's standing as the control API shows it: its rating,
// its business's messaging limit, its throughput, and what they come from.
// Reached24h and Reached7d are its business's unique customers (the
// messaging limit is the business's); Blocks7d and Reports7d its own.
type Quality struct {
	QualityRating          string    `json:"quality_rating"`
	MessagingLimit         string    `json:"messaging_limit"`
	Throughput             string    `json:"throughput"`
	FlaggedAt              time.Time `json:"flagged_at,omitzero"`
	RestrictedUntil        time.Time `json:"restricted_until,omitzero"`
	Reached24h             int       `json:"reached_24h"`
	Reached7d              int       `json:"reached_7d"`
	Blocks7d               int       `json:"blocks_7d"`
	Reports7d              int       `json:"reports_7d"`
	UpgradeAt              time.Time `json:"upgrade_at,omitzero"`
	ThroughputUpgradeUntil time.Time `json:"throughput_upgrade_until,omitzero"`
}

// NumberQuality returns a number's standing, first applying what is due (an
// upgrade, a finished throughput upgrade, a rating its signals changed).
// ENotFound for an unknown number.
func (p *Platform) NumberQuality(ctx context.Context, id string) (*Quality, error) {
	if err := p.settleNumber(ctx, id); err != nil {
		return nil, err
	}
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return nil, err
	}
	ns, err := readState(ctx, p, recQuality, pn.ID, freshNumber(pn))
	if err != nil {
		return nil, err
	}
	limit, err := p.BusinessLimit(ctx, w.BusinessID)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	q := &Quality{QualityRating: ns.Rating, MessagingLimit: limit.Tier, Throughput: pn.Throughput,
		FlaggedAt: ns.RedSince, Reached24h: limit.Reached24h, Reached7d: limit.Reached7d, UpgradeAt: limit.UpgradeAt}
	if now.Before(ns.UpgradeUntil) {
		q.ThroughputUpgradeUntil = ns.UpgradeUntil
	}
	if until, err := p.restrictedUntil(ctx, w.ID); err != nil {
		return nil, err
	} else if now.Before(until) {
		q.RestrictedUntil = until
	}
	fb, err := p.store.CountFeedback(ctx, pn.ID, now.Add(-QualityWindow))
	if err != nil {
		return nil, err
	}
	q.Blocks7d, q.Reports7d = fb.Blocks, fb.Reports
	return q, nil
}

// ForceQuality sets a number's rating, as a test wants it: GREEN, YELLOW or
// RED. It stands until the number's blocks and reports say something else
// than they said when it was set. Turning RED or leaving it is told as Meta
// tells it. EInvalidParam for another rating, ENotFound for an unknown number.
func (p *Platform) ForceQuality(ctx context.Context, id, rating string) (*Quality, error) {
	switch rating {
	case wabi.QualityGreen, wabi.QualityYellow, wabi.QualityRed:
	default:
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param rating must be GREEN, YELLOW or RED, not %q.", rating)
	}
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return nil, err
	}
	computed, err := p.computeRating(ctx, pn)
	if err != nil {
		return nil, err
	}
	if err := p.setRating(ctx, pn, func(ns *numberState) string {
		ns.Computed = computed
		return rating
	}); err != nil {
		return nil, err
	}
	return p.NumberQuality(ctx, id)
}

// computeRating applies the quality rule to a number's last 7 days.
func (p *Platform) computeRating(ctx context.Context, pn *wabi.PhoneNumber) (string, error) {
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return "", err
	}
	since := p.clock.Now().Add(-QualityWindow)
	fb, err := p.store.CountFeedback(ctx, pn.ID, since)
	if err != nil {
		return "", err
	}
	reached, err := p.store.Reached(ctx, w.BusinessID, pn.ID, since)
	if err != nil {
		return "", err
	}
	return ratingOf(fb.Blocks+fb.Reports, reached), nil
}

// rerate applies the quality rule to a number: its rating follows what its
// signals say when that changed since the last look.
func (p *Platform) rerate(ctx context.Context, pn *wabi.PhoneNumber) error {
	computed, err := p.computeRating(ctx, pn)
	if err != nil {
		return err
	}
	return p.setRating(ctx, pn, func(ns *numberState) string {
		if ns.Computed == computed {
			return ns.Rating
		}
		ns.Computed = computed
		return computed
	})
}

// setRating changes a number's rating to what decide returns, mirrors it on the
// number, and tells the apps subscribed to its WABA when it turned RED
// (FLAGGED) or left RED (UNFLAGGED). A number that leaves RED while its
// business is unlimited starts its throughput upgrade.
func (p *Platform) setRating(ctx context.Context, pn *wabi.PhoneNumber, decide func(*numberState) string) error {
	now := p.clock.Now()
	var from string
	ns, changed, err := swapState(ctx, p, recQuality, pn.ID, freshNumber(pn), func(ns *numberState) (bool, error) {
		from = ns.Rating
		before := *ns
		ns.Rating = decide(ns)
		switch {
		case ns.Rating == wabi.QualityRed && from != wabi.QualityRed:
			ns.RedSince, ns.Dropped = now, time.Time{}
		case ns.Rating != wabi.QualityRed:
			ns.RedSince, ns.Dropped = time.Time{}, time.Time{}
		}
		return *ns != before, nil
	}, nil)
	if err != nil || !changed {
		return err
	}
	p.drop(qualityCache + pn.ID)
	if ns.Rating == from {
		return nil
	}
	p.logger().Info("phone number quality changed", "phone_number_id", pn.ID, "from", from, "to", ns.Rating)
	updated, err := p.updateNumber(ctx, pn.ID, func(pn *wabi.PhoneNumber) bool {
		changed := pn.QualityRating != ns.Rating
		pn.QualityRating = ns.Rating
		return changed
	})
	if err != nil {
		return err
	}
	var event string
	switch {
	case ns.Rating == wabi.QualityRed:
		event = wabi.QualityEventFlagged
	case from == wabi.QualityRed:
		event = wabi.QualityEventUnflagged
	default:
		return nil
	}
	if err := p.emitNumberEvent(ctx, updated, event); err != nil {
		return err
	}
	if event == wabi.QualityEventUnflagged {
		return p.autoThroughputUpgrade(ctx, pn.ID)
	}
	return nil
}

// emitNumberEvent tells the apps subscribed to a number's WABA of a
// phone_number_quality_update, with its business's tier.
func (p *Platform) emitNumberEvent(ctx context.Context, pn *wabi.PhoneNumber, event string) error {
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return err
	}
	ts, err := p.tierOf(ctx, w.BusinessID)
	if err != nil {
		return err
	}
	return p.emitAccountEvents(ctx, accountEvent{waba: w, e: wabi.AccountEvent{Field: wabi.FieldPhoneNumberQualityUpdate,
		Phone: pn, At: p.clock.Now(), Event: event, Tier: ts.Tier}})
}

// Feedback says what a virtual phone did about a business number.
type Feedback struct {
	WaID          string
	PhoneNumberID string
	Kind          wabi.FeedbackKind
}

// Blocked is whether a virtual phone blocks a business number, after a
// feedback.
type Blocked struct {
	WaID          string `json:"wa_id"`
	PhoneNumberID string `json:"phone_number_id"`
	Blocked       bool   `json:"blocked"`
}

// GiveFeedback makes a virtual phone block, unblock or report a business
// number. A blocked number's messages to the phone fail as undeliverable
// until it unblocks; blocks and reports lower the number's quality rating.
// ENotFound for an unknown phone or number, EInvalidParam for another kind.
func (p *Platform) GiveFeedback(ctx context.Context, f Feedback) (*Blocked, error) {
	switch f.Kind {
	case wabi.FeedbackBlock, wabi.FeedbackUnblock, wabi.FeedbackReport:
	default:
		return nil, wabi.Errorf(wabi.EInvalidParam, "A virtual phone may block, unblock or report a number, not %q it.", f.Kind)
	}
	if _, err := p.store.VirtualPhone(ctx, f.WaID); err != nil {
		return nil, err
	}
	pn, err := p.store.PhoneNumber(ctx, f.PhoneNumberID)
	if err != nil {
		return nil, err
	}
	changed, err := p.store.AddFeedback(ctx, wabi.Feedback{PhoneNumberID: pn.ID, WaID: f.WaID, Kind: f.Kind, At: p.clock.Now()})
	if err != nil {
		return nil, err
	}
	if changed {
		p.logger().Info("virtual phone feedback", "wa_id", f.WaID, "phone_number_id", pn.ID, "kind", string(f.Kind))
		if f.Kind != wabi.FeedbackReport {
			p.drop(blockCache + pn.ID)
		}
		if f.Kind != wabi.FeedbackUnblock {
			if err := p.rerate(ctx, pn); err != nil {
				return nil, err
			}
		}
	}
	blocked, err := p.store.Blockers(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	out := &Blocked{WaID: f.WaID, PhoneNumberID: pn.ID}
	for _, id := range blocked {
		out.Blocked = out.Blocked || id == f.WaID
	}
	return out, nil
}

// Blockers lists the virtual phones that block a business number now.
// ENotFound for an unknown number.
func (p *Platform) Blockers(ctx context.Context, phoneNumberID string) ([]string, error) {
	if _, err := p.phoneNumber(ctx, phoneNumberID); err != nil {
		return nil, err
	}
	return p.store.Blockers(ctx, phoneNumberID)
}
