package platform

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/wabihq/wabi/internal/wabi"
)

// WABADetails is a WABA as its Graph node shows it: the account, its numbers and
// what wabi derives from them.
type WABADetails struct {
	WABA    *wabi.WABA
	Numbers []*wabi.PhoneNumber
	// Country is the ISO 3166 code of the country of the WABA's first number
	// ("US"); "" without numbers.
	Country string
	Health  WABAHealth
}

// WABAHealth says whether the WABA can send messages: AVAILABLE or BLOCKED for
// the whole and for each entity; the whole is its most restricted entity.
type WABAHealth struct {
	CanSendMessage string
	Entities       []WABAHealthEntity
}

// WABAHealthEntity is one part of a WABA's health: a PHONE_NUMBER, the WABA or
// its BUSINESS.
type WABAHealthEntity struct {
	Type           string
	ID             string
	CanSendMessage string
}

// Health states, as the Cloud API names them.
const (
	HealthAvailable = "AVAILABLE"
	HealthBlocked   = "BLOCKED"
)

// WABADetails returns a WABA the caller may manage, with its numbers and health.
// A number can send when it is registered; nothing else limits a wabi WABA.
func (p *Platform) WABADetails(ctx context.Context, c Caller, id string) (*WABADetails, error) {
	w, err := p.wabaFor(ctx, c, id, wabi.ScopeManagement)
	if err != nil {
		return nil, err
	}
	numbers, err := p.store.PhoneNumbers(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	d := &WABADetails{WABA: w, Numbers: numbers, Health: WABAHealth{CanSendMessage: HealthAvailable}}
	if len(numbers) > 0 {
		d.Country = p.regionOf(numbers[0].DisplayPhoneNumber)
	}
	for _, pn := range numbers {
		e := WABAHealthEntity{Type: "PHONE_NUMBER", ID: pn.ID, CanSendMessage: HealthAvailable}
		if !pn.Registered {
			e.CanSendMessage, d.Health.CanSendMessage = HealthBlocked, HealthBlocked
		}
		d.Health.Entities = append(d.Health.Entities, e)
	}
	d.Health.Entities = append(d.Health.Entities,
		WABAHealthEntity{Type: "WABA", ID: w.ID, CanSendMessage: HealthAvailable},
		WABAHealthEntity{Type: "BUSINESS", ID: w.BusinessID, CanSendMessage: HealthAvailable})
	return d, nil
}

// Analytics granularities as the Cloud API names them: messaging analytics say
// DAY and MONTH, conversation and pricing analytics DAILY and MONTHLY.
const (
	GranularityHalfHour = "HALF_HOUR"
	GranularityDay      = "DAY"
	GranularityMonth    = "MONTH"
	GranularityDaily    = "DAILY"
	GranularityMonthly  = "MONTHLY"
)

// DefaultRates is the rate card used when Platform.Rates is nil: US dollars per
// delivered message, by pricing category. The figures are illustrative, of the
// order of Meta's published rates; they are not Meta's price in any market.
func DefaultRates() map[string]float64 {
	return map[string]float64{"marketing": 0.025, "utility": 0.004, "authentication": 0.0035, "service": 0}
}

// AnalyticsFilter is what the analytics of a WABA share: the period, the width of
// its buckets and which numbers and consumers to count.
type AnalyticsFilter struct {
	// Start and End bound the messages counted: Start <= time < End. Both are
	// required, and Start may be at most one year ago.
	Start, End time.Time
	// Granularity is HALF_HOUR, DAY or MONTH for messaging analytics, HALF_HOUR,
	// DAILY or MONTHLY for the others. Buckets are UTC: half hours, days from
	// midnight, calendar months.
	Granularity string
	// PhoneNumbers are display numbers of the WABA (digits, country code first);
	// empty counts every number of the WABA.
	PhoneNumbers []string
	// CountryCodes are ISO 3166 codes ("US") of the consumers to count, taken
	// from their wa_id; empty counts everyone.
	CountryCodes []string
}

// scope is a checked analytics query: what to ask the store and how to read its
// rows.
type scope struct {
	name        string // the analytics, for error messages
	numbers     []*wabi.PhoneNumber
	display     map[string]string // phone number id → display number
	countries   []string
	granularity string
	step        time.Duration // bucket width; 0 for calendar months
	start, end  time.Time
	err         error // the first invalid parameter, see enum
}

// analyticsScope checks the filter of the analytics called name against the WABA.
// daily and monthly are what that analytics calls those granularities.
func (p *Platform) analyticsScope(ctx context.Context, c Caller, wabaID, name string, f AnalyticsFilter, daily, monthly string) (*scope, error) {
	w, err := p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	if err != nil {
		return nil, err
	}
	s := &scope{name: name, start: f.Start.UTC(), end: f.End.UTC(), display: map[string]string{}}
	switch {
	case f.Start.IsZero():
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param start is required for %s: the start of the period, in unix seconds.", name)
	case f.End.IsZero():
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param end is required for %s: the end of the period, in unix seconds.", name)
	case !f.End.After(f.Start):
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param end of %s must be after its start.", name)
	case f.Start.Before(p.clock.Now().AddDate(-1, 0, 0)):
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param start of %s must be within the last year: analytics go back one year.", name)
	}
	s.granularity = strings.ToUpper(strings.TrimSpace(f.Granularity))
	switch s.granularity {
	case GranularityHalfHour:
		s.step = 30 * time.Minute
	case daily:
		s.step = 24 * time.Hour
	case monthly:
	case "":
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param granularity is required for %s: %s, %s or %s.", name, GranularityHalfHour, daily, monthly)
	default:
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param granularity of %s must be %s, %s or %s, not %q.", name, GranularityHalfHour, daily, monthly, f.Granularity)
	}
	for _, cc := range f.CountryCodes {
		cc = strings.ToUpper(strings.TrimSpace(cc))
		if len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return nil, wabi.Errorf(wabi.EInvalidParam, "Param country_codes of %s must hold two-letter ISO 3166 country codes, not %q.", name, cc)
		}
		s.countries = append(s.countries, cc)
	}
	all, err := p.store.PhoneNumbers(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, n := range f.PhoneNumbers {
		d := onlyDigits(n)
		if !slices.ContainsFunc(all, func(pn *wabi.PhoneNumber) bool { return pn.DisplayPhoneNumber == d }) {
			return nil, wabi.Errorf(wabi.EInvalidParam, "Param phone_numbers of %s: %q is not a phone number of WhatsApp Business Account %s.", name, n, w.ID)
		}
		wanted[d] = true
	}
	for _, pn := range all {
		if len(wanted) == 0 || wanted[pn.DisplayPhoneNumber] {
			s.numbers = append(s.numbers, pn)
			s.display[pn.ID] = pn.DisplayPhoneNumber
		}
	}
	return s, nil
}

// counted is a store row the scope counts, placed in its bucket.
type counted struct {
	wabi.StatsRow
	start, end time.Time
	// category is the pricing category in upper case; a free-form reply's is
	// SERVICE.
	category string
	country  string
	phone    string // display number
}

// rows counts the scope's messages: the store's rows of its numbers and
// countries, in its buckets. Calendar months are merged from days, which the
// store can bucket by division.
func (p *Platform) rows(ctx context.Context, s *scope) ([]counted, error) {
	q := wabi.StatsQuery{Start: s.start, End: s.end, Bucket: s.step}
	if s.step == 0 {
		q.Bucket = 24 * time.Hour
	}
	for _, pn := range s.numbers {
		q.PhoneNumberIDs = append(q.PhoneNumberIDs, pn.ID)
	}
	if len(q.PhoneNumberIDs) == 0 {
		return nil, nil
	}
	rows, err := p.store.MessageStats(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]counted, 0, len(rows))
	for _, r := range rows {
		c := counted{StatsRow: r, category: strings.ToUpper(r.Category), country: p.regionOf(r.WaID),
			phone: s.display[r.PhoneNumberID], start: r.Start.UTC(), end: r.Start.Add(s.step).UTC()}
		if c.category == "" {
			c.category = "SERVICE"
		}
		if len(s.countries) > 0 && !slices.Contains(s.countries, c.country) {
			continue
		}
		if s.step == 0 {
			c.start = time.Date(c.start.Year(), c.start.Month(), 1, 0, 0, 0, 0, time.UTC)
			c.end = c.start.AddDate(0, 1, 0)
		}
		out = append(out, c)
	}
	return out, nil
}

