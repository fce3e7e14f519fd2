package platform

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// Caller is who makes a request: the operator (control API), a system-user token,
// an app acting with its app access token ("{app-id}|{app-secret}"), a user
// logged in to an On-Premises deployment, or a channel key of one number
// (channelkeys.go).
type Caller struct {
	Admin   bool
	Token   *wabi.Token
	App     *wabi.App
	Session *Session
	Channel *ChannelCaller
}

// Admin is the caller of the control API: it may do anything.
var Admin = Caller{Admin: true}

// Authenticate turns an access token into a caller. An empty token is
// EUnauthenticated; an unknown one EInvalidToken.
func (p *Platform) Authenticate(ctx context.Context, value string) (Caller, error) {
	if value == "" {
		return Caller{}, wabi.Errorf(wabi.EUnauthenticated, "An access token is required to request this resource.")
	}
	if strings.HasPrefix(value, ChannelKeyPrefix) {
		if c, err := p.channelCaller(ctx, value); wabi.ErrorCode(err) != wabi.EInvalidToken {
			return c, err
		}
	}
	if appID, secret, ok := strings.Cut(value, "|"); ok {
		app, err := p.app(ctx, appID)
		if err != nil || subtle.ConstantTimeCompare([]byte(app.Secret), []byte(secret)) != 1 {
			return Caller{}, invalidToken()
		}
		return Caller{App: app}, nil
	}
	t, err := p.token(ctx, value)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return Caller{}, invalidToken()
	} else if err != nil {
		return Caller{}, err
	}
	return Caller{Token: t}, nil
}

func invalidToken() error {
	return wabi.Errorf(wabi.EInvalidToken, "Invalid OAuth access token - Cannot parse access token")
}

// authorizeWABA checks that the caller may act on the WABA with the scope. Objects of
// another business are reported as not found, so that ids do not leak across tenants.
func (p *Platform) authorizeWABA(c Caller, w *wabi.WABA, scope, id string) error {
	switch {
	case c.Admin:
		return nil
	case c.Token != nil:
		if c.Token.BusinessID != w.BusinessID {
			return notFound(id)
		}
		if !c.Token.Allows(scope, w.BusinessID, w.ID) {
			return wabi.Errorf(wabi.EPermission, "The access token does not have the %s permission on WhatsApp Business Account %s.", scope, w.ID)
		}
		return nil
	case c.App != nil:
		if c.App.BusinessID != w.BusinessID {
			return notFound(id)
		}
		return nil
	case c.Session != nil:
		// A deployment reaches its own number only; numberFor lets it through.
		return notFound(id)
	case c.Channel != nil:
		return c.Channel.authorizeWABA(w, scope, id)
	}
	return wabi.Errorf(wabi.EUnauthenticated, "An access token is required to request this resource.")
}

// authorizeApp checks that the caller may manage the app.
func (p *Platform) authorizeApp(c Caller, a *wabi.App) error {
	switch {
	case c.Admin:
		return nil
	case c.App != nil && c.App.ID == a.ID:
		return nil
	case c.Token != nil && c.Token.BusinessID == a.BusinessID:
		if !slices.Contains(c.Token.Scopes, wabi.ScopeManagement) {
			return wabi.Errorf(wabi.EPermission, "The access token does not have the %s permission.", wabi.ScopeManagement)
		}
		return nil
	case c.Channel != nil && c.Channel.BusinessID == a.BusinessID:
		return c.Channel.permission("manage app " + a.ID)
	}
	return notFound(a.ID)
}

// numberFor loads a phone number the caller may use with the scope.
func (p *Platform) numberFor(ctx context.Context, c Caller, id, scope string) (*wabi.PhoneNumber, *wabi.WABA, error) {
	pn, err := p.phoneNumber(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return nil, nil, err
	}
	if c.Session != nil {
		if c.Session.PhoneNumberID != pn.ID {
			return nil, nil, notFound(id)
		}
		return pn, w, nil
	}
	if c.Channel != nil {
		if err := c.Channel.authorizeNumber(pn, w, scope, id); err != nil {
			return nil, nil, err
		}
		return pn, w, nil
	}
	if err := p.authorizeWABA(c, w, scope, id); err != nil {
		return nil, nil, err
	}
	return pn, w, nil
}

// wabaFor loads a WABA the caller may use with the scope.
func (p *Platform) wabaFor(ctx context.Context, c Caller, id, scope string) (*wabi.WABA, error) {
	w, err := p.waba(ctx, id)
	if err != nil {
		return nil, err
	}
	return w, p.authorizeWABA(c, w, scope, id)
}

func notFound(id string) error {
	return wabi.Errorf(wabi.ENotFound, "Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id)
}
