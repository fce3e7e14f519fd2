package platform

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Record kinds and keys of a deployment's settings.
const (
	recSettings     = "settings"
	keyApplication  = "application"
	keyShards       = "shards"
	recProvider     = "media_provider"
	recContactCheck = "contact"
)

// AppSettings are an On-Premises deployment's application settings
// (/v1/settings/application), with the client's field names. Pointers are
// settings that can be unset.
type AppSettings struct {
	Webhooks                  WebhookSettings `json:"webhooks"`
	SentStatus                bool            `json:"sent_status"`
	CallbackPersist           bool            `json:"callback_persist"`
	CallbackBackoffDelayMS    int             `json:"callback_backoff_delay_ms"`
	MaxCallbackBackoffDelayMS int             `json:"max_callback_backoff_delay_ms"`
	PassThrough               bool            `json:"pass_through"`
	Media                     MediaSettings   `json:"media"`
	HeartbeatInterval         int             `json:"heartbeat_interval"`
	UnhealthyInterval         int             `json:"unhealthy_interval"`
	NotifyUserChangeNumber    bool            `json:"notify_user_change_number"`
	ShowSecurityNotifications bool            `json:"show_security_notifications"`
	AxolotlContextStriping    bool            `json:"axolotl_context_striping_disabled"`
	GarbageCollector          GCSettings      `json:"garbagecollector_enable"`
	VerboseLogging            bool            `json:"verbose_logging"`
	LogLevel                  string          `json:"log_level"`
	WaID                      string          `json:"wa_id,omitempty"`
}

// WebhookSettings say where and what the deployment's webhooks go.
type WebhookSettings struct {
	URL                   string          `json:"url,omitempty"`
	MaxConcurrentRequests int             `json:"max_concurrent_requests"`
	Message               MessageWebhooks `json:"message"`
}

// MessageWebhooks switch status webhooks on and off per status. Sent is nil
// until set, when sent_status decides.
type MessageWebhooks struct {
	Sent      *bool `json:"sent,omitempty"`
	Delivered bool  `json:"delivered"`
	Read      bool  `json:"read"`
}

// MediaSettings are the media settings of a deployment.
type MediaSettings struct {
	AutoDownload []string `json:"auto_download"`
}

// GCSettings switch the client's garbage collectors.
type GCSettings struct {
	Media    bool `json:"media"`
	Messages bool `json:"messages"`
}

// DefaultAppSettings returns the settings of a new deployment, the client's
// defaults.
func DefaultAppSettings() AppSettings {
	return AppSettings{
		Webhooks:                  WebhookSettings{MaxConcurrentRequests: 6, Message: MessageWebhooks{Delivered: true, Read: true}},
		CallbackPersist:           true,
		CallbackBackoffDelayMS:    3000,
		MaxCallbackBackoffDelayMS: 900_000,
		Media:                     MediaSettings{AutoDownload: []string{"audio", "document", "voice", "video", "image", "sticker"}},
		HeartbeatInterval:         5,
		UnhealthyInterval:         30,
		NotifyUserChangeNumber:    true,
		ShowSecurityNotifications: true,
		GarbageCollector:          GCSettings{Messages: true},
		LogLevel:                  "info",
	}
}

// WantsStatus reports whether the deployment's webhook takes a status.
func (s *AppSettings) WantsStatus(st wabi.Status) bool {
	switch st {
	case wabi.StatusSent:
		if s.Webhooks.Message.Sent != nil {
			return *s.Webhooks.Message.Sent
		}
		return s.SentStatus
	case wabi.StatusDelivered:
		return s.Webhooks.Message.Delivered
	case wabi.StatusRead:
		return s.Webhooks.Message.Read
	}
	return true
}

// Backoff returns the linear retry step and cap of the deployment's webhooks.
func (s *AppSettings) Backoff() (step, limit time.Duration) {
	return time.Duration(s.CallbackBackoffDelayMS) * time.Millisecond, time.Duration(s.MaxCallbackBackoffDelayMS) * time.Millisecond
}

// AppSettings returns the application settings of the caller's deployment.
func (p *Platform) AppSettings(ctx context.Context, c Caller) (*AppSettings, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	s, err := p.appSettings(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	out := *s
	if pn.Registered {
		out.WaID = pn.DisplayPhoneNumber
	}
	return &out, nil
}

// appSettings loads a deployment's settings, through the cache: status webhooks
// read them for every message.
func (p *Platform) appSettings(ctx context.Context, phoneNumberID string) (*AppSettings, error) {
	return cached(ctx, p, "appsettings:"+phoneNumberID, func(ctx context.Context) (*AppSettings, error) {
		s := DefaultAppSettings()
		rec, err := p.store.Record(ctx, phoneNumberID, recSettings, keyApplication)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			return &s, nil
		} else if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(rec.Value, &s); err != nil {
			return nil, fmt.Errorf("platform: settings record: %w", err)
		}
		return &s, nil
	})
}

