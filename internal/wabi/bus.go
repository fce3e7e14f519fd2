package wabi

import (
	"context"
	"unicode/utf8"
)

// MaxNotice is the largest payload a Bus carries, in bytes. PostgreSQL caps a
// notification below 8,000 bytes; the rest is left for the bus's own framing.
const MaxNotice = 7900

// maxTopic is the longest topic name.
const maxTopic = 32

// Bus carries small notices between the nodes that share one store: "these
// cache entries changed", "this message changed". It is how a node learns at
// once what another node did, instead of waiting out a cache's lifetime.
//
// Delivery is best effort. A notice reaches, at most once, the subscribers of
// its topic on every other node that is connected when it is sent; a node
// never gets its own notices back, since it has acted on them already.
// Notices can be lost: a node whose connection to the bus drops misses what is
// published until it is back, and a publisher that cannot keep up drops what
// it cannot send. So every user also keeps a fallback with bounded staleness
// (a cache lifetime, a poll), and the bus only makes things fresher sooner.
type Bus interface {
	// Publish sends payload to the subscribers of topic on the other nodes,
	// without waiting for them. The topic is 1 to 32 lower-case letters,
	// digits, '.', '_' or '-'; the payload is UTF-8 text without NUL bytes, at
	// most MaxNotice bytes. It returns EInvalidParam for anything else, which
	// is a bug in the caller, and nil once the notice is on its way.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls fn with the payload of every notice published on topic
	// by another node, until cancel is called; after cancel returns, no new
	// call starts. fn may run on any goroutine, also concurrently with itself;
	// it must not block, and owns the payload it is given.
	Subscribe(topic string, fn func(payload []byte)) (cancel func())
}

// CheckNotice returns EInvalidParam if a Bus may not carry payload on topic,
// so that every Bus refuses the same notices.
func CheckNotice(topic string, payload []byte) error {
	if !validTopic(topic) {
		return Errorf(EInvalidParam, "bus topic %q must be 1 to %d lower-case letters, digits, '.', '_' or '-'", topic, maxTopic)
	}
	if len(payload) > MaxNotice {
		return Errorf(EInvalidParam, "bus notice of %d bytes on %s is over the %d-byte limit", len(payload), topic, MaxNotice)
	}
	if !utf8.Valid(payload) {
		return Errorf(EInvalidParam, "bus notice on %s is not UTF-8 text", topic)
	}
	for _, c := range payload {
		if c == 0 {
			return Errorf(EInvalidParam, "bus notice on %s holds a NUL byte", topic)
		}
	}
	return nil
}

func validTopic(topic string) bool {
	if topic == "" || len(topic) > maxTopic {
		return false
	}
	for _, c := range []byte(topic) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
