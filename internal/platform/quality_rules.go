package platform

import (
	"sync"
	"time"
)

// QualityRules are the timings of Meta's messaging limits and quality rules:
// how long a business waits for a higher tier, how long a number may stay RED
// before its business drops a tier, and how long a move to higher throughput
// takes. MetaQualityRules returns Meta's; tests and scenario files shorten
// them, to nothing if they like.
type QualityRules struct {
	// UpgradeDelay is how long after a business meets the upgrade rule its
	// messaging limit rises to the next tier. Meta: within 6 hours.
	UpgradeDelay time.Duration `json:"upgrade_delay"`
	// RedPeriod is how long a number may stay RED before its business drops
	// one tier; each further RedPeriod drops another. Meta: 7 days.
	RedPeriod time.Duration `json:"red_period"`
	// ThroughputUpgrade is how long a number's move to higher throughput
	// takes; its sends fail with EThroughputUpgrade meanwhile. Meta: up to a
	// minute.
	ThroughputUpgrade time.Duration `json:"throughput_upgrade"`
}

// MetaQualityRules returns Meta's timings.
func MetaQualityRules() QualityRules {
	return QualityRules{UpgradeDelay: 6 * time.Hour, RedPeriod: 7 * 24 * time.Hour, ThroughputUpgrade: time.Minute}
}

// qualityRules returns the rules in force: the platform's, or Meta's.
func (p *Platform) qualityRules() QualityRules {
	if p.QualityRules != nil {
		return *p.QualityRules
	}
	return MetaQualityRules()
}

// reachState is what one node keeps in memory about messaging limits: when it
// last checked each business against the upgrade rule, and the customers it
// recorded as reached lately. Its zero value is ready to use.
type reachState struct {
	mu      sync.Mutex
	checked map[string]time.Time // business id → last check of the 7-day rule
	// seen maps "business|number|wa_id" to when this node last recorded the
	// customer as reached through the number.
	seen map[string]time.Time
}

// reachRefresh is how long a node takes a customer it recorded as reached to
// stay in its business's window without writing again: a customer messaged
// again and again costs the store one write a minute, not one a message. A
// customer's place in the moving window may so end up to this much early.
const reachRefresh = time.Minute

// maxSeen bounds the customers a node remembers; past it, it forgets them all
// and writes again.
const maxSeen = 100_000

// recent reports whether this node recorded the customer key as reached less
// than reachRefresh before now.
func (r *reachState) recent(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.seen[key]
	return ok && !now.Before(at) && now.Sub(at) < reachRefresh
}

// remember notes that this node recorded the customer key as reached at now.
func (r *reachState) remember(key string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil || len(r.seen) >= maxSeen {
		r.seen = map[string]time.Time{}
	}
	r.seen[key] = now
}
