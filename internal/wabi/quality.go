package wabi

import "time"

// Webhook fields about the standing of numbers and accounts: quality ratings,
// messaging limits, throughput and restrictions.
const (
	FieldPhoneNumberQualityUpdate = "phone_number_quality_update"
	FieldBusinessCapabilityUpdate = "business_capability_update"
	FieldAccountUpdate            = "account_update"
)

// Quality ratings of a business phone number, as Meta names them. A number that
// has not been rated yet is UNKNOWN.
const (
	QualityGreen   = "GREEN"
	QualityYellow  = "YELLOW"
	QualityRed     = "RED"
	QualityUnknown = "UNKNOWN"
)

// Messaging limit tiers of a business portfolio: how many unique customers it
// may reach with business-initiated messages in a moving 24 hours.
const (
	Tier250       = "TIER_250"
	Tier2K        = "TIER_2K"
	Tier10K       = "TIER_10K"
	Tier100K      = "TIER_100K"
	TierUnlimited = "TIER_UNLIMITED"
)

// Tiers lists the tiers lowest first.
func Tiers() []string { return []string{Tier250, Tier2K, Tier10K, Tier100K, TierUnlimited} }

// TierLimit returns how many unique customers a tier allows a day, -1 for
// TIER_UNLIMITED, and false for a name that is not a tier.
func TierLimit(tier string) (int, bool) {
	switch tier {
	case Tier250:
		return 250, true
	case Tier2K:
		return 2000, true
	case Tier10K:
		return 10_000, true
	case Tier100K:
		return 100_000, true
	case TierUnlimited:
		return -1, true
	}
	return 0, false
}

// Throughput levels of a business phone number.
const (
	ThroughputStandard = "STANDARD" // 80 messages per second
	ThroughputHigh     = "HIGH"     // up to 1,000 messages per second
)

// Events of phone_number_quality_update webhooks. FLAGGED, UNFLAGGED,
// UPGRADE and DOWNGRADE are from Meta's older documentation.
const (
	QualityEventFlagged           = "FLAGGED"
	QualityEventUnflagged         = "UNFLAGGED"
	QualityEventUpgrade           = "UPGRADE"
	QualityEventDowngrade         = "DOWNGRADE"
	QualityEventThroughputUpgrade = "THROUGHPUT_UPGRADE"
)

// Account events and restriction types of account_update webhooks.
const (
	AccountRestriction          = "ACCOUNT_RESTRICTION"
	RestrictedBizInitiated      = "RESTRICTED_BIZ_INITIATED_MESSAGING"
	RestrictedCustomerInitiated = "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"
)

// AccountEvent is a webhook about the standing of a number or an account,
// sent to an app subscribed to the WABA with its field:
// phone_number_quality_update (Phone and Tier set), business_capability_update
// (Tier set) or account_update (Restrictions set).
type AccountEvent struct {
	Field string
	App   *App
	WABA  *WABA
	// Phone is the number a phone_number_quality_update is about.
	Phone *PhoneNumber
	// At is when the change happened.
	At time.Time
	// Event names the change: a QualityEvent... or AccountRestriction.
	Event string
	// Tier is the business's messaging limit after the change.
	Tier string
	// Restrictions are the account's restrictions after an
	// ACCOUNT_RESTRICTION; none when one was lifted.
	Restrictions []Restriction
}

// Restriction is one restriction of an account and when it ends.
type Restriction struct {
	Type       string    `json:"restriction_type"`
	Expiration time.Time `json:"expiration"`
}

// AccountEncoder renders account webhooks. A dialect's WebhookEncoder
// implements it when the dialect has such webhooks: the Cloud API's does, the
// On-Premises API has none.
type AccountEncoder interface {
	EncodeAccount(e *AccountEvent) ([]byte, error)
}
