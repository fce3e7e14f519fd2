package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// The inbox keeps each webhook an upstream posted, as a record (empty scope,
// kind recInbox, key a time-ordered id), from the moment its signature is
// verified until it is applied: the webhook handler answers 200 only once the
// body is stored, so a crash between the answer and the applying loses
// nothing. Nodes sharing a store each drain the inbox; a node claims a stored
// webhook by swapping a lease into its record (SwapRecord) before applying it,
// so that one node applies it while the lease holds. A node that dies while
// applying leaves its lease to run out; another then applies the whole webhook
// again; the webhooks stored after it wait meanwhile, so that they are
// applied in the order they came. Applying twice is harmless for what matters most: a status that does
// not raise a message's rank is ignored, and a message whose id is stored is
// skipped. Errors and template webhooks applied twice reach the apps twice, as
// Meta's own at-least-once webhooks may. Statuses of a message not stored yet
// wait for it apart (inbox_wait.go), so that the webhook is done with.

// Inbox defaults.
const (
	recInbox = "relay_inbox"
	// DefaultInboxEvery is how often the inbox looks for webhooks left by a
	// crash or a failed attempt.
	DefaultInboxEvery = 5 * time.Second
	// DefaultInboxLease is how long a node's claim on a stored webhook holds:
	// how long the webhooks after it wait when the node dies applying it.
	DefaultInboxLease = 15 * time.Second
	// inboxMaxAttempts is how many times a stored webhook is applied before
	// it is given up, logged.
	inboxMaxAttempts = 10
	// inboxKeyDigits pads the keys of stored webhooks so that they sort in
	// the order they were stored.
	inboxKeyDigits = 20
)

// inboxItem is a stored webhook, the value of its record.
type inboxItem struct {
	Body       []byte    `json:"body"`
	ReceivedAt time.Time `json:"received_at"`
	// Attempts counts the claims so far.
	Attempts int `json:"attempts,omitempty"`
	// Claim names the node applying the webhook, until Until.
	Claim string    `json:"claim,omitempty"`
	Until time.Time `json:"until,omitzero"`
}

// Inbox stores the upstream webhooks of relayed numbers and applies them to
// the platform in the order they were stored. Its exported fields must be set
// before Run and not changed after.
type Inbox struct {
	// P is the platform the webhooks are applied to. Required.
	P *platform.Platform
	// Logger logs what cannot be applied. Default P's logger.
	Logger *slog.Logger
	// Every is how often Run looks for leftovers. Default DefaultInboxEvery.
	Every time.Duration
	// Lease is how long a claim holds. Default DefaultInboxLease.
	Lease time.Duration
	// StatusWait is how long the statuses of a message wabi does not hold
	// wait for it (inbox_wait.go). Default DefaultStatusWait.
	StatusWait time.Duration

	kickOnce sync.Once
	kick     chan struct{}
	// waiting counts the messages whose statuses waited at the last drain;
	// only the draining goroutine uses it.
	waiting int
	// apply applies one stored body; nil means (*Inbox).applyBody. Tests
	// make it fail to play a crash.
	apply func(ctx context.Context, body []byte) error
}

// NewInbox returns an inbox over p.
func NewInbox(p *platform.Platform) *Inbox { return &Inbox{P: p} }

func (in *Inbox) logger() *slog.Logger {
	if in.Logger != nil {
		return in.Logger
	}
	if in.P.Logger != nil {
		return in.P.Logger
	}
	return slog.Default()
}

func (in *Inbox) kicks() chan struct{} {
	in.kickOnce.Do(func() { in.kick = make(chan struct{}, 1) })
	return in.kick
}

// Kick asks Run to drain the inbox now. It never blocks.
func (in *Inbox) Kick() {
	select {
	case in.kicks() <- struct{}{}:
	default:
	}
}

// Put stores a webhook body durably and kicks the processor. The body must
// have been verified.
func (in *Inbox) Put(ctx context.Context, body []byte) error {
	now := in.P.Clock().Now()
	v, err := json.Marshal(inboxItem{Body: body, ReceivedAt: now})
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%0*s", inboxKeyDigits, in.P.IDs().NewID())
	if err := in.P.Store().PutRecord(ctx, &wabi.Record{Kind: recInbox, Key: key, Value: v, UpdatedAt: now}); err != nil {
		return fmt.Errorf("relay: store a webhook in the inbox: %w", err)
	}
	in.Kick()
	return nil
}

