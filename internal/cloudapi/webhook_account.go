package cloudapi

import (
	"errors"
	"fmt"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/wabi"
)

var _ wabi.AccountEncoder = WebhookEncoder{}

// Account webhooks are about a WABA, like template webhooks: the same envelope,
// with the time of the change (entry[].time, unix seconds as a number).
type (
	// qualityValue is a phone_number_quality_update. Meta removed
	// current_limit and old_limit in February 2026; the tier is
	// max_daily_conversations_per_business, a tier name.
	qualityValue struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		Event              string `json:"event"`
		MaxDaily           string `json:"max_daily_conversations_per_business"`
	}

	// capabilityValue is a business_capability_update: the portfolio's limit
	// as a number of customers (-1 for no limit) and how many numbers it may
	// have, per portfolio for a business at TIER_250 and per WABA otherwise.
	capabilityValue struct {
		MaxDaily             int `json:"max_daily_conversations_per_business"`
		MaxNumbersPerBiz     int `json:"max_phone_numbers_per_business,omitempty"`
		MaxNumbersPerAccount int `json:"max_phone_numbers_per_waba,omitempty"`
	}

	// accountValue is an account_update ACCOUNT_RESTRICTION.
	accountValue struct {
		Event        string            `json:"event"`
		Restrictions []restrictionInfo `json:"restriction_info"`
	}
	restrictionInfo struct {
		Type       string `json:"restriction_type"`
		Expiration int64  `json:"expiration"`
	}
)

// Meta's number limits, as business_capability_update reports them: 2 numbers
// for a business at TIER_250, 25 per WABA above.
const (
	maxNumbersNewBusiness = 2
	maxNumbersPerWABA     = 25
)

// EncodeAccount renders a phone_number_quality_update,
// business_capability_update or account_update webhook.
func (WebhookEncoder) EncodeAccount(e *wabi.AccountEvent) ([]byte, error) {
	if e == nil || e.WABA == nil {
		return nil, errors.New("cloudapi: an account webhook needs its WABA")
	}
	var value any
	switch e.Field {
	case wabi.FieldPhoneNumberQualityUpdate:
		if e.Phone == nil || e.Event == "" {
			return nil, errors.New("cloudapi: a phone_number_quality_update needs its number and event")
		}
		value = qualityValue{DisplayPhoneNumber: e.Phone.DisplayPhoneNumber, Event: e.Event, MaxDaily: e.Tier}
	case wabi.FieldBusinessCapabilityUpdate:
		limit, ok := wabi.TierLimit(e.Tier)
		if !ok {
			return nil, fmt.Errorf("cloudapi: %q is not a messaging limit tier", e.Tier)
		}
		v := capabilityValue{MaxDaily: limit, MaxNumbersPerAccount: maxNumbersPerWABA}
		if e.Tier == wabi.Tier250 {
			v.MaxNumbersPerBiz, v.MaxNumbersPerAccount = maxNumbersNewBusiness, 0
		}
		value = v
	case wabi.FieldAccountUpdate:
		if e.Event != wabi.AccountRestriction {
			return nil, fmt.Errorf("cloudapi: no account_update shape for event %q", e.Event)
		}
		v := accountValue{Event: e.Event, Restrictions: []restrictionInfo{}}
		for _, r := range e.Restrictions {
			v.Restrictions = append(v.Restrictions, restrictionInfo{Type: r.Type, Expiration: r.Expiration.Unix()})
		}
		value = v
	default:
		return nil, fmt.Errorf("cloudapi: no account webhook shape for field %q", e.Field)
	}
	return codec.Marshal(tplEnvelope{
		Object: "whatsapp_business_account",
		Entry:  []tplEntry{{ID: e.WABA.ID, Time: e.At.Unix(), Changes: []tplChange{{Value: value, Field: e.Field}}}},
	})
}
