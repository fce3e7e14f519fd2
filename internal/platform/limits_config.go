package platform

import (
	"context"
	"encoding/json"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Meta's rate limits (spec §9.1–9.3): what MetaLimits returns.
const (
	// MetaThroughput is a number's messages per second at the STANDARD level.
	MetaThroughput = 80
	// MetaHighThroughput is a number's messages per second at the HIGH level.
	MetaHighThroughput = 1000
	// MetaPairBurst and MetaPairInterval: a number may send one customer 45
	// messages at once, then one every 6 seconds.
	MetaPairBurst    = 45
	MetaPairInterval = 6 * time.Second
	// MetaCallsPerHour is how many management calls an app may make on a WABA
	// in an hour; MetaActiveCallsPerHour when the WABA has a registered number.
	MetaCallsPerHour       = 200
	MetaActiveCallsPerHour = 5000
)

// highThroughput is the throughput level of a number upgraded to 1,000
// messages a second, as PhoneNumber.Throughput spells it.
const highThroughput = "HIGH"

// Bounds of the values an override may set: far beyond Meta's, so that load
// tests can raise a limit instead of lifting it, and within what a token
// bucket holds (wabi.CheckTakes).
const (
	maxThroughput      = 100_000
	maxPairBurst       = 10_000
	minPairInterval    = time.Millisecond
	maxPairInterval    = time.Hour
	maxCallsPerHour    = wabi.MaxBurst
	recLimits          = "limits" // record kind of an override; scope: the WABA or number id
	limitOverrideCache = "lim:"   // cache key prefix of overrides, by id
)

// Limits are the rate limits that apply to a number or a WABA.
type Limits struct {
	// Enabled says whether the limits apply at all.
	Enabled bool `json:"enabled"`
	// Throughput is how many messages a second a number may send. A second's
	// worth may go at once (the bucket holds Throughput tokens).
	Throughput int `json:"throughput"`
	// PairBurst and PairInterval: a number may send one customer PairBurst
	// messages at once, then one every PairInterval.
	PairBurst    int           `json:"pair_burst"`
	PairInterval wabi.Duration `json:"pair_interval"`
	// CallsPerHour is how many management calls an app may make on a WABA in
	// an hour, all at once if it likes, then one every hour/CallsPerHour.
	CallsPerHour int `json:"calls_per_hour"`
}

// LimitConfig is the server's rate limits: what a number or WABA has unless
// an override of its own, or of its WABA, says otherwise.
type LimitConfig struct {
	Limits
	// HighThroughput replaces Throughput for a number whose throughput level
	// is HIGH.
	HighThroughput int `json:"throughput_high"`
	// ActiveCallsPerHour replaces CallsPerHour for a WABA with a registered
	// number.
	ActiveCallsPerHour int `json:"calls_per_hour_active"`
}

// MetaLimits returns Meta's limits, on: what wabi serve runs with by default
// (WABI_LIMITS=meta).
func MetaLimits() LimitConfig {
	return LimitConfig{
		Limits: Limits{Enabled: true, Throughput: MetaThroughput, PairBurst: MetaPairBurst,
			PairInterval: wabi.Duration(MetaPairInterval), CallsPerHour: MetaCallsPerHour},
		HighThroughput: MetaHighThroughput, ActiveCallsPerHour: MetaActiveCallsPerHour,
	}
}

// LimitConfig returns the server's limits, with Meta's values for any that
// Platform.Limits leaves at zero.
func (p *Platform) LimitConfig() LimitConfig {
	c, meta := p.Limits, MetaLimits()
	fill := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&c.Throughput, meta.Throughput)
	fill(&c.HighThroughput, meta.HighThroughput)
	fill(&c.PairBurst, meta.PairBurst)
	fill(&c.CallsPerHour, meta.CallsPerHour)
	fill(&c.ActiveCallsPerHour, meta.ActiveCallsPerHour)
	if c.PairInterval <= 0 {
		c.PairInterval = meta.PairInterval
	}
	return c
}

