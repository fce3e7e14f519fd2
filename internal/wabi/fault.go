package wabi

import (
	"context"
	"time"
)

// FaultKind is what an injected fault does.
type FaultKind string

// Fault kinds. Each names the event it acts on: a message handed to the
// network, a status reported, a webhook delivery tried, a media URL handed
// out, an API request served.
const (
	// FaultDeliveryFailed fails a message with Fault.Code instead of sending it.
	FaultDeliveryFailed FaultKind = "delivery_failed"
	// FaultStatusDelayed makes the network report a status Fault.Delay late.
	FaultStatusDelayed FaultKind = "status_delayed"
	// FaultStatusDuplicated sends a status's webhook twice.
	FaultStatusDuplicated FaultKind = "status_duplicated"
	// FaultStatusDropped records a status but sends no webhook of it.
	FaultStatusDropped FaultKind = "status_dropped"
	// FaultWebhookDuplicated POSTs a delivered webhook a second time.
	FaultWebhookDuplicated FaultKind = "webhook_duplicated"
	// FaultWebhookReordered sends a webhook after the next one of its key.
	FaultWebhookReordered FaultKind = "webhook_reordered"
	// FaultWebhookDelayed holds a webhook back Fault.Delay before its first POST.
	FaultWebhookDelayed FaultKind = "webhook_delayed"
	// FaultMediaURLExpired makes media download URLs expire after Fault.TTL.
	FaultMediaURLExpired FaultKind = "media_url_expired"
	// FaultAPIError answers an API request with Fault.HTTPStatus.
	FaultAPIError FaultKind = "api_error"
	// FaultAPITimeout holds an API request Fault.Delay, then drops the
	// connection without an answer.
	FaultAPITimeout FaultKind = "api_timeout"
)

// FaultKinds returns every fault kind.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultDeliveryFailed, FaultStatusDelayed, FaultStatusDuplicated, FaultStatusDropped,
		FaultWebhookDuplicated, FaultWebhookReordered, FaultWebhookDelayed, FaultMediaURLExpired,
		FaultAPIError, FaultAPITimeout}
}

// Fault is a failure injected on purpose, for a business number, a virtual
// phone or both. It fires on the events of its kind that match it: each with
// Probability (every one when nil), among the next Count only (all of them
// when nil). It keeps count of what it did.
type Fault struct {
	ID            string    `json:"id"`
	PhoneNumberID string    `json:"phone_number_id,omitempty"`
	WaID          string    `json:"wa_id,omitempty"`
	Kind          FaultKind `json:"kind"`
	// Code is the Cloud API error code a delivery_failed fault fails messages
	// with (131026, ...).
	Code int `json:"code,omitempty"`
	// Status is the status a status_* fault acts on; "" for every status.
	Status Status `json:"status,omitempty"`
	// Delay: how late a status or webhook comes, how long a timed-out request
	// hangs, how long a delivery waits for the next of its key.
	Delay Duration `json:"delay,omitempty"`
	// TTL is how long the media URLs of a media_url_expired fault work.
	TTL Duration `json:"ttl,omitempty"`
	// HTTPStatus is the status an api_error fault answers: 500 or 503.
	HTTPStatus  int      `json:"http_status,omitempty"`
	Probability *float64 `json:"probability,omitempty"`
	Count       *int     `json:"count,omitempty"`
	// Remaining is how many of the next Count matching events are left to
	// try; set when Count is.
	Remaining *int      `json:"remaining,omitempty"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Hits is how often the fault fired; Recent its last hits, newest first.
	Hits   int        `json:"hits"`
	Recent []FaultHit `json:"recent"`
	// Failure is, on the copy Fire returns of a delivery_failed fault, the
	// error the message fails with. It is not kept.
	Failure *Error `json:"-"`
}

// FaultHit is one time a fault fired.
type FaultHit struct {
	At time.Time `json:"at"`
	// Where is what it hit: a wamid, a webhook delivery id, a request path, a
	// media id.
	Where string `json:"where"`
	What  string `json:"what"`
}

// Exhausted reports whether a fault with a Count has no event left to try.
func (f *Fault) Exhausted() bool { return f.Remaining != nil && *f.Remaining <= 0 }

// FaultEvent is an event a fault may act on.
type FaultEvent struct {
	Kind          FaultKind
	PhoneNumberID string
	WaID          string
	// Status is the status being reported, for status kinds.
	Status Status
	// Where names what the event is about, for the fault's hits (see FaultHit).
	Where string
}

// FaultSource is where the parts of wabi that play out events (the network,
// the webhook engine) learn whether a fault fires on one. The platform is
// one.
type FaultSource interface {
	// Armed reports whether any fault of kind may fire: a check that costs
	// next to nothing, so that events need not be described when none can.
	Armed(kind FaultKind) bool
	// Fire decides whether a fault fires on ev and counts it: it returns a
	// copy of the fault that fired, nil if none did.
	Fire(ctx context.Context, ev FaultEvent) *Fault
}
