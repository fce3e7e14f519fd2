package platform

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// callerApp is the app a caller acts for: its own app, or the app its token was
// issued for. The operator names the app explicitly.
func (p *Platform) callerApp(ctx context.Context, c Caller, appID string) (*wabi.App, error) {
	switch {
	case c.App != nil:
		appID = c.App.ID
	case c.Token != nil && appID == "":
		appID = c.Token.AppID
	}
	if appID == "" {
		return nil, wabi.Errorf(wabi.EInvalidParam, "The access token was not issued for an app, so there is no app to subscribe.")
	}
	a, err := p.app(ctx, appID)
	if err != nil {
		return nil, err
	}
	return a, p.authorizeApp(c, a)
}

// Subscribe attaches the caller's app to a WABA so that it receives the WABA's
// webhooks, optionally at an override callback URL that must pass the handshake.
func (p *Platform) Subscribe(ctx context.Context, c Caller, wabaID, appID, overrideURL, verifyToken string) error {
	w, err := p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	if err != nil {
		return err
	}
	a, err := p.callerApp(ctx, c, appID)
	if err != nil {
		return err
	}
	if a.BusinessID != w.BusinessID {
		return notFound(wabaID)
	}
	if err := checkCallbackURL(overrideURL); err != nil {
		return err
	}
	if overrideURL != "" && p.Verify != nil {
		if err := p.Verify(ctx, overrideURL, verifyToken); err != nil {
			return err
		}
	}
	s := &wabi.Subscription{WABAID: w.ID, AppID: a.ID, OverrideCallbackURL: overrideURL, VerifyToken: verifyToken, CreatedAt: p.clock.Now()}
	if err := p.store.PutSubscription(ctx, s); err != nil {
		return err
	}
	p.drop("subs:" + w.ID)
	return nil
}

// Unsubscribe detaches the caller's app from a WABA.
func (p *Platform) Unsubscribe(ctx context.Context, c Caller, wabaID, appID string) error {
	w, err := p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	if err != nil {
		return err
	}
	a, err := p.callerApp(ctx, c, appID)
	if err != nil {
		return err
	}
	if err := p.store.DeleteSubscription(ctx, w.ID, a.ID); err != nil {
		return err
	}
	p.drop("subs:" + w.ID)
	return nil
}

// SubscribedApp is an app subscribed to a WABA.
type SubscribedApp struct {
	App          *wabi.App
	Subscription *wabi.Subscription
}

// SubscribedApps lists the apps subscribed to a WABA.
func (p *Platform) SubscribedApps(ctx context.Context, c Caller, wabaID string) ([]SubscribedApp, error) {
	w, err := p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	if err != nil {
		return nil, err
	}
	subs, err := p.store.Subscriptions(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	out := make([]SubscribedApp, 0, len(subs))
	for _, s := range subs {
		a, err := p.store.App(ctx, s.AppID)
		if err != nil {
			return nil, err
		}
		out = append(out, SubscribedApp{App: a, Subscription: s})
	}
	return out, nil
}
