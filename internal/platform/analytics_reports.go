package platform

import (
	"context"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// MessagingQuery asks for messaging analytics: how many messages the business
// sent and how many were delivered.
type MessagingQuery struct {
	AnalyticsFilter
	// ProductTypes picks the messages: 0 notifications (template messages), 2
	// customer support (free-form messages); empty counts both.
	ProductTypes []int
}

// MessagingAnalytics are the answer to a MessagingQuery.
type MessagingAnalytics struct {
	// PhoneNumbers are the display numbers counted; CountryCodes the countries, if
	// the query named some.
	PhoneNumbers []string
	CountryCodes []string
	Granularity  string
	// Points are the buckets with messages, oldest first.
	Points []MessagingPoint
}

// MessagingPoint counts the outbound messages of a bucket: Sent those that
// reached WhatsApp's servers (sent, delivered or read, not failed), Delivered
// those that reached the phone. Inbound messages are not counted.
type MessagingPoint struct {
	Start, End      time.Time
	Sent, Delivered int
}

// MessagingAnalytics counts the messages a WABA's numbers sent, per bucket. The
// caller needs the management permission on the WABA.
func (p *Platform) MessagingAnalytics(ctx context.Context, c Caller, wabaID string, q MessagingQuery) (*MessagingAnalytics, error) {
	s, err := p.analyticsScope(ctx, c, wabaID, "analytics", q.AnalyticsFilter, GranularityDay, GranularityMonth)
	if err != nil {
		return nil, err
	}
	for _, t := range q.ProductTypes {
		if t != 0 && t != 2 {
			return nil, wabi.Errorf(wabi.EInvalidParam, "Param product_types of analytics must hold 0 (notification messages) or 2 (customer support messages), not %d.", t)
		}
	}
	rows, err := p.rows(ctx, s)
	if err != nil {
		return nil, err
	}
	points := map[pointKey]*MessagingPoint{}
	for _, r := range rows {
		product := 0
		if r.category == "SERVICE" {
			product = 2
		}
		if r.Sent == 0 || len(q.ProductTypes) > 0 && !slices.Contains(q.ProductTypes, product) {
			continue
		}
		k := pointKey{start: r.start, end: r.end}
		if points[k] == nil {
			points[k] = &MessagingPoint{Start: r.start, End: r.end}
		}
		points[k].Sent += r.Sent
		points[k].Delivered += r.Delivered
	}
	out := &MessagingAnalytics{PhoneNumbers: []string{}, CountryCodes: s.countries, Granularity: s.granularity, Points: []MessagingPoint{}}
	for _, pn := range s.numbers {
		out.PhoneNumbers = append(out.PhoneNumbers, pn.DisplayPhoneNumber)
	}
	for _, k := range sortedKeys(points) {
		out.Points = append(out.Points, *points[k])
	}
	return out, nil
}

// Analytics metrics and dimensions, as the Cloud API names them.
const (
	MetricCost         = "COST"
	MetricConversation = "CONVERSATION"
	MetricVolume       = "VOLUME"

	DimensionConversationCategory  = "CONVERSATION_CATEGORY"
	DimensionConversationDirection = "CONVERSATION_DIRECTION"
	DimensionConversationType      = "CONVERSATION_TYPE"
	DimensionPricingCategory       = "PRICING_CATEGORY"
	DimensionPricingType           = "PRICING_TYPE"
	DimensionCountry               = "COUNTRY"
	DimensionPhone                 = "PHONE"
	DimensionTier                  = "TIER"
)

// ConversationQuery asks for conversation analytics, the reports of
// conversation-based pricing.
type ConversationQuery struct {
	AnalyticsFilter
	// MetricTypes are the metrics to report, COST and CONVERSATION; empty reports both.
	MetricTypes []string
	// Categories, Types and Directions filter the conversations; empty lets all through.
	Categories []string
	Types      []string
	Directions []string
	// Dimensions split the data points: CONVERSATION_CATEGORY,
	// CONVERSATION_DIRECTION, CONVERSATION_TYPE, COUNTRY, PHONE.
	Dimensions []string
}

// ConversationAnalytics are the answer to a ConversationQuery.
type ConversationAnalytics struct {
	// Metrics are the metrics the points report.
	Metrics []string
	Points  []ConversationPoint
}

// ConversationPoint is one bucket and combination of dimension values. The
// dimension fields not asked for are "".
type ConversationPoint struct {
	Start, End    time.Time
	Conversations int
	Cost          float64
	PhoneNumber   string
	Country       string
	Type          string
	Direction     string
	Category      string
}

// ConversationAnalytics counts a WABA's conversations and what they cost. Since
// per-message pricing every delivered outbound message is a conversation of its
// own: a free-form reply a free (FREE_TIER), user-initiated SERVICE
// conversation; a template message a REGULAR, business-initiated conversation of
// its category, priced at the rate card.
func (p *Platform) ConversationAnalytics(ctx context.Context, c Caller, wabaID string, q ConversationQuery) (*ConversationAnalytics, error) {
	s, err := p.analyticsScope(ctx, c, wabaID, "conversation_analytics", q.AnalyticsFilter, GranularityDaily, GranularityMonthly)
	if err != nil {
		return nil, err
	}
	out := &ConversationAnalytics{Points: []ConversationPoint{}}
	out.Metrics = s.enum("metric_types", q.MetricTypes, MetricCost, MetricConversation)
	categories := s.enum("conversation_categories", q.Categories, "AUTHENTICATION",
		"AUTHENTICATION_INTERNATIONAL", "MARKETING", "MARKETING_LITE", "SERVICE", "UTILITY")
	types := s.enum("conversation_types", q.Types, "FREE_ENTRY_POINT", "FREE_TIER", "REGULAR")
	directions := s.enum("conversation_directions", q.Directions, "BUSINESS_INITIATED", "USER_INITIATED")
	dims := s.enum("dimensions", q.Dimensions, DimensionConversationCategory,
		DimensionConversationDirection, DimensionConversationType, DimensionCountry, DimensionPhone)
	if s.err != nil {
		return nil, s.err
	}
	if len(out.Metrics) == 0 {
		out.Metrics = []string{MetricConversation, MetricCost}
	}
	rows, err := p.rows(ctx, s)
	if err != nil {
		return nil, err
	}
	points := map[pointKey]*ConversationPoint{}
	for _, r := range rows {
		typ, dir := "REGULAR", "BUSINESS_INITIATED"
		if r.category == "SERVICE" {
			typ, dir = "FREE_TIER", "USER_INITIATED"
		}
		if r.Delivered == 0 || !wants(categories, r.category) || !wants(types, typ) || !wants(directions, dir) {
			continue
		}
		k := pointKey{start: r.start, end: r.end}
		split := func(dim, v string, into *string) {
			if slices.Contains(dims, dim) {
				*into = v
			}
		}
		split(DimensionPhone, r.phone, &k.phone)
		split(DimensionCountry, r.country, &k.country)
		split(DimensionConversationCategory, r.category, &k.category)
		split(DimensionConversationType, typ, &k.kind)
		split(DimensionConversationDirection, dir, &k.direction)
		pt := points[k]
		if pt == nil {
			pt = &ConversationPoint{Start: k.start, End: k.end, PhoneNumber: k.phone, Country: k.country,
				Category: k.category, Type: k.kind, Direction: k.direction}
			points[k] = pt
		}
		pt.Conversations += r.Delivered
		if typ == "REGULAR" {
			pt.Cost += float64(r.Delivered) * p.rate(r.category)
		}
	}
	for _, k := range sortedKeys(points) {
		pt := *points[k]
		pt.Cost = money(pt.Cost)
		out.Points = append(out.Points, pt)
	}
	return out, nil
}

// PricingQuery asks for pricing analytics, the reports of per-message pricing.
type PricingQuery struct {
	AnalyticsFilter
	// MetricTypes are the metrics to report, COST and VOLUME; empty reports both.
	MetricTypes []string
	// PricingTypes and PricingCategories filter the messages; empty lets all through.
	PricingTypes      []string
	PricingCategories []string
	// Tiers filter by volume tier. wabi prices every message at one tier, so the
	// filter is accepted and keeps every message.
	Tiers []string
	// Dimensions split the data points: PRICING_CATEGORY, PRICING_TYPE, COUNTRY,
	// PHONE, and TIER, which splits nothing.
	Dimensions []string
}

// PricingAnalytics are the answer to a PricingQuery.
type PricingAnalytics struct {
	// Metrics are the metrics the points report.
	Metrics []string
	Points  []PricingPoint
}

// PricingPoint is one bucket and combination of dimension values. The dimension
// fields not asked for are "".
type PricingPoint struct {
	Start, End  time.Time
	Volume      int
	Cost        float64
	Category    string
	Type        string
	Country     string
	PhoneNumber string
}

// PricingAnalytics counts a WABA's delivered messages by pricing category and
// type, and what they cost: per-message pricing charges a message when it is
// delivered. Free-form replies are FREE_CUSTOMER_SERVICE and cost nothing;
// template messages are REGULAR and priced at the rate card.
func (p *Platform) PricingAnalytics(ctx context.Context, c Caller, wabaID string, q PricingQuery) (*PricingAnalytics, error) {
	s, err := p.analyticsScope(ctx, c, wabaID, "pricing_analytics", q.AnalyticsFilter, GranularityDaily, GranularityMonthly)
	if err != nil {
		return nil, err
	}
	out := &PricingAnalytics{Points: []PricingPoint{}}
	out.Metrics = s.enum("metric_types", q.MetricTypes, MetricCost, MetricVolume)
	types := s.enum("pricing_types", q.PricingTypes, "FREE_CUSTOMER_SERVICE", "FREE_ENTRY_POINT", "REGULAR")
	categories := s.enum("pricing_categories", q.PricingCategories, "AUTHENTICATION",
		"AUTHENTICATION_INTERNATIONAL", "MARKETING", "MARKETING_LITE", "REFERRAL_CONVERSION", "SERVICE", "UTILITY")
	dims := s.enum("dimensions", q.Dimensions, DimensionPricingCategory, DimensionPricingType,
		DimensionCountry, DimensionPhone, DimensionTier)
	if s.err != nil {
		return nil, s.err
	}
	if len(out.Metrics) == 0 {
		out.Metrics = []string{MetricVolume, MetricCost}
	}
	rows, err := p.rows(ctx, s)
	if err != nil {
		return nil, err
	}
	points := map[pointKey]*PricingPoint{}
	for _, r := range rows {
		typ := "REGULAR"
		if r.category == "SERVICE" {
			typ = "FREE_CUSTOMER_SERVICE"
		}
		if r.Delivered == 0 || !wants(categories, r.category) || !wants(types, typ) {
			continue
		}
		k := pointKey{start: r.start, end: r.end}
		split := func(dim, v string, into *string) {
			if slices.Contains(dims, dim) {
				*into = v
			}
		}
		split(DimensionPhone, r.phone, &k.phone)
		split(DimensionCountry, r.country, &k.country)
		split(DimensionPricingCategory, r.category, &k.category)
		split(DimensionPricingType, typ, &k.kind)
		pt := points[k]
		if pt == nil {
			pt = &PricingPoint{Start: k.start, End: k.end, PhoneNumber: k.phone, Country: k.country, Category: k.category, Type: k.kind}
			points[k] = pt
		}
		pt.Volume += r.Delivered
		if typ == "REGULAR" {
			pt.Cost += float64(r.Delivered) * p.rate(r.category)
		}
	}
	for _, k := range sortedKeys(points) {
		pt := *points[k]
		pt.Cost = money(pt.Cost)
		out.Points = append(out.Points, pt)
	}
	return out, nil
}
