package wabi

import "context"

// Network is what sits behind business phone numbers: the simulated network of
// virtual phones, or a relay to Meta. It takes accepted outbound messages and
// reports what becomes of them, and inbound messages, to a NetworkSink.
type Network interface {
	// Deliver hands over an outbound message that is committed in the store. It must
	// not block on delivery; outcomes arrive later through the sink. Delivering a
	// message again (after a restart) must be harmless.
	Deliver(ctx context.Context, m *Message) error
}

// InstantNetwork is implemented by networks that know, as a message is sent,
// the statuses it reaches at once: a phone with no delivery delay has it
// delivered the moment it is sent, and read too if it reads at once. The
// platform then commits those statuses with the message, each with its
// webhooks, instead of recording them after it in a write of their own.
type InstantNetwork interface {
	// Instant returns the statuses m, accepted and about to be committed,
	// reaches the moment it is sent, in order (sent, then delivered, then
	// read), or none when its fate is not known at once, or when reporting
	// them now could put them out of order with the statuses its chat already
	// has on the way. The platform commits them with the message, then hands
	// it to Deliver, which picks up from m.Status as it does for a recovered
	// message.
	Instant(ctx context.Context, m *Message) []Status
}

// NetworkSink takes what the network reports. The platform implements it.
type NetworkSink interface {
	// UpdateStatus records a status change of an outbound message.
	UpdateStatus(ctx context.Context, u StatusUpdate) error
	// Receive records an inbound message from a consumer. The sink assigns the id
	// and timestamp and returns the stored message.
	Receive(ctx context.Context, m *Message) (*Message, error)
}

// BatchSink is implemented by sinks that can record several status updates in one
// write. A network reporting many statuses of one chat in order uses it to keep
// that order without waiting for a write per status.
type BatchSink interface {
	// UpdateStatuses records the updates in order, as that many UpdateStatus
	// calls would, and returns one error per update (nil when it was recorded).
	UpdateStatuses(ctx context.Context, us []StatusUpdate) []error
}

// Directory is implemented by networks that can tell whether a number has
// WhatsApp, for contact checks. A network without it has every number on
// WhatsApp, as the client has answered since v2.43.
type Directory interface {
	OnWhatsApp(ctx context.Context, waID string) (bool, error)
}
