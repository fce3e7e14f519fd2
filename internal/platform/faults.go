package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Injected faults are records of their own scope, one per fault under its id.
// The record holds the fault's definition and its counters (remaining, hits,
// recent hits), so that a fault that fires changes its record with a
// compare-and-set, and "the next N" holds across every node on the store.
const (
	faultScope = "wabi"
	recFault   = "fault"
)

// Fault limits: how many faults wabi keeps, how many hits each remembers, and
// the bounds of their durations.
const (
	MaxFaults      = 200
	maxFaultHits   = 20
	maxFaultDelay  = 24 * time.Hour
	maxFaultNote   = 500
	maxFaultCount  = 1_000_000
	defaultTimeout = 30 * time.Second
	// maxAPITimeout bounds how long an api_timeout fault holds a request.
	maxAPITimeout = 10 * time.Minute
	// defaultReorderWait is how long a webhook_reordered fault holds a
	// delivery for the next one of its key when none is queued yet.
	defaultReorderWait = 5 * time.Second
)

// faultCodes are the Cloud API codes a delivery_failed fault may fail a message
// with, and the domain code each stands for (internal/cloudapi/errors.go maps
// them back; its tests check that they agree).
var faultCodes = map[int]wabi.Code{
	131000: wabi.EInternal,
	131016: wabi.EUnavailable,
	131026: wabi.ENotOnWhatsApp,
	131047: wabi.EOutsideWindow,
	131048: wabi.ESpamLimit,
	131049: wabi.EMarketingCap,
	131050: wabi.EOptedOut,
	131051: wabi.EUnsupportedType,
	131053: wabi.EMediaUpload,
	131056: wabi.EPairRateLimit,
	131057: wabi.EThroughputUpgrade,
	130429: wabi.ERateLimit,
	130472: wabi.EExperiment,
	132001: wabi.ETemplateNotFound,
	132015: wabi.ETemplatePaused,
	132016: wabi.ETemplateDisabled,
	368:    wabi.ERestricted,
}

// FaultCodes returns the Cloud API codes a delivery_failed fault accepts, with
// the domain code of each, in ascending order of code.
func FaultCodes() []FaultCode {
	out := make([]FaultCode, 0, len(faultCodes))
	for n, c := range faultCodes {
		out = append(out, FaultCode{Wire: n, Code: c})
	}
	slices.SortFunc(out, func(a, b FaultCode) int { return a.Wire - b.Wire })
	return out
}

// FaultCode is a Cloud API error code and the domain code it stands for.
type FaultCode struct {
	Wire int
	Code wabi.Code
}

// faultTitles are the words a failed message's details start with, per
// domain code; codes not listed use their name.
var faultTitles = map[wabi.Code]string{
	wabi.EInternal:        "Something went wrong",
	wabi.EUnavailable:     "Service unavailable",
	wabi.ENotOnWhatsApp:   "Message Undeliverable",
	wabi.EOutsideWindow:   "Re-engagement message",
	wabi.ESpamLimit:       "Spam rate limit hit",
	wabi.EMarketingCap:    "Not delivered to maintain healthy ecosystem engagement",
	wabi.EOptedOut:        "The recipient chose to stop receiving marketing messages from your business",
	wabi.EMediaUpload:     "Media upload error",
	wabi.EPairRateLimit:   "Pair rate limit hit",
	wabi.EExperiment:      "User's number is part of an experiment",
	wabi.ERateLimit:       "Rate limit hit",
	wabi.ERestricted:      "Temporarily blocked for policies violations",
	wabi.EUnsupportedType: "Unsupported message type",
}

// FaultFilter selects faults; empty fields do not filter.
type FaultFilter struct {
	// PhoneNumberID is a business number's id or the number as dialled.
	PhoneNumberID string
	WaID          string
}

// CreateFault validates a fault and keeps it; it fires from now on, on every
// node. The number may be given as dialled; the fault's id, creation time and
// counters are set here. EInvalidParam or ERequired say what is wrong,
// ENotFound names a number that does not exist.
func (p *Platform) CreateFault(ctx context.Context, in *wabi.Fault) (*wabi.Fault, error) {
	f := *in
	f.ID, f.CreatedAt, f.Hits, f.Recent, f.Remaining = p.ids.NewID(), p.clock.Now().UTC(), 0, []wabi.FaultHit{}, nil
	if err := p.checkFault(ctx, &f); err != nil {
		return nil, err
	}
	if f.Count != nil {
		n := *f.Count
		f.Remaining = &n
	}
	recs, err := p.store.Records(ctx, faultScope, recFault, "")
	if err != nil {
		return nil, err
	}
	if len(recs) >= MaxFaults {
		return nil, wabi.Errorf(wabi.EInvalidParam, "wabi keeps at most %d faults: delete some first.", MaxFaults)
	}
	v, err := json.Marshal(&f)
	if err != nil {
		return nil, err
	}
	if err := p.store.SwapRecord(ctx, &wabi.Record{Scope: faultScope, Kind: recFault, Key: f.ID, Value: v, UpdatedAt: f.CreatedAt}, nil); err != nil {
		return nil, err
	}
	p.faultsChanged(ctx)
	return &f, nil
}

