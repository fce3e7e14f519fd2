package platform

import (
	"cmp"
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// CreateBusiness creates a business.
func (p *Platform) CreateBusiness(ctx context.Context, name string) (*wabi.Business, error) {
	if strings.TrimSpace(name) == "" {
		return nil, wabi.Errorf(wabi.ERequired, "The parameter name is required.")
	}
	b := &wabi.Business{ID: p.ids.NewID(), Name: name, CreatedAt: p.clock.Now()}
	return b, p.store.CreateBusiness(ctx, b)
}

// CreateWABA creates a WhatsApp Business Account in a business.
func (p *Platform) CreateWABA(ctx context.Context, businessID, name string) (*wabi.WABA, error) {
	if strings.TrimSpace(name) == "" {
		return nil, wabi.Errorf(wabi.ERequired, "The parameter name is required.")
	}
	if _, err := p.store.Business(ctx, businessID); err != nil {
		return nil, err
	}
	ns := wabi.RandomHex(16)
	w := &wabi.WABA{
		ID: p.ids.NewID(), BusinessID: businessID, Name: name, Currency: wabi.DefaultCurrency, TimezoneID: "1",
		Namespace: ns[:8] + "_" + ns[8:12] + "_" + ns[12:16] + "_" + ns[16:20] + "_" + ns[20:],
		CreatedAt: p.clock.Now(),
	}
	return w, p.store.CreateWABA(ctx, w)
}

// NewPhoneNumber says what number to add to a WABA.
type NewPhoneNumber struct {
	WABAID string
	// Number is the full number with country code, in any common notation.
	Number       string
	VerifiedName string
	// Platform defaults to the Cloud API.
	Platform wabi.Platform
	// Registered numbers can send at once; they are verified too.
	Registered bool
	// NameStatus is the display name's review status. Default APPROVED.
	NameStatus string
	// QualityRating defaults to GREEN.
	QualityRating string
}

// CreatePhoneNumber adds a business phone number to a WABA.
func (p *Platform) CreatePhoneNumber(ctx context.Context, n NewPhoneNumber) (*wabi.PhoneNumber, error) {
	w, err := p.store.WABA(ctx, n.WABAID)
	if err != nil {
		return nil, err
	}
	digits := onlyDigits(n.Number)
	if len(digits) < 8 || len(digits) > 15 || strings.HasPrefix(digits, "0") {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Param phone_number must be a full phone number with country code, not %q.", n.Number)
	}
	if l := len([]rune(n.VerifiedName)); l < 2 || l > 75 {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param verified_name must be 2 to 75 characters long.")
	}
	platform := n.Platform
	if platform == "" {
		platform = wabi.PlatformCloud
	}
	if platform != wabi.PlatformCloud && platform != wabi.PlatformOnPrem {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param platform_type must be CLOUD_API or ON_PREMISE.")
	}
	// The operator's numbers are ready to use: verified and with an approved
	// name; a registered one needs no register call.
	verification := CodeNotVerified
	if n.Registered {
		verification = CodeVerified
	}
	pn := &wabi.PhoneNumber{
		ID: p.ids.NewID(), WABAID: n.WABAID, DisplayPhoneNumber: digits, VerifiedName: n.VerifiedName,
		Platform: platform, Registered: n.Registered, QualityRating: cmp.Or(n.QualityRating, "GREEN"),
		CreatedAt: p.clock.Now(), CodeVerificationStatus: verification, NameStatus: cmp.Or(n.NameStatus, NameApproved),
		Throughput: ThroughputStandard, MessagingLimit: DefaultMessagingLimit,
	}
	// The messaging limit is the business's: a new number shows its tier.
	if ts, err := p.tierOf(ctx, w.BusinessID); err == nil {
		pn.MessagingLimit = ts.Tier
	} else {
		return nil, err
	}
	return pn, p.store.CreatePhoneNumber(ctx, pn)
}

// CreateApp creates an app with a fresh secret.
func (p *Platform) CreateApp(ctx context.Context, businessID, name string) (*wabi.App, error) {
	return p.CreateAppWith(ctx, NewApp{BusinessID: businessID, Name: name})
}

// NewApp says what app to create.
type NewApp struct {
	BusinessID string
	Name       string
	// Secret is the app secret to use, so that a test suite can check webhook
	// signatures with a value it knows; "" makes a fresh one.
	Secret string
}

// CreateAppWith creates an app, with the given secret if there is one.
func (p *Platform) CreateAppWith(ctx context.Context, n NewApp) (*wabi.App, error) {
	if strings.TrimSpace(n.Name) == "" {
		return nil, wabi.Errorf(wabi.ERequired, "The parameter name is required.")
	}
	secret := n.Secret
	if secret == "" {
		secret = wabi.RandomHex(16)
	} else if err := checkGivenSecret("secret", secret, 128); err != nil {
		return nil, err
	}
	if _, err := p.store.Business(ctx, n.BusinessID); err != nil {
		return nil, err
	}
	a := &wabi.App{
		ID: p.ids.NewID(), BusinessID: n.BusinessID, Name: n.Name, Secret: secret,
		Fields: []string{}, APIVersion: p.DefaultAPIVersion, CreatedAt: p.clock.Now(),
	}
	return a, p.store.CreateApp(ctx, a)
}

// checkGivenSecret checks a secret the operator chose (an app secret, a token):
// at least 16 characters, so that it is not guessed, and only letters, digits,
// '.', '_' and '-', so that it fits in a header, a path and an app access token
// ("{app-id}|{app-secret}") unchanged. The error never quotes the value.
func checkGivenSecret(param, v string, max int) error {
	if len(v) < 16 || len(v) > max {
		return wabi.Errorf(wabi.EInvalidParam, "Param %s must be 16 to %d characters long (it has %d).", param, max, len(v))
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return wabi.Errorf(wabi.EInvalidParam, "Param %s may hold only letters, digits, '.', '_' and '-'.", param)
		}
	}
	return nil
}

