package wabi

import (
	"context"
	"time"
)

// Record is a small JSON document of a phone number's own state that no other
// object owns: an On-Premises deployment's users and login sessions, its
// application settings, its contact checks and sticker packs. Scope is the phone
// number id, Kind what the record is ("user", "session", ...), Key its name
// within the kind.
type Record struct {
	Scope string `json:"scope"`
	Kind  string `json:"kind"`
	Key   string `json:"key"`
	Value []byte `json:"value"`
	// ExpiresAt, when set, is when the record stops counting: readers treat it as
	// gone after then and DeleteExpiredRecords removes it.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RecordStore keeps records.
type RecordStore interface {
	// PutRecord creates or replaces the record of (Scope, Kind, Key).
	PutRecord(ctx context.Context, r *Record) error
	// SwapRecord writes r only if the record of (Scope, Kind, Key) is still as
	// the caller read it: its Value equals old or, with old nil, there is no
	// such record, expired or not. It returns EConflict if not, so that nodes
	// sharing the store can change a record without losing each other's
	// changes: read, change, swap, and on EConflict read again.
	SwapRecord(ctx context.Context, r *Record, old []byte) error
	// Record returns ENotFound if there is none; it returns expired records too.
	Record(ctx context.Context, scope, kind, key string) (*Record, error)
	// Records lists the records of a kind in a scope whose key starts with
	// prefix, ordered by key.
	Records(ctx context.Context, scope, kind, prefix string) ([]*Record, error)
	// DeleteRecord returns ENotFound if there is no such record.
	DeleteRecord(ctx context.Context, scope, kind, key string) error
	// DeleteRecords deletes the records of a kind in a scope whose key starts
	// with prefix (every kind when kind is "") and returns how many it deleted.
	DeleteRecords(ctx context.Context, scope, kind, prefix string) (int, error)
	// DeleteExpiredRecords deletes the records whose ExpiresAt is set and not
	// after now, and returns how many it deleted.
	DeleteExpiredRecords(ctx context.Context, now time.Time) (int, error)
}
