// Package scenario sets up a known world in wabi from a file: businesses, WABAs,
// business numbers, apps, access tokens, templates, virtual phones, limits,
// faults and quality settings, so that a CI suite starts from the same place
// every time (wabi serve --scenario FILE).
//
// A scenario is YAML or JSON, read strictly: a field the format does not know
// is an error naming the file and the field's path. Objects refer to each
// other by the names and numbers the file gives them, never by wabi's ids.
// Apply makes the world through the control API's own handler, in process, so
// that every rule and check is the public one; applied again (on every start),
// it finds what exists by its stable key and changes only what differs.
// docs/scenarios.md describes the format and docs/scenario.schema.json is its
// JSON Schema.
package scenario

import "encoding/json"

// Scenario is the world a file describes.
type Scenario struct {
	// Schema is the file's JSON Schema reference, for editors; wabi ignores it.
	Schema string `json:"$schema,omitempty"`
	// Businesses are the tenants, each with its WABAs, apps and tokens.
	Businesses []Business `json:"businesses,omitempty"`
	// Phones are consumers' virtual phones on the simulated network.
	Phones []Phone `json:"phones,omitempty"`
	// Faults are injected into sends, statuses, webhooks and the Graph API.
	Faults []Fault `json:"faults,omitempty"`
}

// Business is a tenant. Its name is its key: a business of that name that
// exists already is the one the file means.
type Business struct {
	Name string `json:"name"`
	// Verified marks the business verified, as Meta's business verification
	// does; it raises what its numbers may do. Default false leaves it as it is.
	Verified bool `json:"verified,omitempty"`
	// MessagingLimit is the business-initiated messaging tier: TIER_250,
	// TIER_2K, TIER_10K, TIER_100K or TIER_UNLIMITED. Default: as it is.
	MessagingLimit string `json:"messaging_limit,omitempty"`
	WABAs          []WABA `json:"wabas,omitempty"`
	Apps           []App  `json:"apps,omitempty"`
	// Tokens are system-user access tokens of the business.
	Tokens []Token `json:"tokens,omitempty"`
}

// WABA is a WhatsApp Business Account; its name is its key in its business.
type WABA struct {
	Name string `json:"name"`
	// Limits override wabi's limits for every number of the WABA.
	Limits    *Limits    `json:"limits,omitempty"`
	Numbers   []Number   `json:"numbers,omitempty"`
	Templates []Template `json:"templates,omitempty"`
}

// Number is a business phone number; the number itself is its key.
type Number struct {
	// PhoneNumber is the full number with country code, in any notation
	// ("+1 555-010-7788").
	PhoneNumber  string `json:"phone_number"`
	VerifiedName string `json:"verified_name"`
	// PlatformType is CLOUD_API (default) or ON_PREMISE.
	PlatformType string `json:"platform_type,omitempty"`
	// Registered defaults to true: the number can send at once.
	Registered *bool `json:"registered,omitempty"`
	// QualityRating is GREEN, YELLOW or RED. Default: as it is.
	QualityRating string `json:"quality_rating,omitempty"`
	// Limits override wabi's limits (and the WABA's) for this number.
	Limits *Limits `json:"limits,omitempty"`
	// OnPrem sets up an ON_PREMISE number's deployment.
	OnPrem *OnPrem `json:"onprem,omitempty"`
}

// OnPrem is the setup of an On-Premises number's deployment, made through its
// own API (/onprem/{id}/v1/...).
type OnPrem struct {
	// AdminPassword replaces the admin account's first password, so that a
	// client logs in with a password it knows.
	AdminPassword string `json:"admin_password,omitempty"`
	// WebhookURL is where the deployment's webhooks go
	// (settings/application webhooks.url).
	WebhookURL string `json:"webhook_url,omitempty"`
}

// Limits are the limits of a WABA or a number, as PUT /api/wabas/{id}/limits
// and PUT /api/phone_numbers/{id}/limits take them. Fields left out are the
// endpoint's to default.
type Limits struct {
	// Enabled false lifts every limit.
	Enabled *bool `json:"enabled,omitempty"`
	// Throughput is messages per second.
	Throughput *int `json:"throughput,omitempty"`
	// PairBurst is how many messages to one customer may go at once.
	PairBurst *int `json:"pair_burst,omitempty"`
	// PairInterval is how often one more message to the same customer may go
	// after a burst ("6s").
	PairInterval string `json:"pair_interval,omitempty"`
	// CallsPerHour is the Graph management calls an app may make per hour.
	CallsPerHour *int `json:"calls_per_hour,omitempty"`
}

