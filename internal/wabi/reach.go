package wabi

// ReachStore keeps what Meta's messaging limits and quality rating are computed
// from: the unique customers a business reached with business-initiated
// messages, and the blocks and reports of its numbers.
type ReachStore interface {
}
