// Package webhook delivers webhooks durably: deliveries are outbox rows written by
// the platform in the same store transaction as the event that caused them, and the
// Engine here POSTs them, records every attempt, retries them, and keeps them in
// order per (receiver, business number, contact) while different contacts proceed
// concurrently. It serves both dialects' receivers: Cloud API deliveries are signed
// with the app secret and retried with exponential backoff and jitter, any 2xx
// answer counting; On-Premises deliveries go unsigned, are retried linearly (3s,
// 6s, 9s ... up to a cap) and count as delivered only on a 200. It also performs
// Meta's callback verification handshake.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/wabi"
)

// Resolver tells where and how a delivery goes now: for a Cloud API app its current
// callback URL (or an override URL) and secret; for an On-Premises deployment its
// webhooks URL, no secret (the body goes unsigned), a linear retry step and cap,
// and OnlyOK. Resolving at every attempt lets a receiver that fixed its callback
// URL get the deliveries that failed before, and the retry after an attempt
// follows the target that attempt resolved. Any error (ENotFound for a deleted
// app, say) fails the attempt, which is retried with the engine's exponential
// backoff.
type Resolver interface {
	Resolve(ctx context.Context, d *wabi.Delivery) (wabi.WebhookTarget, error)
}

// Engine sends deliveries. Create it with NewEngine, set the optional fields, then
// call Run; Enqueue and Redeliver may be called before and while it runs.
type Engine struct {
	// Store keeps the outbox and the delivery log. Required.
	Store wabi.DeliveryStore
	// Resolver gives each attempt its target. Required.
	Resolver Resolver
	// Clock schedules retries. Required.
	Clock wabi.Clock
	// Client sends the POSTs. It should come from the server's fetch.Guard, so
	// deliveries never reach wabi itself. Default: a guarded client that keeps
	// up to Workers connections per host alive, does not follow redirects, and
	// times out after 20s.
	Client *http.Client
	// Logger logs failed attempts (warn) and failed store writes (error).
	// Default slog.Default().
	Logger *slog.Logger
	// Workers caps the POSTs in flight across keys. Default 32.
	Workers int
	// RetryBase is the delay before the first retry; it doubles at each retry, with
	// ±20% jitter. Default 30s. Targets with a RetryStep retry linearly instead.
	RetryBase time.Duration
	// RetryCap is the longest delay between two attempts, and of linear retries
	// whose target has no RetryCap. Default 1h.
	RetryCap time.Duration
	// RetryFor is how long after its CreatedAt a delivery is retried before it is
	// given up as failed, whatever its backoff. Default 7 days.
	RetryFor time.Duration
	// UserAgent is sent with every POST. Default "wabi-webhooks/1".
	UserAgent string
	// OnAttempt, when set, is called after every attempt with copies of the
	// delivery's new state and the attempt, for live views. It must not block for
	// long: it runs on a delivery worker. Default nil.
	OnAttempt func(d *wabi.Delivery, a *wabi.Attempt)
	// Shared makes the engine claim its work from the store, a few deliveries at
	// a time under a lease (Store.ClaimDeliveries), instead of holding every
	// pending delivery in memory: set it when several wabi nodes share one store.
	// Enqueue then only wakes the engine, which claims when woken by Enqueue,
	// Wake, its retry timers or every Poll. Default false: one node owns the
	// store's outbox.
	Shared bool
	// Node names this engine as the owner of its leases; every node sharing a
	// store needs its own. Default a random id.
	Node string
	// Lease is how long a claimed delivery stays this engine's. Another node
	// takes it over once it runs out, so it must outlast a POST (the Client's
	// timeout) and the write of its outcome, and it is how long the deliveries
	// of a node that died wait. Default twice the Client's timeout plus 10s (50s
	// with the default Client), or 1m with a Client that has no timeout.
	Lease time.Duration
	// ClaimRun is how many deliveries of one key a shared engine claims at
	// once: the head and those right behind it. It sends them in turn without
	// claiming again, so a busy chat costs one claim per run, not one per
	// delivery. A run is given back unsent, for any node to claim, when its
	// head is not delivered (a retry, a redelivery, a held fault) or when less
	// than half its lease is left. Default 16.
	ClaimRun int
	// Poll is how often a shared engine claims unasked, to find what no notice
	// told it of: retries other nodes scheduled, deliveries of a node that died.
	// Default 5s.
	Poll time.Duration
	// Announce, when set, is called by a shared engine's Enqueue to tell the
	// other nodes that there is new work, for example with a bus notice that
	// they answer with Wake. It must not block. Default nil: the other nodes
	// find the work when they poll.
	Announce func()
	// Faults decides which deliveries are duplicated, reordered or delayed on
	// purpose (faults.go). Default: the Resolver, when it is a
	// wabi.FaultSource; else none.
	Faults wabi.FaultSource

	running atomic.Bool
	// flushMu serialises store writes so that they land in the order they were made.
	flushMu sync.Mutex
	// wake tells an idle worker that the ready queue may have work.
	wake chan struct{}
	// flushSig tells the collector that updates wait to be written.
	flushSig chan struct{}
	// claimSig tells a shared engine's claimer that there may be work to claim.
	claimSig chan struct{}

	mu     sync.Mutex
	cfg    config
	keys   map[string]*keyQueue
	byID   map[string]*entry
	ready  []*keyQueue
	active int // POSTs in flight
	// loaded holds the ids read from the store at the start of Run for a short
	// while, so that the platform's Enqueue of a delivery committed just before the
	// start does not send it a second time after it was delivered.
	loaded   map[string]bool
	writes   []wabi.DeliveryUpdate
	flushing bool
	// retryWake holds a shared engine's timers that claim again when a retry it
	// scheduled falls due, by delivery id.
	retryWake map[string]wabi.Timer
	// behind holds the ids of the deliveries a shared engine held back for the
	// next of their key (webhook_reordered), to requeue when next claimed.
	behind map[string]bool
}