// PatchAppSettings applies a partial update, a JSON object with the client's
// field names, to the caller's deployment's settings (admin only). Omitted fields
// keep their values; unknown fields and values of the wrong type are refused.
func (p *Platform) PatchAppSettings(ctx context.Context, c Caller, patch json.RawMessage) (*AppSettings, error) {
	if err := RequireAdmin(c); err != nil {
		return nil, err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	cur, err := p.appSettings(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	next := *cur
	next.Media.AutoDownload = slices.Clone(cur.Media.AutoDownload)
	if err := decodeSettings(patch, &next); err != nil {
		return nil, err
	}
	next.WaID = ""
	if err := checkAppSettings(&next); err != nil {
		return nil, err
	}
	return &next, p.putAppSettings(ctx, pn.ID, &next)
}

// ResetAppSettings puts the caller's deployment's settings back to the defaults
// (admin only).
func (p *Platform) ResetAppSettings(ctx context.Context, c Caller) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	_, err = p.store.DeleteRecords(ctx, pn.ID, recSettings, keyApplication)
	p.drop("appsettings:" + pn.ID)
	return err
}

func (p *Platform) putAppSettings(ctx context.Context, phoneNumberID string, s *AppSettings) error {
	v, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: recSettings, Key: keyApplication, Value: v, UpdatedAt: p.clock.Now()}); err != nil {
		return err
	}
	p.drop("appsettings:" + phoneNumberID)
	return nil
}

// decodeSettings merges a JSON patch into s, refusing unknown fields. The
// backoff delays arrive as numbers or as strings of digits, as the client took
// them.
func decodeSettings(patch json.RawMessage, s *AppSettings) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(patch, &raw); err != nil {
		return wabi.Errorf(wabi.EInvalidValue, "The settings must be a JSON object: %v.", err)
	}
	for _, k := range []string{"callback_backoff_delay_ms", "max_callback_backoff_delay_ms"} {
		if v, ok := raw[k]; ok {
			var str string
			if json.Unmarshal(v, &str) == nil {
				raw[k] = json.RawMessage(str)
			}
		}
	}
	if _, ok := raw["wa_id"]; ok {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'wa_id' is read-only.")
	}
	for k, v := range raw {
		target, ok := settingFields(s)[k]
		if !ok {
			return wabi.Errorf(wabi.EInvalidValue, "Unknown application setting %q.", k)
		}
		if err := json.Unmarshal(v, target); err != nil {
			return wabi.Errorf(wabi.EInvalidValue, "Parameter '%s' has the wrong type: %v.", k, err)
		}
	}
	return nil
}

// settingFields maps the top-level field names to where they are kept. Nested
// objects (webhooks, media, garbagecollector_enable) merge field by field because
// encoding/json decodes into the existing struct.
func settingFields(s *AppSettings) map[string]any {
	return map[string]any{
		"webhooks": &s.Webhooks, "sent_status": &s.SentStatus, "callback_persist": &s.CallbackPersist,
		"callback_backoff_delay_ms": &s.CallbackBackoffDelayMS, "max_callback_backoff_delay_ms": &s.MaxCallbackBackoffDelayMS,
		"pass_through": &s.PassThrough, "media": &s.Media, "heartbeat_interval": &s.HeartbeatInterval,
		"unhealthy_interval": &s.UnhealthyInterval, "notify_user_change_number": &s.NotifyUserChangeNumber,
		"show_security_notifications": &s.ShowSecurityNotifications, "axolotl_context_striping_disabled": &s.AxolotlContextStriping,
		"garbagecollector_enable": &s.GarbageCollector, "db_garbagecollector_enable": &s.GarbageCollector.Messages,
		"verbose_logging": &s.VerboseLogging, "log_level": &s.LogLevel,
	}
}

// autoDownloadKinds are the media kinds media.auto_download may list.
var autoDownloadKinds = []string{"audio", "document", "voice", "video", "image", "sticker"}