// LimitOverride changes some of the limits of a WABA or a number; a nil field
// inherits. A number's override beats its WABA's, which beats the server's.
type LimitOverride struct {
	Enabled      *bool          `json:"enabled,omitempty"`
	Throughput   *int           `json:"throughput,omitempty"`
	PairBurst    *int           `json:"pair_burst,omitempty"`
	PairInterval *wabi.Duration `json:"pair_interval,omitempty"`
	CallsPerHour *int           `json:"calls_per_hour,omitempty"`
}

// apply sets the fields the override sets.
func (o *LimitOverride) apply(l *Limits) {
	if o.Enabled != nil {
		l.Enabled = *o.Enabled
	}
	if o.Throughput != nil {
		l.Throughput = *o.Throughput
	}
	if o.PairBurst != nil {
		l.PairBurst = *o.PairBurst
	}
	if o.PairInterval != nil {
		l.PairInterval = *o.PairInterval
	}
	if o.CallsPerHour != nil {
		l.CallsPerHour = *o.CallsPerHour
	}
}

// check returns EInvalidParam for a value out of bounds.
func (o *LimitOverride) check() error {
	between := func(name string, v *int, lo, hi int) error {
		if v != nil && (*v < lo || *v > hi) {
			return wabi.Errorf(wabi.EInvalidParam, "Param %s must be a whole number from %d to %d, not %d.", name, lo, hi, *v)
		}
		return nil
	}
	if err := between("throughput", o.Throughput, 1, maxThroughput); err != nil {
		return err
	}
	if err := between("pair_burst", o.PairBurst, 1, maxPairBurst); err != nil {
		return err
	}
	if err := between("calls_per_hour", o.CallsPerHour, 1, maxCallsPerHour); err != nil {
		return err
	}
	if d := o.PairInterval; d != nil && (time.Duration(*d) < minPairInterval || time.Duration(*d) > maxPairInterval) {
		return wabi.Errorf(wabi.EInvalidParam, "Param pair_interval must be from %s to %s, not %s.", minPairInterval, maxPairInterval, time.Duration(*d))
	}
	return nil
}

// LimitView is a WABA's or number's limits as the control API shows them:
// its override (empty when it has none), the limits that apply, and how much
// of them is used.
type LimitView struct {
	Override  LimitOverride `json:"override"`
	Effective Limits        `json:"effective"`
	Usage     LimitUsage    `json:"usage"`
}

// LimitUsage is what a view tells of the buckets: a number's throughput (and
// its pair rate with one customer, when asked), a WABA's management calls by
// app. Only buckets whose limit is on are shown.
type LimitUsage struct {
	Throughput *BucketUsage `json:"throughput,omitempty"`
	Pair       *BucketUsage `json:"pair,omitempty"`
	Calls      []*CallUsage `json:"calls,omitempty"`
}

// BucketUsage is one token bucket as it stands: how many tokens it holds when
// full, how many it holds now, and how long until it holds one.
type BucketUsage struct {
	// WaID is the customer of a pair-rate bucket.
	WaID       string        `json:"wa_id,omitempty"`
	Limit      int           `json:"limit"`
	Available  int           `json:"available"`
	RetryAfter wabi.Duration `json:"retry_after"`
}

// limitOverride returns the override of a WABA or number id, empty when it has
// none, through the cache: a send reads two, its number's and its WABA's.
func (p *Platform) limitOverride(ctx context.Context, id string) (LimitOverride, error) {
	return cached(ctx, p, limitOverrideCache+id, func(ctx context.Context) (LimitOverride, error) {
		var o LimitOverride
		r, err := p.store.Record(ctx, id, recLimits, "")
		switch {
		case wabi.ErrorCode(err) == wabi.ENotFound:
			return o, nil
		case err != nil:
			return o, err
		}
		if err := json.Unmarshal(r.Value, &o); err != nil {
			return o, err
		}
		return o, nil
	})
}

