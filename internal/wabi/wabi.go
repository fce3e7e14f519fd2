// Package wabi holds wabi's domain: tenants, business phone numbers, apps, tokens,
// virtual phones, messages of every type, statuses, webhook deliveries, the error type
// with its closed set of codes, and the small interfaces the platform consumes (Store,
// Network, Clock, IDSource). It does no I/O.
package wabi

import (
	"slices"
	"time"
)

// Platform is where a business phone number is served: the Cloud API or the
// On-Premises API. A number is on exactly one platform at a time.
type Platform string

// The platforms a phone number can be on.
const (
	PlatformCloud   Platform = "CLOUD_API"
	PlatformOnPrem  Platform = "ON_PREMISE"
	PlatformNotSet  Platform = "NOT_APPLICABLE"
	DefaultCurrency          = "USD"
)

// Business is the top of the tenancy tree (Meta's business portfolio).
type Business struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// WABA is a WhatsApp Business Account: it owns phone numbers and templates and is
// what apps subscribe to for webhooks.
type WABA struct {
	ID         string    `json:"id"`
	BusinessID string    `json:"business_id"`
	Name       string    `json:"name"`
	Currency   string    `json:"currency"`
	TimezoneID string    `json:"timezone_id"`
	Namespace  string    `json:"message_template_namespace"`
	CreatedAt  time.Time `json:"created_at"`
}

// PhoneNumber is a business phone number.
type PhoneNumber struct {
	ID     string `json:"id"`
	WABAID string `json:"waba_id"`
	// DisplayPhoneNumber is the number in digits only, country code first
	// ("15550783881"); dialects format it as they need.
	DisplayPhoneNumber string    `json:"display_phone_number"`
	VerifiedName       string    `json:"verified_name"`
	Platform           Platform  `json:"platform_type"`
	Registered         bool      `json:"registered"`
	QualityRating      string    `json:"quality_rating"`
	CreatedAt          time.Time `json:"created_at"`

	// CodeVerificationStatus is VERIFIED, NOT_VERIFIED or EXPIRED.
	CodeVerificationStatus string `json:"code_verification_status"`
	// NameStatus is the display name's review status (APPROVED, PENDING_REVIEW, ...).
	NameStatus string `json:"name_status"`
	// Throughput is STANDARD (80 messages/s) or HIGH (1,000).
	Throughput string `json:"throughput"`
	// MessagingLimit is the business-initiated messaging tier (TIER_250, TIER_2K, ...).
	MessagingLimit string `json:"messaging_limit"`
	// PINHash is the two-step verification PIN, hashed; "" when none is set.
	PINHash string `json:"-"`
	// PendingCode is the ownership verification code last requested, shown on the
	// simulated SIM; PendingCodeExpiresAt ends it.
	PendingCode          string    `json:"pending_code,omitempty"`
	PendingCodeExpiresAt time.Time `json:"pending_code_expires_at,omitzero"`
	// Registrations are the times of register and deregister calls in the last 72
	// hours, for Meta's limit of 10.
	Registrations []time.Time `json:"-"`
}

// Webhook fields an app can subscribe to. Only the ones wabi emits are listed;
// subscribing to any other field name is accepted and never delivered.
const (
	FieldMessages                     = "messages"
	FieldMessageTemplateStatusUpdate  = "message_template_status_update"
	FieldTemplateCategoryUpdate       = "template_category_update"
	FieldMessageTemplateQualityUpdate = "message_template_quality_update"
)

// App is a Meta app: it receives webhooks for the WABAs that subscribed it.
type App struct {
	ID         string `json:"id"`
	BusinessID string `json:"business_id"`
	Name       string `json:"name"`
	// Secret signs webhook bodies (X-Hub-Signature-256).
	Secret      string   `json:"secret"`
	CallbackURL string   `json:"callback_url"`
	VerifyToken string   `json:"verify_token"`
	Fields      []string `json:"fields"`
	// APIVersion is the Graph version the app's webhooks are shaped for ("v23.0").
	APIVersion string    `json:"api_version"`
	CreatedAt  time.Time `json:"created_at"`
}

// Subscribed reports whether the app receives webhooks of the given field.
func (a *App) Subscribed(field string) bool {
	return a.CallbackURL != "" && slices.Contains(a.Fields, field)
}

// Subscription attaches an app to a WABA (POST /{waba-id}/subscribed_apps).
type Subscription struct {
	WABAID string `json:"waba_id"`
	AppID  string `json:"app_id"`
	// OverrideCallbackURL, when set, receives this WABA's webhooks instead of the
	// app's callback URL.
	OverrideCallbackURL string    `json:"override_callback_uri,omitempty"`
	VerifyToken         string    `json:"verify_token,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
}

// Token permissions, named as Meta names them.
const (
	ScopeMessaging  = "whatsapp_business_messaging"
	ScopeManagement = "whatsapp_business_management"
)

// Token is a system-user access token. It reaches the objects of its business only,
// and within it only the listed WABAs when WABAIDs is not empty.
type Token struct {
	Value      string `json:"token"`
	BusinessID string `json:"business_id"`
	// AppID is the app the token was issued for: the app that
	// POST /{waba-id}/subscribed_apps subscribes.
	AppID     string    `json:"app_id"`
	Name      string    `json:"name"`
	WABAIDs   []string  `json:"waba_ids"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
}

