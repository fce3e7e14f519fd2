package wabi

import (
	"context"
	"time"
)

// Store is where wabi keeps everything. Every implementation passes
// internal/storetest. Methods return *Error with ENotFound for a missing object and
// EConflict for a duplicate; anything else is an internal error.
type Store interface {
	TenantStore
	MessageStore
	NodeStore
	DeliveryStore
	MediaStore
	ProfileStore
	UploadStore
	StatsStore
	RecordStore
	RateStore
	ReachStore
	Close() error
}

// TenantStore keeps the tenancy tree, apps, tokens, templates and virtual phones.
// List methods return objects oldest first; an empty parent id lists everything.
type TenantStore interface {
	CreateBusiness(ctx context.Context, b *Business) error
	Business(ctx context.Context, id string) (*Business, error)
	Businesses(ctx context.Context) ([]*Business, error)

	CreateWABA(ctx context.Context, w *WABA) error
	WABA(ctx context.Context, id string) (*WABA, error)
	WABAs(ctx context.Context, businessID string) ([]*WABA, error)

	// CreatePhoneNumber returns EConflict if the display number is taken.
	CreatePhoneNumber(ctx context.Context, p *PhoneNumber) error
	UpdatePhoneNumber(ctx context.Context, p *PhoneNumber) error
	PhoneNumber(ctx context.Context, id string) (*PhoneNumber, error)
	PhoneNumbers(ctx context.Context, wabaID string) ([]*PhoneNumber, error)

	CreateApp(ctx context.Context, a *App) error
	UpdateApp(ctx context.Context, a *App) error
	App(ctx context.Context, id string) (*App, error)
	Apps(ctx context.Context, businessID string) ([]*App, error)

	// PutSubscription creates or replaces the subscription of (WABAID, AppID).
	PutSubscription(ctx context.Context, s *Subscription) error
	DeleteSubscription(ctx context.Context, wabaID, appID string) error
	Subscriptions(ctx context.Context, wabaID string) ([]*Subscription, error)

	CreateToken(ctx context.Context, t *Token) error
	Token(ctx context.Context, value string) (*Token, error)
	Tokens(ctx context.Context, businessID string) ([]*Token, error)
	DeleteToken(ctx context.Context, value string) error

	// CreateTemplate returns EConflict for a second (WABA, name, language).
	CreateTemplate(ctx context.Context, t *Template) error
	UpdateTemplate(ctx context.Context, t *Template) error
	Template(ctx context.Context, id string) (*Template, error)
	Templates(ctx context.Context, wabaID string) ([]*Template, error)
	DeleteTemplate(ctx context.Context, id string) error

	PutVirtualPhone(ctx context.Context, p *VirtualPhone) error
	VirtualPhone(ctx context.Context, waID string) (*VirtualPhone, error)
	VirtualPhones(ctx context.Context) ([]*VirtualPhone, error)
}

// MessageStore keeps messages, their statuses and the customer service windows.
type MessageStore interface {
	// Commit writes a batch atomically and durably: when it returns nil, every part
	// of the batch survives a crash. Stores group concurrent commits into one
	// transaction. A status change that would not raise a message's Status.Rank is
	// skipped. EConflict if a message id exists.
	Commit(ctx context.Context, b *Batch) error
	Message(ctx context.Context, id string) (*Message, error)
	// Messages lists messages newest first.
	Messages(ctx context.Context, f MessageFilter) ([]*Message, error)
	// Window returns when waID last wrote to the number; zero if never.
	Window(ctx context.Context, phoneNumberID, waID string) (time.Time, error)
	// Unfinished returns outbound messages newer than since whose status is
	// accepted, sent or delivered, oldest first: what the network still owes.
	Unfinished(ctx context.Context, since time.Time) ([]*Message, error)
	// DeleteMessages deletes the number's messages whose Timestamp is before
	// before, except outbound ones still accepted, sent or delivered, and returns
	// how many it deleted (On-Premises message garbage collection).
	DeleteMessages(ctx context.Context, phoneNumberID string, before time.Time) (int, error)
	// ExpireMessages deletes up to limit messages of any number whose Timestamp
	// is before before, whatever their status, oldest first per number, in one
	// short write, and returns them as they were read (retention). What analytics
	// count of each is kept, as by DeleteMessages.
	ExpireMessages(ctx context.Context, before time.Time, limit int) ([]*Message, error)
}