// WebhookConfig is an app's webhook subscription (POST /{app-id}/subscriptions).
type WebhookConfig struct {
	CallbackURL string
	VerifyToken string
	// Fields to receive; nil keeps the current ones.
	Fields []string
	// APIVersion shapes the payloads; "" keeps the current one.
	APIVersion string
}

// SetAppWebhook sets an app's callback URL, verify token and fields. A new URL or
// token must pass the hub.challenge handshake first, as at Meta.
func (p *Platform) SetAppWebhook(ctx context.Context, c Caller, appID string, cfg WebhookConfig) (*wabi.App, error) {
	a, err := p.store.App(ctx, appID)
	if err != nil {
		return nil, err
	}
	if err := p.authorizeApp(c, a); err != nil {
		return nil, err
	}
	if err := checkCallbackURL(cfg.CallbackURL); err != nil {
		return nil, err
	}
	if cfg.CallbackURL != "" && p.Verify != nil && (cfg.CallbackURL != a.CallbackURL || cfg.VerifyToken != a.VerifyToken) {
		if err := p.Verify(ctx, cfg.CallbackURL, cfg.VerifyToken); err != nil {
			return nil, err
		}
	}
	next := *a
	next.CallbackURL, next.VerifyToken = cfg.CallbackURL, cfg.VerifyToken
	if cfg.Fields != nil {
		next.Fields = slices.Compact(slices.Sorted(slices.Values(cfg.Fields)))
	}
	if cfg.APIVersion != "" {
		if !apiVersion.MatchString(cfg.APIVersion) {
			return nil, wabi.Errorf(wabi.EInvalidParam, "Param api_version must look like v23.0, not %q.", cfg.APIVersion)
		}
		next.APIVersion = cfg.APIVersion
	}
	if err := p.store.UpdateApp(ctx, &next); err != nil {
		return nil, err
	}
	p.drop("app:" + a.ID)
	return &next, nil
}

// apiVersion matches a Graph API version.
var apiVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// App returns an app the caller may manage.
func (p *Platform) App(ctx context.Context, c Caller, appID string) (*wabi.App, error) {
	a, err := p.store.App(ctx, appID)
	if err != nil {
		return nil, err
	}
	return a, p.authorizeApp(c, a)
}

func checkCallbackURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return wabi.Errorf(wabi.EInvalidParam, "Param callback_url must be an absolute http or https URL, not %q.", raw)
	}
	return nil
}

// NewToken says what a new access token may reach.
type NewToken struct {
	BusinessID string
	AppID      string
	Name       string
	// WABAIDs limits the token to these WABAs; empty means all of the business.
	WABAIDs []string
	// Scopes default to messaging and management.
	Scopes []string
	// Value is the token to issue, so that a test suite can use a value it
	// knows; "" makes a fresh one. A value in use is EConflict.
	Value string
}

// CreateToken issues a system-user access token.
func (p *Platform) CreateToken(ctx context.Context, n NewToken) (*wabi.Token, error) {
	value := n.Value
	if value == "" {
		value = "EAAW" + p.ids.NewSecret(48)
	} else if err := checkGivenSecret("token", value, 512); err != nil {
		return nil, err
	}
	if _, err := p.store.Business(ctx, n.BusinessID); err != nil {
		return nil, err
	}
	if n.AppID != "" {
		a, err := p.store.App(ctx, n.AppID)
		if err != nil {
			return nil, err
		}
		if a.BusinessID != n.BusinessID {
			return nil, wabi.Errorf(wabi.EInvalidParam, "App %s belongs to another business.", n.AppID)
		}
	}
	for _, id := range n.WABAIDs {
		w, err := p.store.WABA(ctx, id)
		if err != nil {
			return nil, err
		}
		if w.BusinessID != n.BusinessID {
			return nil, wabi.Errorf(wabi.EInvalidParam, "WABA %s belongs to another business.", id)
		}
	}
	scopes := n.Scopes
	if len(scopes) == 0 {
		scopes = []string{wabi.ScopeMessaging, wabi.ScopeManagement}
	}
	for _, s := range scopes {
		if s != wabi.ScopeMessaging && s != wabi.ScopeManagement {
			return nil, wabi.Errorf(wabi.EInvalidParam, "Unknown scope %q: use %s or %s.", s, wabi.ScopeMessaging, wabi.ScopeManagement)
		}
	}
	t := &wabi.Token{
		Value: value, BusinessID: n.BusinessID, AppID: n.AppID, Name: n.Name,
		WABAIDs: append([]string{}, n.WABAIDs...), Scopes: scopes, CreatedAt: p.clock.Now(),
	}
	return t, p.store.CreateToken(ctx, t)
}

// RevokeToken deletes a token; it stops working at once on this node, and on
// the others as soon as they hear of it through Bus (within CacheTTL at worst).
func (p *Platform) RevokeToken(ctx context.Context, value string) error {
	if err := p.store.DeleteToken(ctx, value); err != nil {
		return err
	}
	p.drop("tok:" + value)
	return nil
}

// PutVirtualPhone creates or updates a consumer phone on the simulated network.
func (p *Platform) PutVirtualPhone(ctx context.Context, vp *wabi.VirtualPhone) (*wabi.VirtualPhone, error) {
	digits := onlyDigits(vp.WaID)
	if digits != vp.WaID || len(digits) < 8 || len(digits) > 15 || strings.HasPrefix(digits, "0") {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Param wa_id must be 8 to 15 digits with country code, not %q.", vp.WaID)
	}
	if len([]rune(vp.ProfileName)) > 100 {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param profile_name must be at most 100 characters.")
	}
	if vp.Behaviour.DeliveryDelay < 0 || vp.Behaviour.ReadDelay < 0 {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Delays cannot be negative.")
	}
	if old, err := p.store.VirtualPhone(ctx, vp.WaID); err == nil {
		vp.CreatedAt = old.CreatedAt
	} else if wabi.ErrorCode(err) != wabi.ENotFound {
		return nil, err
	} else {
		vp.CreatedAt = p.clock.Now()
	}
	if err := p.store.PutVirtualPhone(ctx, vp); err != nil {
		return nil, err
	}
	if p.PhoneChanged != nil {
		p.PhoneChanged(vp)
	}
	p.announcePhone(vp.WaID)
	return vp, nil
}
