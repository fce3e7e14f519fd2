package platform

import (
	"context"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Bucket keys: one space for every limit, in the store shared by all nodes.
func throughputBucket(phoneNumberID string, l Limits) wabi.Bucket {
	return wabi.Bucket{Key: "tput/" + phoneNumberID, Burst: l.Throughput, Interval: time.Second / time.Duration(l.Throughput)}
}

func pairBucket(phoneNumberID, waID string, l Limits) wabi.Bucket {
	return wabi.Bucket{Key: "pair/" + phoneNumberID + "/" + waID, Burst: l.PairBurst, Interval: time.Duration(l.PairInterval)}
}

func callBucket(wabaID, appID string, perHour int) wabi.Bucket {
	return wabi.Bucket{Key: "calls/" + wabaID + "/" + appID, Burst: perHour, Interval: time.Hour / time.Duration(perHour)}
}

// admitRate applies the number's throughput and the pair rate: one token from
// the number's bucket and one from the (number, customer) bucket, both or
// neither, in one call to the store. With the number's limits off it costs
// two cache reads and nothing else.
//
// Only outbound messages take tokens. Meta counts inbound messages against a
// number's 80 a second too, but they are never refused; in wabi they are the
// virtual phones a test drives, and letting them spend the number's tokens
// would make a test's own inbound traffic fail its sends.
func (p *Platform) admitRate(ctx context.Context, a *admission) error {
	l, err := p.numberLimits(ctx, a.pn)
	if err != nil || !l.Enabled {
		return err
	}
	takes := [2]wabi.Take{
		{Bucket: throughputBucket(a.pn.ID, l), N: 1},
		{Bucket: pairBucket(a.pn.ID, a.m.WaID, l), N: 1},
	}
	ok, found, err := p.store.TakeTokens(ctx, a.now, takes[:])
	if err != nil || ok {
		return err
	}
	if wait := found[1].RetryAfter; wait > 0 {
		// The pair rate is what the business must wait out for this
		// customer, even when the number's second is spent too.
		return wabi.Errorf(wabi.EPairRateLimit, "Phone number %s reached its pair rate limit with %s (%d messages at once, then one every %s): retry after %s.",
			a.pn.ID, a.m.WaID, l.PairBurst, time.Duration(l.PairInterval), retryText(wait))
	}
	return wabi.Errorf(wabi.ERateLimit, "Phone number %s reached its throughput of %d messages per second: retry after %s.",
		a.pn.ID, l.Throughput, retryText(found[0].RetryAfter))
}

// retryText is a wait as a developer reads it: rounded up to a tenth of a
// millisecond ("12.5ms", "6s").
func retryText(d time.Duration) string {
	const step = 100 * time.Microsecond
	return ((d + step - 1) / step * step).String()
}

// usageOf is a bucket as a read found it.
func usageOf(waID string, t wabi.Take, f wabi.Tokens) *BucketUsage {
	return &BucketUsage{WaID: waID, Limit: t.Burst, Available: f.Remaining, RetryAfter: wabi.Duration(f.Next(t.Bucket))}
}

// CallUsage is how much of its management call limit an app used on a WABA:
// what the Cloud API's X-Business-Use-Case-Usage header reports.
type CallUsage struct {
	WABAID string `json:"waba_id"`
	AppID  string `json:"app_id"`
	// Limit is the calls allowed an hour; 0 when the limit is off.
	Limit int `json:"limit"`
	// Used is how many calls the bucket is short of full: the calls of the
	// last hour, less those it has got back.
	Used int `json:"used"`
	// RetryAfter is how long until a call is allowed again; 0 when one is.
	RetryAfter wabi.Duration `json:"retry_after"`
}

// Percent is Used as a whole percentage of Limit, rounded up, 0 to 100.
func (u *CallUsage) Percent() int {
	if u.Limit <= 0 {
		return 0
	}
	return min(100, (u.Used*100+u.Limit-1)/u.Limit)
}

func callUsageOf(wabaID, appID string, t wabi.Take, f wabi.Tokens) *CallUsage {
	return &CallUsage{WABAID: wabaID, AppID: appID, Limit: t.Burst, Used: t.Burst - f.Remaining, RetryAfter: wabi.Duration(f.Next(t.Bucket))}
}

// usageTTL is how long a node reuses a usage it read without counting a
// call, so that the usage of every send costs the store nothing. Calls
// counted on this node are seen at once; others' this late at most.
const usageTTL = time.Second

// MeterCall applies the management call limit to a request on the Graph node
// id (a WABA, a phone number or a template) by the caller: with count, it
// takes one call from the hourly allowance of the caller's app on the node's
// WABA, and returns ECallLimit when none is left; without, it only reads it.
// Either way it returns the usage for the answer's header, or nil when the
// node is none of those, is not of the caller's business, or the caller is no
// app's (the operator, an On-Premises session). A read that fails is logged,
// not returned: it costs a send nothing but its header.
func (p *Platform) MeterCall(ctx context.Context, c Caller, id string, count bool) (*CallUsage, error) {
	var businessID, appID string
	switch {
	case c.Token != nil:
		businessID, appID = c.Token.BusinessID, c.Token.AppID
	case c.App != nil:
		businessID, appID = c.App.BusinessID, c.App.ID
	default:
		return nil, nil
	}
	w, pn, err := p.callNode(ctx, id, count)
	if err != nil || w == nil || w.BusinessID != businessID {
		return nil, p.meterError(err, count)
	}
	var l Limits
	if pn != nil {
		l, err = p.numberCallLimits(ctx, pn)
	} else {
		l, err = p.wabaLimits(ctx, w.ID)
	}
	if err != nil {
		return nil, p.meterError(err, count)
	}
	if !l.Enabled {
		return &CallUsage{WABAID: w.ID, AppID: appID}, nil
	}
	key := "usage:" + w.ID + "/" + appID + "/" + strconv.Itoa(l.CallsPerHour)
	now := p.clock.Now()
	if !count {
		if u, ok := p.cache.get(key, now); ok {
			return u.(*CallUsage), nil
		}
	}
	t := wabi.Take{Bucket: callBucket(w.ID, appID, l.CallsPerHour)}
	if count {
		t.N = 1
	}
	ok, found, err := p.store.TakeTokens(ctx, now, []wabi.Take{t})
	if err != nil {
		return nil, p.meterError(err, count)
	}
	u := callUsageOf(w.ID, appID, t, found[0])
	if !ok {
		return u, wabi.Errorf(wabi.ECallLimit, "App %s reached its limit of %d management calls an hour on WhatsApp Business Account %s: retry after %s.",
			appID, l.CallsPerHour, w.ID, retryText(found[0].RetryAfter))
	}
	p.cache.put(key, u, now.Add(usageTTL))
	return u, nil
}

// meterError is what MeterCall returns for err: a counted call fails with
// it; a read only logs it.
func (p *Platform) meterError(err error, count bool) error {
	if err == nil || count {
		return err
	}
	p.logger().Warn("platform: read a management call usage", "err", err)
	return nil
}

// callNode finds the WABA a Graph node id concerns, and the number when it
// is one: a number or a WABA through the cache, a template (only for a
// counted call) from the store. Other ids concern no WABA: nil, nil.
func (p *Platform) callNode(ctx context.Context, id string, templates bool) (*wabi.WABA, *wabi.PhoneNumber, error) {
	wabaOf := func(wabaID string) (*wabi.WABA, error) { return p.waba(ctx, wabaID) }
	pn, err := p.phoneNumber(ctx, id)
	switch wabi.ErrorCode(err) {
	case "":
		w, err := wabaOf(pn.WABAID)
		return w, pn, err
	case wabi.ENotFound:
	default:
		return nil, nil, err
	}
	w, err := p.waba(ctx, id)
	switch wabi.ErrorCode(err) {
	case "":
		return w, nil, nil
	case wabi.ENotFound:
	default:
		return nil, nil, err
	}
	if !templates {
		return nil, nil, nil
	}
	t, err := p.store.Template(ctx, id)
	switch wabi.ErrorCode(err) {
	case "":
		w, err := wabaOf(t.WABAID)
		return w, nil, err
	case wabi.ENotFound:
		return nil, nil, nil
	}
	return nil, nil, err
}