func checkAppSettings(s *AppSettings) error {
	if u := s.Webhooks.URL; u != "" {
		if err := checkCallbackURL(u); err != nil {
			return wabi.Errorf(wabi.EInvalidValue, "Parameter 'webhooks.url' must be an http or https URL, not %q.", u)
		}
	}
	if !slices.Contains([]int{6, 12, 18, 24}, s.Webhooks.MaxConcurrentRequests) {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'webhooks.max_concurrent_requests' must be 6, 12, 18 or 24.")
	}
	if s.CallbackBackoffDelayMS < 1 || s.MaxCallbackBackoffDelayMS < s.CallbackBackoffDelayMS {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'callback_backoff_delay_ms' must be positive and at most 'max_callback_backoff_delay_ms'.")
	}
	if s.HeartbeatInterval < 1 || s.UnhealthyInterval < 1 {
		return wabi.Errorf(wabi.EInvalidValue, "Parameters 'heartbeat_interval' and 'unhealthy_interval' must be positive numbers of seconds.")
	}
	for _, k := range s.Media.AutoDownload {
		if !slices.Contains(autoDownloadKinds, k) {
			return wabi.Errorf(wabi.EInvalidValue, "Parameter 'media.auto_download' may list %v, not %q.", autoDownloadKinds, k)
		}
	}
	if !slices.Contains([]string{"debug", "info", "warning", "error"}, s.LogLevel) {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'log_level' must be debug, info, warning or error.")
	}
	return nil
}

// MediaProvider is a named set of credentials for fetching media links
// (/v1/settings/application/media/providers).
type MediaProvider struct {
	Name   string         `json:"name"`
	Type   string         `json:"type"`
	Config ProviderConfig `json:"config"`
}

// ProviderConfig is a provider's credentials: basic auth or a bearer token.
type ProviderConfig struct {
	Basic  *BasicAuth `json:"basic,omitempty"`
	Bearer string     `json:"bearer,omitempty"`
}

// BasicAuth is a username and password.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

var providerName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// MediaProviders lists the caller's deployment's media providers by name (admin
// only).
func (p *Platform) MediaProviders(ctx context.Context, c Caller) ([]MediaProvider, error) {
	if err := RequireAdmin(c); err != nil {
		return nil, err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	return p.providers(ctx, pn.ID)
}

func (p *Platform) providers(ctx context.Context, phoneNumberID string) ([]MediaProvider, error) {
	recs, err := p.store.Records(ctx, phoneNumberID, recProvider, "")
	if err != nil {
		return nil, err
	}
	out := []MediaProvider{}
	for _, r := range recs {
		var mp MediaProvider
		if err := json.Unmarshal(r.Value, &mp); err != nil {
			return nil, fmt.Errorf("platform: media provider record: %w", err)
		}
		out = append(out, mp)
	}
	return out, nil
}

// PutMediaProviders creates or replaces media providers by name (admin only).
func (p *Platform) PutMediaProviders(ctx context.Context, c Caller, ps []MediaProvider) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return wabi.Errorf(wabi.ERequired, "Send an array of at least one provider.")
	}
	for _, mp := range ps {
		switch {
		case !providerName.MatchString(mp.Name):
			return wabi.Errorf(wabi.EInvalidValue, "Parameter 'name' must be 1 to 200 letters, digits, '_' or '-', not %q.", mp.Name)
		case mp.Type != "www":
			return wabi.Errorf(wabi.EInvalidValue, "Parameter 'type' must be www.")
		case (mp.Config.Basic == nil) == (mp.Config.Bearer == ""):
			return wabi.Errorf(wabi.EInvalidValue, "Parameter 'config' must hold either basic {username, password} or bearer.")
		}
	}
	for _, mp := range ps {
		v, err := json.Marshal(mp)
		if err != nil {
			return err
		}
		if err := p.store.PutRecord(ctx, &wabi.Record{Scope: pn.ID, Kind: recProvider, Key: mp.Name, Value: v, UpdatedAt: p.clock.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// DeleteMediaProvider deletes a media provider (admin only).
func (p *Platform) DeleteMediaProvider(ctx context.Context, c Caller, name string) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	if err := p.store.DeleteRecord(ctx, pn.ID, recProvider, name); wabi.ErrorCode(err) == wabi.ENotFound {
		return wabi.Errorf(wabi.ENotFound, "There is no media provider %q.", name)
	} else {
		return err
	}
}

// providerAuth returns the Authorization header value of a named provider.
func (p *Platform) providerAuth(ctx context.Context, phoneNumberID, name string) (string, error) {
	rec, err := p.store.Record(ctx, phoneNumberID, recProvider, name)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return "", wabi.Errorf(wabi.EInvalidValue, "There is no media provider %q; add it with POST /v1/settings/application/media/providers.", name)
	} else if err != nil {
		return "", err
	}
	var mp MediaProvider
	if err := json.Unmarshal(rec.Value, &mp); err != nil {
		return "", fmt.Errorf("platform: media provider record: %w", err)
	}
	if mp.Config.Basic != nil {
		return "Basic " + basicAuth(mp.Config.Basic.Username, mp.Config.Basic.Password), nil
	}
	return "Bearer " + mp.Config.Bearer, nil
}

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