// Faults lists the faults that match the filter, oldest first, with their
// counters as the store has them.
func (p *Platform) Faults(ctx context.Context, ff FaultFilter) ([]*wabi.Fault, error) {
	if ff.PhoneNumberID != "" {
		id, err := p.BusinessNumberID(ctx, ff.PhoneNumberID)
		if err != nil {
			return nil, err
		}
		ff.PhoneNumberID = id
	}
	if ff.WaID != "" {
		ff.WaID = onlyDigits(ff.WaID)
	}
	all, err := p.storedFaults(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, f := range all {
		if (ff.PhoneNumberID == "" || f.PhoneNumberID == ff.PhoneNumberID) && (ff.WaID == "" || f.WaID == ff.WaID) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Fault returns one fault; ENotFound if there is none.
func (p *Platform) Fault(ctx context.Context, id string) (*wabi.Fault, error) {
	rec, err := p.store.Record(ctx, faultScope, recFault, id)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return nil, wabi.Errorf(wabi.ENotFound, "There is no fault %s.", id)
	}
	if err != nil {
		return nil, err
	}
	return decodeFault(rec.Value)
}

// DeleteFault deletes a fault: it fires no more, on any node. ENotFound if
// there is none.
func (p *Platform) DeleteFault(ctx context.Context, id string) error {
	err := p.store.DeleteRecord(ctx, faultScope, recFault, id)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return wabi.Errorf(wabi.ENotFound, "There is no fault %s.", id)
	}
	if err != nil {
		return err
	}
	p.faults.locks.Delete(id)
	p.faultsChanged(ctx)
	return nil
}

// DeleteFaults deletes the faults that match the filter (all of them when it
// is empty) and returns how many it deleted.
func (p *Platform) DeleteFaults(ctx context.Context, ff FaultFilter) (int, error) {
	fs, err := p.Faults(ctx, ff)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range fs {
		err := p.store.DeleteRecord(ctx, faultScope, recFault, f.ID)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			continue
		}
		if err != nil {
			p.faultsChanged(ctx)
			return n, err
		}
		n++
	}
	p.faultsChanged(ctx)
	return n, nil
}

