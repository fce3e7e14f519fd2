package cloudapi

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/wabi"
)

// accountEvent returns an account webhook of the cast's WABA and number.
func accountEvent(field, event, tier string, rs ...wabi.Restriction) *wabi.AccountEvent {
	return &wabi.AccountEvent{Field: field, App: whAppV23, WABA: whWABA, Phone: whPhone, At: whTime,
		Event: event, Tier: tier, Restrictions: rs}
}

// TestAccountWebhookGolden renders every webhook about the standing of a
// number or a WABA, in Meta's shapes: the envelope's time is a number, and so
// are a capability's limits; a quality update names the tier.
func TestAccountWebhookGolden(t *testing.T) {
	quality, capability := wabi.FieldPhoneNumberQualityUpdate, wabi.FieldBusinessCapabilityUpdate
	tests := []struct {
		name  string
		event *wabi.AccountEvent
		has   []string
	}{
		{"quality_flagged", accountEvent(quality, wabi.QualityEventFlagged, wabi.Tier2K),
			[]string{`"event":"FLAGGED"`, `"display_phone_number":"15550783881"`, `"max_daily_conversations_per_business":"TIER_2K"`}},
		{"quality_unflagged", accountEvent(quality, wabi.QualityEventUnflagged, wabi.Tier2K), []string{`"event":"UNFLAGGED"`}},
		{"quality_upgrade", accountEvent(quality, wabi.QualityEventUpgrade, wabi.Tier10K), []string{`"TIER_10K"`}},
		{"quality_downgrade", accountEvent(quality, wabi.QualityEventDowngrade, wabi.Tier250), []string{`"event":"DOWNGRADE"`}},
		{"quality_throughput_upgrade", accountEvent(quality, wabi.QualityEventThroughputUpgrade, wabi.TierUnlimited),
			[]string{`"event":"THROUGHPUT_UPGRADE"`, `"TIER_UNLIMITED"`}},
		{"capability_2k", accountEvent(capability, "", wabi.Tier2K),
			[]string{`"max_daily_conversations_per_business":2000`, `"max_phone_numbers_per_waba":25`}},
		{"capability_250", accountEvent(capability, "", wabi.Tier250),
			[]string{`"max_daily_conversations_per_business":250`, `"max_phone_numbers_per_business":2`}},
		{"capability_unlimited", accountEvent(capability, "", wabi.TierUnlimited), []string{`"max_daily_conversations_per_business":-1`}},
		{"account_restriction", accountEvent(wabi.FieldAccountUpdate, wabi.AccountRestriction, "",
			wabi.Restriction{Type: wabi.RestrictedBizInitiated, Expiration: whTime.Add(24 * time.Hour)}),
			[]string{`"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1750116473`}},
		{"account_restriction_lifted", accountEvent(wabi.FieldAccountUpdate, wabi.AccountRestriction, ""),
			[]string{`"restriction_info":[]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WebhookEncoder{}.EncodeAccount(tt.event)
			if err != nil {
				t.Fatalf("EncodeAccount: %v", err)
			}
			mustASCIIJSON(t, got)
			for _, want := range append(tt.has, `"time":1750030073,`, `"id":"102290129340398"`, `"field":"`+tt.event.Field+`"`) {
				if !strings.Contains(string(got), want) {
					t.Errorf("webhook lacks %s: %s", want, got)
				}
			}
			if strings.Contains(string(got), "current_limit") || strings.Contains(string(got), "old_limit") {
				t.Errorf("webhook carries a limit field Meta removed: %s", got)
			}
			golden.Assert(t, filepath.Join("testdata", "webhooks", tt.name+".json"), got)
		})
	}
}

func TestAccountWebhookRejects(t *testing.T) {
	tests := []struct {
		name    string
		event   *wabi.AccountEvent
		wantErr string
	}{
		{"no WABA", &wabi.AccountEvent{Field: wabi.FieldAccountUpdate, Event: wabi.AccountRestriction}, "needs its WABA"},
		{"quality without a number", &wabi.AccountEvent{Field: wabi.FieldPhoneNumberQualityUpdate, WABA: whWABA, Event: "FLAGGED"}, "needs its number"},
		{"capability of no tier", accountEvent(wabi.FieldBusinessCapabilityUpdate, "", "TIER_1"), "not a messaging limit tier"},
		{"account event without a shape", accountEvent(wabi.FieldAccountUpdate, "ACCOUNT_DELETED", ""), "no account_update shape"},
		{"another field", accountEvent(wabi.FieldMessages, "", ""), "no account webhook shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WebhookEncoder{}.EncodeAccount(tt.event)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}