// NodeStore keeps which wabi node owes which outbound message its statuses, and
// when each node was last alive, so that the living nodes take over the messages
// of a node that stopped. A message's node is Message.Node, written by Commit.
type NodeStore interface {
	// Heartbeat records that node was alive at now. A heartbeat older than the
	// one recorded is ignored. Only internal errors.
	Heartbeat(ctx context.Context, node string, now time.Time) error
	// AdoptMessages makes node the node of up to limit unfinished messages (as
	// Unfinished: outbound, accepted, sent or delivered, newer than since) of
	// dead nodes, and returns them as they now are, oldest first. A node is dead
	// when its last heartbeat is before deadBefore or it has none (an empty
	// Node included); node itself never is. Adoptions made at once, through one
	// store or several on the same database, never return the same message.
	// The heartbeats of dead nodes are forgotten. Only internal errors; with an
	// error, the messages returned (if any) were adopted all the same.
	AdoptMessages(ctx context.Context, node string, deadBefore, since time.Time, limit int) ([]*Message, error)
}

// DeliveryStore keeps the webhook outbox and its delivery log.
type DeliveryStore interface {
	// PendingDeliveries returns every pending delivery, oldest first.
	PendingDeliveries(ctx context.Context) ([]*Delivery, error)
	// CountPending returns how many deliveries are pending in the store, on
	// every node sharing it: the webhook backlog. Cheap enough to call once a
	// second (a partial index).
	CountPending(ctx context.Context) (int, error)
	// RecordAttempts saves the new state of deliveries and their attempts (if any),
	// atomically and durably, and ends their leases. ENotFound if a delivery
	// does not exist (and then nothing is saved).
	RecordAttempts(ctx context.Context, us []DeliveryUpdate) error
	// ClaimDeliveries leases deliveries to owner until now+lease and returns
	// them: the heads of up to limit keys, oldest first, each followed by up to
	// run-1 deliveries right behind it in its key's order. A head is a pending
	// delivery due at now that comes first among the pending deliveries of its
	// key and that no lease holds (a lease that ran out by now no longer does);
	// the deliveries behind it are taken while they are due and unleased. A
	// lease ends when RecordAttempts writes the delivery or when it runs out;
	// then the delivery, or the next of its key, can be claimed again, by any
	// owner. Claims made at once, through one store or several on the same
	// database, never return a delivery under another's live lease. A run less
	// than 1 is 1. Only internal errors.
	ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, run int) ([]*Delivery, error)
	Delivery(ctx context.Context, id string) (*Delivery, error)
	// Deliveries lists deliveries newest first.
	Deliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
	// Attempts lists a delivery's attempts, first first.
	Attempts(ctx context.Context, deliveryID string) ([]*Attempt, error)
	// ExpireDeliveries deletes up to limit finished deliveries (delivered or
	// failed) whose UpdatedAt is before before, with their attempts, in one short
	// write, and returns how many it deleted (retention). Pending ones stay.
	ExpireDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
}

// Batch is one atomic write: new messages, status changes, window updates and the
// webhook deliveries they cause.
type Batch struct {
	Messages   []*Message
	Statuses   []StatusChange
	Windows    []Window
	Deliveries []*Delivery
}

// StatusChange moves a message to a new status.
type StatusChange struct {
	MessageID string
	Status    Status
	At        time.Time
	Error     *Error
}

// Window records the last inbound message of a chat.
type Window struct {
	PhoneNumberID string
	WaID          string
	LastInbound   time.Time
}

// MessageFilter selects messages. Zero fields do not filter.
type MessageFilter struct {
	PhoneNumberID string
	WaID          string
	Direction     Direction
	Type          Type
	// Status is the message's status now.
	Status Status
	// Since and Until bound the message's Timestamp: Since <= Timestamp <
	// Until.
	Since time.Time
	Until time.Time
	// BeforeID pages: only messages older than this one.
	BeforeID string
	// Limit caps the result; 0 means 100.
	Limit int
}

// DeliveryFilter selects deliveries. Zero fields do not filter.
type DeliveryFilter struct {
	// AppID matches the delivery's target: an app id, or the phone number id of
	// an On-Premises deployment.
	AppID string
	// Dialect is wabi.DialectCloud or wabi.DialectOnPrem.
	Dialect   string
	MessageID string
	State     DeliveryState
	BeforeID  string
	// Limit caps the result; 0 means 100.
	Limit int
}