// Run drains the inbox at once, then whenever Put kicks it and every Every
// (more often while statuses wait for their message), until ctx ends.
func (in *Inbox) Run(ctx context.Context) error {
	every := in.Every
	if every <= 0 {
		every = DefaultInboxEvery
	}
	kick := in.kicks()
	for {
		if _, err := in.Drain(ctx); err != nil && ctx.Err() == nil {
			in.logger().Error("relay: drain the webhook inbox", "err", err)
		}
		next := every
		if in.waiting > 0 {
			next = min(every, waitRetry)
		}
		t := in.P.Clock().AfterFunc(next, in.Kick)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-kick:
			t.Stop()
		}
	}
}

// Drain records the statuses that waited for their message and can be
// recorded now, then applies every stored webhook no other node holds,
// oldest first, and returns how many webhooks it applied or gave up. It fails
// only when the store cannot be read or written.
func (in *Inbox) Drain(ctx context.Context) (int, error) {
	waiting, err := in.retryWaiting(ctx)
	in.waiting = waiting
	if err != nil {
		return 0, err
	}
	recs, err := in.P.Store().Records(ctx, "", recInbox, "")
	if err != nil {
		return 0, fmt.Errorf("relay: read the webhook inbox: %w", err)
	}
	n := 0
	for _, rec := range recs {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		done, err := in.process(ctx, rec)
		if err != nil {
			return n, err
		}
		if !done {
			// Webhooks are applied in the order they came: one held by
			// another node, or that failed, holds back the ones after it, so
			// that a message's "delivered" is never applied after its "read"
			// (which would drop it).
			break
		}
		n++
	}
	return n, nil
}

// process claims one stored webhook, applies it and deletes it. It reports
// whether the webhook is gone from the inbox: applied, given up, or
// unreadable. A webhook another node holds, or whose applying failed, stays.
func (in *Inbox) process(ctx context.Context, rec *wabi.Record) (bool, error) {
	st := in.P.Store()
	var it inboxItem
	if err := json.Unmarshal(rec.Value, &it); err != nil {
		in.logger().Error("relay: an inbox record does not parse; dropped", "key", rec.Key, "err", err)
		return true, in.remove(ctx, rec.Key)
	}
	now := in.P.Clock().Now()
	// A claim of this node that outlived its drain (a failed write) is taken
	// again at once, and so is any claim on a store no other node shares: it
	// was left by this node's previous life, killed while applying.
	if it.Claim != "" && now.Before(it.Until) && it.Claim != in.P.NodeID && !in.P.Alone {
		return false, nil
	}
	lease := in.Lease
	if lease <= 0 {
		lease = DefaultInboxLease
	}
	claimed := it
	claimed.Claim, claimed.Until, claimed.Attempts = in.P.NodeID, now.Add(lease), it.Attempts+1
	v, err := json.Marshal(claimed)
	if err != nil {
		return false, err
	}
	err = st.SwapRecord(ctx, &wabi.Record{Kind: recInbox, Key: rec.Key, Value: v, UpdatedAt: now}, rec.Value)
	if c := wabi.ErrorCode(err); c == wabi.EConflict || c == wabi.ENotFound {
		// Another node claimed it, or applied it, meanwhile.
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("relay: claim a webhook in the inbox: %w", err)
	}
	apply := in.apply
	if apply == nil {
		apply = in.applyBody
	}
	aerr := apply(ctx, it.Body)
	if aerr == nil || claimed.Attempts >= inboxMaxAttempts {
		if aerr != nil {
			in.logger().Error("relay: a stored upstream webhook failed too often; given up", "key", rec.Key,
				"attempts", claimed.Attempts, "err", aerr)
		}
		return true, in.remove(ctx, rec.Key)
	}
	in.logger().Warn("relay: apply a stored upstream webhook; will try again", "key", rec.Key, "attempts", claimed.Attempts, "err", aerr)
	// Let go of the claim so that the next drain, here or on another node,
	// tries again without waiting out the lease.
	released := claimed
	released.Claim, released.Until = "", time.Time{}
	if rv, err := json.Marshal(released); err == nil {
		err = st.SwapRecord(ctx, &wabi.Record{Kind: recInbox, Key: rec.Key, Value: rv, UpdatedAt: in.P.Clock().Now()}, v)
		if err != nil && wabi.ErrorCode(err) != wabi.EConflict {
			return false, fmt.Errorf("relay: release a webhook in the inbox: %w", err)
		}
	}
	return false, nil
}

// remove deletes a stored webhook; one already gone is no error.
func (in *Inbox) remove(ctx context.Context, key string) error {
	err := in.P.Store().DeleteRecord(ctx, "", recInbox, key)
	if err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
		return fmt.Errorf("relay: delete a webhook from the inbox: %w", err)
	}
	return nil
}
