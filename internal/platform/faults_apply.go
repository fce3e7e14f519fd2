package platform

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// The platform applies the faults that act on what it renders and hands out:
// status webhooks (dropped, duplicated), media URLs (expired early) and, for
// the API dialects, whole requests (an error, a timeout). The network applies
// delivery failures and late statuses, the webhook engine the faults of
// webhook deliveries.

// statusFaults applies status_dropped and status_duplicated to the webhooks of
// a status update of m: a dropped status is recorded all the same, but none of
// its webhooks is queued; a duplicated one has each webhook queued twice, the
// copy right behind the original in its chat's order.
func (p *Platform) statusFaults(ctx context.Context, m *wabi.Message, u wabi.StatusUpdate, ds []*wabi.Delivery) []*wabi.Delivery {
	drop, dup := p.Armed(wabi.FaultStatusDropped), p.Armed(wabi.FaultStatusDuplicated)
	if !drop && !dup {
		return ds
	}
	ev := wabi.FaultEvent{PhoneNumberID: m.PhoneNumberID, WaID: m.WaID, Status: u.Status, Where: m.ID}
	if drop {
		ev.Kind = wabi.FaultStatusDropped
		if p.Fire(ctx, ev) != nil {
			return nil
		}
	}
	if dup {
		ev.Kind = wabi.FaultStatusDuplicated
		if p.Fire(ctx, ev) != nil {
			n := len(ds)
			for _, d := range ds[:n] {
				c := *d
				c.ID = p.ids.NewID()
				ds = append(ds, &c)
			}
		}
	}
	return ds
}

// mediaURLTTL is how long a download URL of m works: MediaURLTTL, or less
// when a media_url_expired fault of its number fires.
func (p *Platform) mediaURLTTL(m *wabi.MediaFile) time.Duration {
	if !p.Armed(wabi.FaultMediaURLExpired) {
		return MediaURLTTL
	}
	f := p.Fire(context.Background(), wabi.FaultEvent{Kind: wabi.FaultMediaURLExpired, PhoneNumberID: m.PhoneNumberID, Where: m.ID})
	if f == nil {
		return MediaURLTTL
	}
	return time.Duration(f.TTL)
}

// APIArmed reports whether an api_error or api_timeout fault may fire: the one
// check an API request costs when none is set.
func (p *Platform) APIArmed() bool {
	return p.Armed(wabi.FaultAPIError) || p.Armed(wabi.FaultAPITimeout)
}

// APIFault returns the api_error or api_timeout fault that fires on a request
// on a business number, nil if none does. where names the request for the
// fault's hits ("POST /v23.0/106540352242922/messages").
func (p *Platform) APIFault(ctx context.Context, phoneNumberID, where string) *wabi.Fault {
	for _, k := range [...]wabi.FaultKind{wabi.FaultAPIError, wabi.FaultAPITimeout} {
		if !p.Armed(k) {
			continue
		}
		if f := p.Fire(ctx, wabi.FaultEvent{Kind: k, PhoneNumberID: phoneNumberID, Where: where}); f != nil {
			return f
		}
	}
	return nil
}

// APIFaultError is the error an api_error fault answers with: EInternal for
// 500, EUnavailable for 503, each dialect in its own body.
func APIFaultError(f *wabi.Fault) *wabi.Error {
	if f.HTTPStatus == 503 {
		return wabi.Errorf(wabi.EUnavailable, "Service temporarily unavailable: injected by wabi fault %s (api_error 503).", f.ID)
	}
	return wabi.Errorf(wabi.EInternal, "Injected by wabi fault %s (api_error 500).", f.ID)
}