// regionOf returns the ISO 3166 code of the country of a wa_id ("US"), or "" for
// a number of no country. Numbers that libphonenumber finds invalid, like the
// fictional +1 555 ones, take their country code's main country. Parsing is
// costly and consumers write again and again, so answers are remembered.
func (p *Platform) regionOf(waID string) string {
	key := "region:" + waID
	now := p.clock.Now()
	if v, ok := p.cache.get(key, now); ok {
		return v.(string)
	}
	region := ""
	if n, err := phonenumbers.Parse("+"+waID, "ZZ"); err == nil {
		region = phonenumbers.GetRegionCodeForNumber(n)
		if region == "" || region == "ZZ" {
			region = phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode()))
		}
	}
	if region == "ZZ" {
		region = ""
	}
	p.cache.put(key, region, now.Add(24*time.Hour))
	return region
}

// rate returns the cost of one delivered message of a pricing category.
func (p *Platform) rate(category string) float64 {
	rates := p.Rates
	if rates == nil {
		rates = DefaultRates()
	}
	return rates[strings.ToLower(category)]
}

// money rounds a sum of rates to a millionth, so that float noise stays out of
// the answer.
func money(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// enum upper-cases the values of a parameter and checks that each is allowed.
// The first value that is not is remembered in s.err, so that a report checks
// all its parameters before looking at the error once.
func (s *scope) enum(param string, vs []string, allowed ...string) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		u := strings.ToUpper(strings.TrimSpace(v))
		if !slices.Contains(allowed, u) && s.err == nil {
			s.err = wabi.Errorf(wabi.EInvalidParam, "Param %s of %s must hold %s, not %q.", param, s.name, strings.Join(allowed, ", "), v)
		}
		out = append(out, u)
	}
	return out
}

// wants reports whether a filter lets v through: an empty filter lets everything.
func wants(filter []string, v string) bool { return len(filter) == 0 || slices.Contains(filter, v) }

// pointKey groups rows into data points: a bucket and the values of the
// requested dimensions ("" for the others).
type pointKey struct {
	start, end                                time.Time
	phone, country, category, kind, direction string
}

// sortedKeys returns the keys of a map of points in the order data points are
// reported: by time, then by dimension values.
func sortedKeys[V any](m map[pointKey]V) []pointKey {
	keys := make([]pointKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b pointKey) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.phone, b.phone), cmp.Compare(a.country, b.country),
			cmp.Compare(a.category, b.category), cmp.Compare(a.kind, b.kind), cmp.Compare(a.direction, b.direction))
	})
	return keys
}
