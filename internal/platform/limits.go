package platform

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// admission is a send that passed every other check, as Meta's limits see it.
type admission struct {
	pn  *wabi.PhoneNumber
	w   *wabi.WABA
	m   *wabi.Message
	now time.Time
	// businessInitiated: the customer service window with m.WaID is closed, so
	// the message counts against the business's messaging limit.
	businessInitiated bool
	// failed: the message already fails for another reason (it is committed
	// failed); it still counts against the rates.
	failed bool
}

// admit applies Meta's limits to a send. A non-nil error refuses the request
// synchronously; a non-nil failure accepts the message and fails it, as Meta
// reports the failure in a status webhook.
func (p *Platform) admit(ctx context.Context, a *admission) (failure *wabi.Error, err error) {
	if err := p.admitRate(ctx, a); err != nil {
		return nil, err
	}
	if a.failed {
		return nil, nil
	}
	return p.admitReach(ctx, a)
}
