package wabi

import (
	"time"
)

// DeliveryState is where a webhook delivery stands.
type DeliveryState string

// Delivery states. A pending delivery is retried until it is delivered or its
// retry period ends, when it is failed.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)

// Dialects a webhook body can be written in.
const (
	DialectCloud  = "cloud"
	DialectOnPrem = "onprem"
)

// Delivery is one webhook POST owed to one receiver: an outbox row. Its body is
// rendered when it is queued and never changes, so the signature covers exactly
// what was queued.
type Delivery struct {
	ID string `json:"id"`
	// Dialect is the body's dialect; TargetID the receiver: an app id (cloud) or
	// a phone number id (on-premises deployment).
	Dialect  string `json:"dialect"`
	TargetID string `json:"target_id"`
	// WABAID is the WABA the event is about: where an override callback URL of
	// the receiver's subscription is found.
	WABAID string `json:"waba_id,omitempty"`
	// PhoneNumberID and WaID, with TargetID, make the ordering key.
	PhoneNumberID string `json:"phone_number_id"`
	WaID          string `json:"wa_id"`
	// MessageID is the message the event is about, if any; Event names it for the
	// log ("message", "status.sent", ...).
	MessageID     string        `json:"message_id,omitempty"`
	Event         string        `json:"event"`
	Body          []byte        `json:"-"`
	State         DeliveryState `json:"state"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt time.Time     `json:"next_attempt_at"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	LastStatus    int           `json:"last_status,omitempty"`
	LastError     string        `json:"last_error,omitempty"`
}

// Key is the ordering key: deliveries with the same key are delivered in id order,
// one at a time.
func (d *Delivery) Key() string { return d.TargetID + "|" + d.PhoneNumberID + "|" + d.WaID }

// Attempt is one try at a delivery.
type Attempt struct {
	DeliveryID string    `json:"delivery_id"`
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	URL        string    `json:"url"`
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error,omitempty"`
	// Response is the start of the receiver's response body.
	Response string        `json:"response,omitempty"`
	Latency  time.Duration `json:"latency_ns"`
}

// DeliveryUpdate is a new state of a delivery, with the attempt that led to it
// (nil when nothing was attempted, as for a manual redelivery).
type DeliveryUpdate struct {
	Delivery *Delivery
	Attempt  *Attempt
	// Requeue moves the delivery behind every other pending delivery of its key,
	// as a manual redelivery does; otherwise it keeps its place.
	Requeue bool
}

// Event is something to tell a webhook receiver about: an inbound message, or a
// status change of an outbound message.
type Event struct {
	Field string
	App   *App
	WABA  *WABA
	Phone *PhoneNumber
	// Message is the inbound message, or the outbound message a status is about.
	Message *Message
	// Status is set for status events.
	Status *StatusUpdate
	// ProfileName is the consumer's profile name, for inbound messages.
	ProfileName string
	// Template is set for template events (message_template_status_update,
	// template_category_update, message_template_quality_update), with what
	// happened to it.
	Template *Template
	// Change describes a template event: its event name (APPROVED, REJECTED,
	// PAUSED, ...), reason and previous values.
	Change *TemplateChange
	// Contacts is set for the On-Premises contact check results of a no_wait
	// POST /v1/contacts.
	Contacts []ContactCheck
	// GC is set for the On-Premises message garbage collection result.
	GC *GCResult
	// Errors are problems of the number not tied to one message (the value-level
	// errors of a messages webhook), set without Message.
	Errors []*Error
}

// ContactCheck is what a contact check found about one number.
type ContactCheck struct {
	// Input is the number as the business wrote it.
	Input string `json:"input"`
	// Status is valid, processing, invalid or failed.
	Status string `json:"status"`
	// WaID is set when Status is valid or processing.
	WaID string `json:"wa_id,omitempty"`
}

// GCResult is the outcome of a message garbage collection.
type GCResult struct {
	MessagesDeleted int `json:"messages_deleted"`
}

// TemplateChange is what happened to a template, for its webhooks.
type TemplateChange struct {
	Event            string `json:"event"`
	Reason           string `json:"reason,omitempty"`
	PreviousCategory string `json:"previous_category,omitempty"`
	PreviousQuality  string `json:"previous_quality,omitempty"`
	// Title and Description explain pauses and disables (other_info).
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// WebhookEncoder renders webhook bodies in one dialect.
type WebhookEncoder interface {
	Encode(e *Event) ([]byte, error)
}

// WebhookTarget is where and how a delivery is sent at one attempt.
type WebhookTarget struct {
	URL string
	// Secret signs the body (X-Hub-Signature-256); "" sends it unsigned, as the
	// On-Premises client does.
	Secret string
	// RetryStep, when set, makes retries linear: the nth retry waits n ×
	// RetryStep, at most RetryCap. Zero keeps the engine's exponential backoff.
	RetryStep time.Duration
	RetryCap  time.Duration
	// OnlyOK counts only HTTP 200 as delivered, not every 2xx.
	OnlyOK bool
}