// numberLimits returns the limits that apply to a number's sends. Its
// CallsPerHour is the server's or the overrides', not raised for an active
// WABA: callLimits knows that.
func (p *Platform) numberLimits(ctx context.Context, pn *wabi.PhoneNumber) (Limits, error) {
	c := p.LimitConfig()
	l := c.Limits
	if pn.Throughput == highThroughput {
		l.Throughput = c.HighThroughput
	}
	for _, id := range []string{pn.WABAID, pn.ID} {
		o, err := p.limitOverride(ctx, id)
		if err != nil {
			return Limits{}, err
		}
		o.apply(&l)
	}
	return l, nil
}

// numberCallLimits is numberLimits with the CallsPerHour of calls on the
// number's node: its WABA's, as raised for an active WABA, unless the
// number's own override sets it.
func (p *Platform) numberCallLimits(ctx context.Context, pn *wabi.PhoneNumber) (Limits, error) {
	l, err := p.numberLimits(ctx, pn)
	if err != nil {
		return l, err
	}
	o, err := p.limitOverride(ctx, pn.ID)
	if err != nil || o.CallsPerHour != nil {
		return l, err
	}
	w, err := p.wabaLimits(ctx, pn.WABAID)
	l.CallsPerHour = w.CallsPerHour
	return l, err
}

// wabaLimits returns the limits of a WABA: the server's with its override.
func (p *Platform) wabaLimits(ctx context.Context, wabaID string) (Limits, error) {
	c := p.LimitConfig()
	l := c.Limits
	active, err := p.wabaActive(ctx, wabaID)
	if err != nil {
		return Limits{}, err
	}
	if active {
		l.CallsPerHour = c.ActiveCallsPerHour
	}
	o, err := p.limitOverride(ctx, wabaID)
	if err != nil {
		return Limits{}, err
	}
	o.apply(&l)
	return l, nil
}

// wabaActive reports whether a WABA has a registered number, which raises its
// call limit. It is cached for CacheTTL and not dropped when a number
// registers: a WABA's limit rises at most that late.
func (p *Platform) wabaActive(ctx context.Context, wabaID string) (bool, error) {
	return cached(ctx, p, "wact:"+wabaID, func(ctx context.Context) (bool, error) {
		pns, err := p.store.PhoneNumbers(ctx, wabaID)
		if err != nil {
			return false, err
		}
		for _, pn := range pns {
			if pn.Registered {
				return true, nil
			}
		}
		return false, nil
	})
}