// Allows reports whether the token has the scope and reaches the WABA of the
// business.
func (t *Token) Allows(scope, businessID, wabaID string) bool {
	if t.BusinessID != businessID || !slices.Contains(t.Scopes, scope) {
		return false
	}
	return len(t.WABAIDs) == 0 || slices.Contains(t.WABAIDs, wabaID)
}

// Behaviour says how a virtual phone acts on the simulated network.
type Behaviour struct {
	// DeliveryDelay is how long after sending a message reaches the phone.
	DeliveryDelay Duration `json:"delivery_delay"`
	// ReadDelay is how long after delivery the phone opens a message, when AutoRead.
	ReadDelay Duration `json:"read_delay"`
	// AutoRead makes the phone open every message it gets; otherwise messages are
	// read only when the phone is told to read them.
	AutoRead bool `json:"auto_read"`
	// Offline phones hold messages at "sent" until they come online.
	Offline bool `json:"offline"`
	// NotOnWhatsApp phones fail every message with ENotOnWhatsApp.
	NotOnWhatsApp bool `json:"not_on_whatsapp"`
}

// VirtualPhone is a consumer's phone on the simulated network.
type VirtualPhone struct {
	WaID        string    `json:"wa_id"`
	ProfileName string    `json:"profile_name"`
	Behaviour   Behaviour `json:"behaviour"`
	CreatedAt   time.Time `json:"created_at"`
}

// Template categories.
const (
	CategoryMarketing      = "MARKETING"
	CategoryUtility        = "UTILITY"
	CategoryAuthentication = "AUTHENTICATION"
)

// Template statuses.
const (
	TemplateApproved = "APPROVED"
	TemplatePending  = "PENDING"
	TemplateRejected = "REJECTED"
	TemplatePaused   = "PAUSED"
	TemplateDisabled = "DISABLED"
)

// Template is a message template of a WABA.
type Template struct {
	ID         string              `json:"id"`
	WABAID     string              `json:"waba_id"`
	Name       string              `json:"name"`
	Language   string              `json:"language"`
	Category   string              `json:"category"`
	Status     string              `json:"status"`
	Components []TemplateComponent `json:"components"`
	// ParameterFormat is POSITIONAL (default) or NAMED.
	ParameterFormat string    `json:"parameter_format,omitempty"`
	RejectedReason  string    `json:"rejected_reason,omitempty"`
	CreatedAt       time.Time `json:"created_at"`

	// QualityScore is GREEN, YELLOW, RED or UNKNOWN.
	QualityScore string `json:"quality_score,omitempty"`
	// PreviousCategory is the category before the last re-categorisation.
	PreviousCategory string `json:"previous_category,omitempty"`
	// AllowCategoryChange lets review change the category instead of rejecting.
	AllowCategoryChange bool      `json:"allow_category_change,omitempty"`
	UpdatedAt           time.Time `json:"updated_at,omitzero"`
	// Edits are the times the template was edited, for Meta's edit limits.
	Edits []time.Time `json:"edits,omitempty"`
}

// TemplateComponent is one part of a template: HEADER, BODY, FOOTER, BUTTONS,
// CAROUSEL or LIMITED_TIME_OFFER.
type TemplateComponent struct {
	Type    string           `json:"type"`
	Format  string           `json:"format,omitempty"`
	Text    string           `json:"text,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
	Example any              `json:"example,omitempty"`
	// Authentication templates.
	AddSecurityRecommendation *bool `json:"add_security_recommendation,omitempty"`
	CodeExpirationMinutes     *int  `json:"code_expiration_minutes,omitempty"`
	// Carousel templates.
	Cards []TemplateCard `json:"cards,omitempty"`
	// Limited-time offers.
	HasExpiration *bool `json:"has_expiration,omitempty"`
}

// TemplateCard is one card of a carousel template.
type TemplateCard struct {
	Components []TemplateComponent `json:"components"`
}

// TemplateButton is a button of a template's BUTTONS component.
type TemplateButton struct {
	Type        string `json:"type"`
	Text        string `json:"text,omitempty"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Example     any    `json:"example,omitempty"`
	// OTP buttons of authentication templates.
	OTPType              string `json:"otp_type,omitempty"`
	PackageName          string `json:"package_name,omitempty"`
	SignatureHash        string `json:"signature_hash,omitempty"`
	SupportedApps        any    `json:"supported_apps,omitempty"`
	ZeroTapTermsAccepted *bool  `json:"zero_tap_terms_accepted,omitempty"`
	// Flow buttons.
	FlowID         string `json:"flow_id,omitempty"`
	FlowName       string `json:"flow_name,omitempty"`
	FlowJSON       string `json:"flow_json,omitempty"`
	FlowAction     string `json:"flow_action,omitempty"`
	NavigateScreen string `json:"navigate_screen,omitempty"`
}