// App is an app of the business; its name is its key in its business.
type App struct {
	Name string `json:"name"`
	// Secret signs the app's webhooks; default: a fresh one, kept on re-apply.
	Secret string `json:"secret,omitempty"`
	// Webhook is the app's webhook subscription.
	Webhook *Webhook `json:"webhook,omitempty"`
	// SubscribedWABAs names the WABAs of the business whose webhooks the app
	// receives.
	SubscribedWABAs []string `json:"subscribed_wabas,omitempty"`
}

// Webhook is where an app's webhooks go and which it takes.
type Webhook struct {
	// CallbackURL must answer Meta's hub.challenge handshake.
	CallbackURL string `json:"callback_url"`
	VerifyToken string `json:"verify_token,omitempty"`
	// Fields default to messages.
	Fields []string `json:"fields,omitempty"`
	// APIVersion shapes the payloads ("v23.0"); default: wabi's.
	APIVersion string `json:"api_version,omitempty"`
}

// Token is a system-user access token. Its key is its value; a token without
// a value gets a fresh one and is keyed by its name.
type Token struct {
	Token string `json:"token,omitempty"`
	Name  string `json:"name,omitempty"`
	// App names the app of the business the token acts for.
	App string `json:"app,omitempty"`
	// WABAs names the WABAs of the business the token reaches; empty means
	// all of them.
	WABAs []string `json:"wabas,omitempty"`
	// Scopes are whatsapp_business_messaging and/or
	// whatsapp_business_management; default both.
	Scopes []string `json:"scopes,omitempty"`
}

// Template is a message template; name and language are its key in its WABA.
type Template struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Category string `json:"category"`
	// Components are as in Graph (HEADER, BODY, FOOTER, BUTTONS); the control
	// API checks them.
	Components          json.RawMessage `json:"components"`
	ParameterFormat     string          `json:"parameter_format,omitempty"`
	AllowCategoryChange bool            `json:"allow_category_change,omitempty"`
	// Status is APPROVED (default), PENDING, REJECTED, PAUSED or DISABLED.
	Status string `json:"status,omitempty"`
	// QualityScore is GREEN, YELLOW, RED or UNKNOWN. Default: as it is.
	QualityScore string `json:"quality_score,omitempty"`
}

// Phone is a virtual phone, or with Count a run of them with consecutive
// numbers; the wa_id is its key.
type Phone struct {
	// WaID is the phone's number, digits with country code.
	WaID string `json:"wa_id"`
	// Count makes this many phones, WaID and the numbers after it. Default 1.
	Count int `json:"count,omitempty"`
	// ProfileName is the consumer's name; "{n}" in it becomes the phone's
	// place in the run, from 1.
	ProfileName string     `json:"profile_name,omitempty"`
	Behaviour   *Behaviour `json:"behaviour,omitempty"`
}

// Behaviour is how a virtual phone acts; fields left out take the defaults of
// PUT /api/phones/{wa_id} (auto_read true, online, no delays).
type Behaviour struct {
	DeliveryDelay string `json:"delivery_delay,omitempty"`
	ReadDelay     string `json:"read_delay,omitempty"`
	AutoRead      *bool  `json:"auto_read,omitempty"`
	Offline       bool   `json:"offline,omitempty"`
	NotOnWhatsApp bool   `json:"not_on_whatsapp,omitempty"`
}

// Fault is an injected failure, as POST /api/faults takes it, with the
// business number named as in the file instead of by id.
type Fault struct {
	// PhoneNumber names the business number the fault applies to, as the
	// file writes it or as dialled. A fault needs PhoneNumber, WaID or both.
	PhoneNumber string `json:"phone_number,omitempty"`
	// WaID names the virtual phone (customer) the fault applies to.
	WaID string `json:"wa_id,omitempty"`
	// Kind is what goes wrong (a failed delivery, a delayed status, ...).
	Kind string `json:"kind"`
	// Code is the error code a failure carries (131026, 131049, ...).
	Code int `json:"code,omitempty"`
	// Status is the message status a status fault acts on.
	Status string `json:"status,omitempty"`
	// Delay is how long a delay fault holds things back ("30s").
	Delay string `json:"delay,omitempty"`
	// TTL is how long a media URL lives, for early expiry.
	TTL string `json:"ttl,omitempty"`
	// HTTPStatus is what the Graph API answers (500, 503).
	HTTPStatus int `json:"http_status,omitempty"`
	// Probability makes the fault hit this share of the events (more than 0,
	// at most 1); left out, every one.
	Probability *float64 `json:"probability,omitempty"`
	// Count makes the fault act on the next Count matching events only.
	Count *int `json:"count,omitempty"`
	// Note is shown where the fault acts.
	Note string `json:"note,omitempty"`
}