// NumberLimits returns the limits of a number: its override, the limits that
// apply to it, and its throughput bucket; with waID, also its pair-rate
// bucket with that customer. ENotFound for an unknown number.
func (p *Platform) NumberLimits(ctx context.Context, id, waID string) (*LimitView, error) {
	if waID != "" && (len(waID) > 20 || onlyDigits(waID) != waID) {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param wa_id must be a customer's wa_id, digits only, not %q.", waID)
	}
	pn, err := p.phoneNumber(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &LimitView{}
	if v.Override, err = p.limitOverride(ctx, pn.ID); err != nil {
		return nil, err
	}
	if v.Effective, err = p.numberCallLimits(ctx, pn); err != nil {
		return nil, err
	}
	if !v.Effective.Enabled {
		return v, nil
	}
	takes := []wabi.Take{{Bucket: throughputBucket(pn.ID, v.Effective)}}
	if waID != "" {
		takes = append(takes, wabi.Take{Bucket: pairBucket(pn.ID, waID, v.Effective)})
	}
	_, found, err := p.store.TakeTokens(ctx, p.clock.Now(), takes)
	if err != nil {
		return nil, err
	}
	v.Usage.Throughput = usageOf("", takes[0], found[0])
	if waID != "" {
		v.Usage.Pair = usageOf(waID, takes[1], found[1])
	}
	return v, nil
}

// WABALimits returns the limits of a WABA: its override, the limits that
// apply to it and its numbers without overrides of their own, and the
// management calls each app of its business made on it. ENotFound for an
// unknown WABA.
func (p *Platform) WABALimits(ctx context.Context, id string) (*LimitView, error) {
	w, err := p.waba(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &LimitView{}
	if v.Override, err = p.limitOverride(ctx, w.ID); err != nil {
		return nil, err
	}
	if v.Effective, err = p.wabaLimits(ctx, w.ID); err != nil {
		return nil, err
	}
	if !v.Effective.Enabled {
		return v, nil
	}
	apps, err := p.store.Apps(ctx, w.BusinessID)
	if err != nil {
		return nil, err
	}
	if len(apps) == 0 {
		return v, nil
	}
	takes := make([]wabi.Take, len(apps))
	for i, a := range apps {
		takes[i] = wabi.Take{Bucket: callBucket(w.ID, a.ID, v.Effective.CallsPerHour)}
	}
	_, found, err := p.store.TakeTokens(ctx, p.clock.Now(), takes)
	if err != nil {
		return nil, err
	}
	for i, a := range apps {
		v.Usage.Calls = append(v.Usage.Calls, callUsageOf(w.ID, a.ID, takes[i], found[i]))
	}
	return v, nil
}

// SetNumberLimits replaces a number's override and returns its limits.
// EInvalidParam for a value out of bounds, ENotFound for an unknown number.
func (p *Platform) SetNumberLimits(ctx context.Context, id string, o LimitOverride) (*LimitView, error) {
	if _, err := p.phoneNumber(ctx, id); err != nil {
		return nil, err
	}
	if err := p.putLimitOverride(ctx, id, &o); err != nil {
		return nil, err
	}
	return p.NumberLimits(ctx, id, "")
}

// SetWABALimits replaces a WABA's override and returns its limits.
// EInvalidParam for a value out of bounds, ENotFound for an unknown WABA.
func (p *Platform) SetWABALimits(ctx context.Context, id string, o LimitOverride) (*LimitView, error) {
	if _, err := p.waba(ctx, id); err != nil {
		return nil, err
	}
	if err := p.putLimitOverride(ctx, id, &o); err != nil {
		return nil, err
	}
	return p.WABALimits(ctx, id)
}

// DeleteNumberLimits removes a number's override, if it has one, and returns
// its limits. ENotFound for an unknown number.
func (p *Platform) DeleteNumberLimits(ctx context.Context, id string) (*LimitView, error) {
	if _, err := p.phoneNumber(ctx, id); err != nil {
		return nil, err
	}
	if err := p.deleteLimitOverride(ctx, id); err != nil {
		return nil, err
	}
	return p.NumberLimits(ctx, id, "")
}

// DeleteWABALimits removes a WABA's override, if it has one, and returns its
// limits. ENotFound for an unknown WABA.
func (p *Platform) DeleteWABALimits(ctx context.Context, id string) (*LimitView, error) {
	if _, err := p.waba(ctx, id); err != nil {
		return nil, err
	}
	if err := p.deleteLimitOverride(ctx, id); err != nil {
		return nil, err
	}
	return p.WABALimits(ctx, id)
}

// putLimitOverride stores an override and makes every node forget the one it
// had cached.
func (p *Platform) putLimitOverride(ctx context.Context, id string, o *LimitOverride) error {
	if err := o.check(); err != nil {
		return err
	}
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: id, Kind: recLimits, Value: b, UpdatedAt: p.clock.Now()}); err != nil {
		return err
	}
	p.drop(limitOverrideCache + id)
	return nil
}

func (p *Platform) deleteLimitOverride(ctx context.Context, id string) error {
	if err := p.store.DeleteRecord(ctx, id, recLimits, ""); err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
		return err
	}
	p.drop(limitOverrideCache + id)
	return nil
}
