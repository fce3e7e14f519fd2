package wabi

import (
	"context"
	"time"
)

// Reach is a customer reached with a business-initiated message: one sent
// while the customer service window with the customer was closed. The
// business (Meta's portfolio) is whose messaging limit it counts against.
type Reach struct {
	BusinessID    string
	PhoneNumberID string
	WaID          string
	At            time.Time
}

// ReachResult is what AddReach did.
type ReachResult struct {
	// OK is true when the reach was recorded, false when it was refused: the
	// customer would have been one too many.
	OK bool
	// New is true when the customer was not among those the business reached
	// in the window.
	New bool
	// Count is how many unique customers the business reached in the window,
	// the new one included when it was recorded. It is counted only for a new
	// customer under a limit, and is 0 otherwise.
	Count int
}

// FeedbackKind is what a customer did about a business number.
type FeedbackKind string

// What a customer can do about a business number.
const (
	FeedbackBlock   FeedbackKind = "block"
	FeedbackUnblock FeedbackKind = "unblock"
	FeedbackReport  FeedbackKind = "report"
)

// Feedback is a customer blocking, unblocking or reporting a business number.
type Feedback struct {
	PhoneNumberID string
	WaID          string
	Kind          FeedbackKind
	At            time.Time
}

// FeedbackCount counts a number's blocks and reports over a period.
type FeedbackCount struct {
	Blocks  int `json:"blocks"`
	Reports int `json:"reports"`
}

// ReachStore keeps what Meta's messaging limits and quality rating are computed
// from: the unique customers a business reached with business-initiated
// messages, and the blocks and reports of its numbers. Times are the caller's;
// a customer counts in a window when it was last reached after its start.
type ReachStore interface {
	// AddReach records r unless the customer is new to the business's window
	// (not reached after since) and limit customers already are; then it
	// records nothing and says so. A customer already in the window is always
	// recorded, and a negative limit has no limit. Reaches recorded at once,
	// through one store or several on the same database, never take the
	// business past its limit. Only internal errors.
	AddReach(ctx context.Context, r Reach, since time.Time, limit int) (ReachResult, error)
	// Reached counts the unique customers reached after since by a business,
	// or with phoneNumberID set, by that one of its numbers. Only internal
	// errors.
	Reached(ctx context.Context, businessID, phoneNumberID string, since time.Time) (int, error)
	// AddFeedback records f, and reports false when it changes nothing: a
	// block by a customer who blocks the number already, or an unblock by one
	// who does not. A report always counts. Only internal errors.
	AddFeedback(ctx context.Context, f Feedback) (changed bool, err error)
	// CountFeedback counts the blocks and reports of a number made after
	// since; unblocking does not take a block back. Only internal errors.
	CountFeedback(ctx context.Context, phoneNumberID string, since time.Time) (FeedbackCount, error)
	// Blockers lists the customers who block a number now, by wa_id. Only
	// internal errors.
	Blockers(ctx context.Context, phoneNumberID string) ([]string, error)
	// ExpireReach forgets the reaches and the blocks and reports made before
	// before, and returns how many it forgot; who blocks a number now is kept.
	// Only internal errors.
	ExpireReach(ctx context.Context, before time.Time) (int, error)
}