// storedFaults reads every fault from the store, oldest first.
func (p *Platform) storedFaults(ctx context.Context) ([]*wabi.Fault, error) {
	recs, err := p.store.Records(ctx, faultScope, recFault, "")
	if err != nil {
		return nil, err
	}
	out := make([]*wabi.Fault, 0, len(recs))
	for _, r := range recs {
		f, err := decodeFault(r.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	// Ids are time-ordered numbers: the longer is the newer.
	slices.SortFunc(out, func(a, b *wabi.Fault) int { return cmpNumeric(a.ID, b.ID) })
	return out, nil
}

func decodeFault(b []byte) (*wabi.Fault, error) {
	var f wabi.Fault
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("platform: fault record: %w", err)
	}
	if f.Recent == nil {
		f.Recent = []wabi.FaultHit{}
	}
	return &f, nil
}

// checkFault validates a new fault and puts its fields in their canonical
// form: the number's id, the wa_id's digits.
func (p *Platform) checkFault(ctx context.Context, f *wabi.Fault) error {
	if f.Kind == "" {
		return wabi.Errorf(wabi.ERequired, "Param kind is required: one of %s.", kindList())
	}
	if !slices.Contains(wabi.FaultKinds(), f.Kind) {
		return wabi.Errorf(wabi.EInvalidParam, "Param kind must be one of %s, not %q.", kindList(), f.Kind)
	}
	if f.PhoneNumberID == "" && f.WaID == "" {
		return wabi.Errorf(wabi.ERequired, "A fault needs a phone_number_id, a wa_id or both: what it applies to.")
	}
	if f.PhoneNumberID != "" {
		id, err := p.BusinessNumberID(ctx, f.PhoneNumberID)
		if err != nil {
			return err
		}
		f.PhoneNumberID = id
	}
	if f.WaID != "" {
		digits := onlyDigits(f.WaID)
		if strings.Trim(f.WaID, "+0123456789 -().") != "" || len(digits) < 8 || len(digits) > 15 {
			return wabi.Errorf(wabi.EInvalidParam, "Param wa_id must be a phone number with its country code, not %q.", f.WaID)
		}
		f.WaID = digits
	}
	if f.Probability != nil && (*f.Probability <= 0 || *f.Probability > 1) {
		return wabi.Errorf(wabi.EInvalidParam, "Param probability must be more than 0 and at most 1, not %v.", *f.Probability)
	}
	if f.Count != nil && (*f.Count < 1 || *f.Count > maxFaultCount) {
		return wabi.Errorf(wabi.EInvalidParam, "Param count must be 1 to %d, not %d.", maxFaultCount, *f.Count)
	}
	if len(f.Note) > maxFaultNote {
		return wabi.Errorf(wabi.EInvalidParam, "Param note is longer than %d bytes.", maxFaultNote)
	}
	if f.Delay < 0 || f.TTL < 0 {
		return wabi.Errorf(wabi.EInvalidParam, "Durations must not be negative.")
	}
	// Which fields each kind takes; any other set field is refused, so that a
	// fault never looks as if it did something it does not.
	uses := map[string]bool{}
	switch f.Kind {
	case wabi.FaultDeliveryFailed:
		uses["code"] = true
		if f.Code == 0 {
			return wabi.Errorf(wabi.ERequired, "Param code is required for delivery_failed: the Cloud API code the message fails with, such as 131026.")
		}
		if _, ok := faultCodes[f.Code]; !ok {
			return wabi.Errorf(wabi.EInvalidParam, "Param code %d is not one a delivery_failed fault can fail a message with: use one of %s.", f.Code, codeList())
		}
	case wabi.FaultStatusDelayed, wabi.FaultStatusDuplicated, wabi.FaultStatusDropped:
		uses["status"] = true
		statuses := []wabi.Status{wabi.StatusSent, wabi.StatusDelivered, wabi.StatusRead, wabi.StatusFailed}
		if f.Kind == wabi.FaultStatusDelayed {
			// A failure is reported at once or not at all: delivery_failed
			// stands in for a late one.
			statuses = statuses[:3]
			uses["delay"] = true
			if f.Delay == 0 {
				return wabi.Errorf(wabi.ERequired, "Param delay is required for status_delayed: how late the status comes, such as \"30s\".")
			}
		}
		if f.Status != "" && !slices.Contains(statuses, f.Status) {
			return wabi.Errorf(wabi.EInvalidParam, "Param status of %s must be one of %v or left out for every status, not %q.", f.Kind, statuses, f.Status)
		}
	case wabi.FaultWebhookDuplicated:
	case wabi.FaultWebhookReordered:
		uses["delay"] = true
		if f.Delay == 0 {
			f.Delay = wabi.Duration(defaultReorderWait)
		}
	case wabi.FaultWebhookDelayed:
		uses["delay"] = true
		if f.Delay == 0 {
			return wabi.Errorf(wabi.ERequired, "Param delay is required for webhook_delayed: how long the webhook is held back, such as \"30s\".")
		}
	case wabi.FaultMediaURLExpired:
		uses["ttl"] = true
		if f.TTL == 0 || time.Duration(f.TTL) >= MediaURLTTL {
			return wabi.Errorf(wabi.EInvalidParam, "Param ttl is required for media_url_expired: how long media URLs work, less than %s, such as \"5s\".", MediaURLTTL)
		}
	case wabi.FaultAPIError:
		uses["http_status"] = true
		if f.HTTPStatus == 0 {
			f.HTTPStatus = 500
		}
		if f.HTTPStatus != 500 && f.HTTPStatus != 503 {
			return wabi.Errorf(wabi.EInvalidParam, "Param http_status of api_error must be 500 or 503, not %d.", f.HTTPStatus)
		}
	case wabi.FaultAPITimeout:
		uses["delay"] = true
		if f.Delay == 0 {
			f.Delay = wabi.Duration(defaultTimeout)
		}
		if time.Duration(f.Delay) > maxAPITimeout {
			return wabi.Errorf(wabi.EInvalidParam, "Param delay of api_timeout must be at most %s.", maxAPITimeout)
		}
	}
	if time.Duration(f.Delay) > maxFaultDelay {
		return wabi.Errorf(wabi.EInvalidParam, "Param delay must be at most %s.", maxFaultDelay)
	}
	switch f.Kind {
	case wabi.FaultMediaURLExpired, wabi.FaultAPIError, wabi.FaultAPITimeout:
		if f.PhoneNumberID == "" || f.WaID != "" {
			return wabi.Errorf(wabi.EInvalidParam, "A %s fault applies to a business number: give its phone_number_id and no wa_id.", f.Kind)
		}
	}
	set := map[string]bool{"code": f.Code != 0, "status": f.Status != "", "delay": f.Delay != 0,
		"ttl": f.TTL != 0, "http_status": f.HTTPStatus != 0}
	for _, name := range []string{"code", "status", "delay", "ttl", "http_status"} {
		if set[name] && !uses[name] {
			return wabi.Errorf(wabi.EInvalidParam, "Param %s does not apply to a %s fault.", name, f.Kind)
		}
	}
	return nil
}

func kindList() string {
	var b strings.Builder
	for i, k := range wabi.FaultKinds() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(k))
	}
	return b.String()
}

func codeList() string {
	var b strings.Builder
	for i, c := range FaultCodes() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, c.Wire)
	}
	return b.String()
}