// config is the Engine's fields with defaults applied, fixed for one Run.
type config struct {
	client    *http.Client
	workers   int
	retryBase time.Duration
	retryCap  time.Duration
	retryFor  time.Duration
	userAgent string
	onAttempt func(d *wabi.Delivery, a *wabi.Attempt)
	shared    bool
	node      string
	lease     time.Duration
	claimRun  int
	poll      time.Duration
	faults    wabi.FaultSource
}

// NewEngine returns an Engine over the store, resolving targets with r and timing
// retries with c.
func NewEngine(store wabi.DeliveryStore, r Resolver, c wabi.Clock) *Engine {
	return &Engine{
		Store:    store,
		Resolver: r,
		Clock:    c,
		wake:     make(chan struct{}, 1),
		flushSig: make(chan struct{}, 1),
		claimSig: make(chan struct{}, 1),
		keys:     map[string]*keyQueue{},
		byID:     map[string]*entry{},

		retryWake: map[string]wabi.Timer{},
	}
}

// config applies the defaults to the optional fields.
func (e *Engine) config() config {
	c := config{
		client:    e.Client,
		workers:   e.Workers,
		retryBase: e.RetryBase,
		retryCap:  e.RetryCap,
		retryFor:  e.RetryFor,
		userAgent: e.UserAgent,
		onAttempt: e.OnAttempt,
		shared:    e.Shared,
		node:      e.Node,
		lease:     e.Lease,
		claimRun:  e.ClaimRun,
		poll:      e.Poll,
	}
	if c.workers <= 0 {
		c.workers = 32
	}
	if c.retryBase <= 0 {
		c.retryBase = 30 * time.Second
	}
	if c.retryCap <= 0 {
		c.retryCap = time.Hour
	}
	if c.retryFor <= 0 {
		c.retryFor = 7 * 24 * time.Hour
	}
	if c.userAgent == "" {
		c.userAgent = "wabi-webhooks/1"
	}
	if c.client == nil {
		c.client = newClient(c.workers, 20*time.Second)
	}
	if c.node == "" {
		c.node = randomNode()
	}
	if c.lease <= 0 {
		c.lease = time.Minute
		if c.client.Timeout > 0 {
			c.lease = 2*c.client.Timeout + 10*time.Second
		}
	}
	if c.claimRun <= 0 {
		c.claimRun = 16
	}
	if c.poll <= 0 {
		c.poll = 5 * time.Second
	}
	if c.faults = e.Faults; c.faults == nil {
		c.faults, _ = e.Resolver.(wabi.FaultSource)
	}
	return c
}

// newClient returns a client for many small POSTs to few hosts through a
// Guard that knows no listener of wabi's: connections are kept alive and
// reused up to conns, loopback and private receivers are reached, and
// redirects are answers, not something to follow, as at Meta. wabi serve
// passes clients from its own Guard instead.
func newClient(conns int, timeout time.Duration) *http.Client {
	return (&fetch.Guard{}).MustClient(fetch.Policy{Internal: true}, fetch.ClientOptions{Conns: conns, Timeout: timeout})
}

// Sign returns the X-Hub-Signature-256 value of body: "sha256=" and the lowercase
// hex HMAC-SHA256 of the exact bytes under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
