// Package platform holds every business rule of wabi, once: who may do what, message
// validation, the 24-hour customer service window, template matching, status
// transitions and webhook fan-out. The API dialects call it with neutral wabi types;
// stores and networks below it hold no rules.
package platform

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/seal"
	"github.com/wabihq/wabi/internal/wabi"
)

// Enqueuer takes webhook deliveries that were just committed to the store.
type Enqueuer interface {
	Enqueue(ds ...*wabi.Delivery)
}

// VerifyFunc performs the webhook verification handshake against a callback URL.
type VerifyFunc func(ctx context.Context, callbackURL, verifyToken string) error

// Platform applies wabi's rules over a store and a network.
type Platform struct {
	store wabi.Store
	net   wabi.Network
	clock wabi.Clock
	ids   wabi.IDSource

	// Webhooks receives committed deliveries. Default: none (deliveries wait in the
	// store for the next start).
	Webhooks Enqueuer
	// Verify checks a callback URL before it is saved. Default: no check.
	Verify VerifyFunc
	// Blobs keeps media bytes. Default nil: media uploads and links fail.
	Blobs wabi.BlobStore
	// Fetch gets media links. Default nil: sends by link fail with EMediaUpload.
	Fetch wabi.Fetcher
	// URLKey signs media download URLs. Set it to a secret kept across restarts,
	// or URLs handed out before a restart stop working.
	URLKey []byte
	// Encoders render webhook bodies per dialect (wabi.DialectCloud, ...).
	Encoders map[string]wabi.WebhookEncoder
	// PhoneChanged is told about every virtual phone created or changed, so the
	// network can drop what it cached and release what it held. Default nil.
	PhoneChanged func(vp *wabi.VirtualPhone)
	// OnMessage is called after a message is committed, created or changed; must
	// not block; default nil. It gets a copy of the message in its new state,
	// which it must treat as read-only: the copy shares the content's objects.
	OnMessage func(m *wabi.Message)
	// OnDeliveries is called with copies of webhook deliveries just committed,
	// before the webhook engine gets them; must not block; default nil.
	OnDeliveries func(ds []*wabi.Delivery)
	// Seal seals the secrets of relayed numbers (relay.go). Without it no
	// number can be put on the relay.
	Seal *seal.Ring
	// RelayMedia fetches from its upstream the media of a relayed number's
	// inbound message the first time a client asks for it (relay_inbound.go).
	// Default nil: such media cannot be fetched.
	RelayMedia RelayMediaFetcher
	// Upstream carries the sends, read receipts, media and templates of
	// relayed numbers to their upstream (relay_send.go). Default nil: a
	// relayed number cannot send.
	Upstream Upstream
	// Logger logs what goes wrong in the background. Default slog.Default().
	Logger *slog.Logger
	// DefaultAPIVersion is the Graph version of new apps. Default "v23.0".
	DefaultAPIVersion string
	// WindowErrorSync answers a free-form send outside the customer service window
	// with a synchronous error instead of a failed status webhook. Default false,
	// as at Meta.
	WindowErrorSync bool
	// CacheTTL bounds how stale cached tenancy objects (numbers, apps, tokens,
	// subscriptions) may be when another node changed them. Default 2s; changes made
	// through this Platform are seen at once, and on the nodes that hear of them
	// through Bus as soon as they do.
	CacheTTL time.Duration
	// Bus tells the other nodes sharing the store what this one changed (cache
	// entries it dropped, messages whose status it moved), and, after JoinBus,
	// tells this one what they changed. Default nil: a single node, nothing is
	// published and nothing costs more.
	Bus wabi.Bus
	// Rates is the rate card of pricing and conversation analytics: US dollars per
	// delivered message, by pricing category in lower case ("marketing"); a
	// category not listed costs nothing. Default DefaultRates(), illustrative
	// figures, not Meta's prices.
	Rates map[string]float64
	// TemplateReviewDelay is how long the review of a submitted or edited
	// template takes (see RunReviews). Negative: templates stay PENDING until the
	// control API decides. Default 0: they are reviewed at once.
	TemplateReviewDelay time.Duration
	// ReviewTemplate decides pending templates. Default DefaultReview.
	ReviewTemplate ReviewPolicy
	// MessageRetention is how long messages and the media that came with them are
	// kept (see RunRetention). Default DefaultMessageRetention; 0 keeps them forever.
	MessageRetention time.Duration
	// DeliveryRetention is how long a webhook delivery is kept after it was
	// delivered or given up. Default DefaultDeliveryRetention; 0 keeps them forever.
	DeliveryRetention time.Duration
	// NodeID is this node's id among the nodes sharing the store, new on every
	// start: the outbound messages it commits are its network's to finish,
	// until it stops heartbeating and the others adopt them (see Recover and
	// RunAdoption). Default: a random id made by New.
	NodeID string
	// Alone says that no other node shares the store (SQLite): Recover then
	// adopts every unfinished message at once, as whatever node had it was an
	// earlier run of this one. Default false: Recover adopts only the messages
	// of nodes dead for NodeTimeout.
	Alone bool
	// NodeTimeout is how long a node may go without a heartbeat before the
	// others adopt its messages. Default DefaultNodeTimeout.
	NodeTimeout time.Duration
	// Limits are the rate limits of every number and WABA that has no
	// override of its own (see limits_config.go). Default: the zero value,
	// off, with Meta's values for numbers and WABAs whose override turns them
	// on; wabi serve sets MetaLimits() unless WABI_LIMITS=off.
	Limits LimitConfig
	// QualityRules are the timings of messaging limits and quality ratings
	// (tier upgrades, RED numbers, throughput upgrades). Default nil: Meta's,
	// MetaQualityRules().
	QualityRules *QualityRules
	// idNode is the key of the node number this node leases, "" for none.
	idNode   string
	idNodeMu sync.Mutex

	tpl    templateState
	cache  cache
	recent recent
	typing sync.Map // chat key → time the typing indicator ends
	// faults are the injected faults this node knows of (faults_fire.go).
	faults faultState
	// stickerMu serialises this node's changes to sticker packs: adding a
	// sticker reads and bumps its pack's next index, which must not be lost to a
	// concurrent change. Across nodes, changePack's compare-and-set keeps it.
	stickerMu sync.Mutex
	reach     reachState
}

// New returns a Platform. Set the optional fields before first use.
func New(store wabi.Store, net wabi.Network, clock wabi.Clock, ids wabi.IDSource) *Platform {
	return &Platform{
		store:             store,
		net:               net,
		clock:             clock,
		ids:               ids,
		Encoders:          map[string]wabi.WebhookEncoder{},
		DefaultAPIVersion: "v23.0",
		CacheTTL:          2 * time.Second,
		MessageRetention:  DefaultMessageRetention,
		DeliveryRetention: DefaultDeliveryRetention,
		NodeID:            ids.NewSecret(9),
		NodeTimeout:       DefaultNodeTimeout,
	}
}

// Store returns the store the platform works on, for read-only views.
func (p *Platform) Store() wabi.Store { return p.store }

// Clock returns the platform's clock.
func (p *Platform) Clock() wabi.Clock { return p.clock }

// IDs returns the platform's id source.
func (p *Platform) IDs() wabi.IDSource { return p.ids }

func (p *Platform) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}
