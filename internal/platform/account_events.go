package platform

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// accountEvent is one webhook about the standing of a number or a WABA, and
// the WABA whose subscribed apps get it.
type accountEvent struct {
	waba *wabi.WABA
	e    wabi.AccountEvent
}

// emitAccountEvents renders each event for every app subscribed to its WABA
// that takes the event's field, and commits the deliveries. These webhooks
// are the Cloud API's (the On-Premises API has none): they go to the apps of
// a WABA whatever API its numbers are on. Like template events they are about
// the WABA, not a chat, so they are delivered in order per app.
func (p *Platform) emitAccountEvents(ctx context.Context, events ...accountEvent) error {
	var ds []*wabi.Delivery
	now := p.clock.Now()
	for _, ev := range events {
		if ev.waba == nil {
			continue
		}
		subs, err := p.subscriptions(ctx, ev.waba.ID)
		if err != nil {
			return err
		}
		for _, s := range subs {
			app, err := p.app(ctx, s.AppID)
			if wabi.ErrorCode(err) == wabi.ENotFound {
				continue
			} else if err != nil {
				return err
			}
			field := ev.e.Field
			if !app.Subscribed(field) && !(s.OverrideCallbackURL != "" && slices.Contains(app.Fields, field)) {
				continue
			}
			enc, ok := p.Encoders[wabi.DialectCloud].(wabi.AccountEncoder)
			if !ok {
				return fmt.Errorf("platform: the %q webhook encoder renders no %s webhooks", wabi.DialectCloud, field)
			}
			e := ev.e
			e.App, e.WABA = app, ev.waba
			body, err := enc.EncodeAccount(&e)
			if err != nil {
				return fmt.Errorf("platform: render %s webhook: %w", field, err)
			}
			name := accountEventName(&e)
			ds = append(ds, &wabi.Delivery{
				ID: p.ids.NewID(), Dialect: wabi.DialectCloud, TargetID: app.ID, WABAID: ev.waba.ID,
				Event: name, Body: body, State: wabi.DeliveryPending,
				NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
			})
		}
	}
	if len(ds) == 0 {
		return nil
	}
	if err := p.store.Commit(ctx, &wabi.Batch{Deliveries: ds}); err != nil {
		return err
	}
	p.enqueue(ds)
	return nil
}

// accountEventName names an account webhook in the delivery log:
// "quality.flagged", "capability", "account.account_restriction".
func accountEventName(e *wabi.AccountEvent) string {
	switch e.Field {
	case wabi.FieldPhoneNumberQualityUpdate:
		return "quality." + strings.ToLower(e.Event)
	case wabi.FieldBusinessCapabilityUpdate:
		return "capability"
	}
	return "account." + strings.ToLower(e.Event)
}
