package wabi

import (
	"context"
	"time"
)

// StatsQuery selects messages to count, for analytics.
type StatsQuery struct {
	// PhoneNumberIDs are the numbers to count; required.
	PhoneNumberIDs []string
	// Start and End bound the messages' timestamps: Start <= t < End.
	Start, End time.Time
	// Bucket is the width of a time bucket; buckets start at whole multiples of
	// Bucket since the Unix epoch (UTC).
	Bucket time.Duration
}

// StatsRow counts the messages of one number, bucket, pricing category and
// consumer.
type StatsRow struct {
	PhoneNumberID string
	WaID          string
	Start         time.Time
	// Category is the pricing category of outbound messages ("service",
	// "marketing", ...); "" for inbound ones.
	Category string
	// Sent, Delivered and Read count outbound messages that reached at least that
	// status; Failed those that failed; Received inbound messages.
	Sent, Delivered, Read, Failed, Received int
}

// StatsStore counts messages for analytics.
type StatsStore interface {
	MessageStats(ctx context.Context, q StatsQuery) ([]StatsRow, error)
}
