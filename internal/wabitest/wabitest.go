// Package wabitest builds the whole of wabi for tests: the real SQLite and blob
// stores, the platform, the simulated network and the webhook engine, all on a
// manual clock. It holds no tests itself and only test files import it; it lives
// outside the _test files so that the test suites of several packages share one
// wiring instead of each keeping a copy.
package wabitest

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/blob"
	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/webhook"
)

// Stack is a running wabi with the demo tenancy in place. Its background parts
// stop, and its store closes, when the test that built it ends.
type Stack struct {
	// Clock drives every timer of the stack; tests move it with Advance.
	Clock *wabi.ManualClock
	// Store is the SQLite store in a temp directory.
	Store *sqlite.Store
	// Blobs holds media bytes in a temp directory, on Clock.
	Blobs *blob.Store
	// Net is the simulated network. It runs even when Options.Network stands in
	// for it as the platform's network, so that its phones can still send.
	Net *sim.Network
	// P is the platform, with both dialects' webhook encoders.
	P *platform.Platform
	// Engine delivers webhooks.
	Engine *webhook.Engine
	// Demo is the demo tenancy, made by the platform at start.
	Demo *platform.Demo
}

// Options are the knobs of New; the zero value is the usual stack.
type Options struct {
	// Network is where the platform sends messages. Nil means the simulated
	// network; another one isolates the send path (benchmarks).
	Network wabi.Network
	// Start is the clock's first reading. Zero means 2026-11-01 12:00 UTC.
	Start time.Time
	// Logger is given to the network, the platform and the engine. Nil leaves
	// each with its own default.
	Logger *slog.Logger
	// VerifyClient makes the callback handshakes. Nil means the webhook
	// package's own client.
	VerifyClient *http.Client
}

// New builds a stack, starts the network and the webhook engine and makes the
// demo tenancy. Cleanup stops the background parts, then closes the store,
// reporting any failure to t. Template reviews are not run: tests that want
// them call P.RunReviews themselves, after setting P.TemplateReviewDelay.
func New(t testing.TB, opts Options) *Stack {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	// Registered first, so that it runs last: after everything that uses the store.
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	start := opts.Start
	if start.IsZero() {
		start = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	}
	clock := wabi.NewManualClock(start)
	blobs, err := blob.Open(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatalf("open blobs: %v", err)
	}
	blobs.Clock = clock
	// Test link servers listen on loopback, which wabi refuses by default.
	fetcher, err := fetch.New([]string{"127.0.0.1/32"})
	if err != nil {
		t.Fatalf("fetcher: %v", err)
	}

	network := sim.New(store, clock)
	var nw wabi.Network = network
	if opts.Network != nil {
		nw = opts.Network
	}
	p := platform.New(store, nw, clock, wabi.NewIDGen(clock))
	p.Encoders[wabi.DialectCloud] = cloudapi.WebhookEncoder{}
	p.Encoders[wabi.DialectOnPrem] = onpremapi.WebhookEncoder{}
	p.Blobs, p.Fetch, p.URLKey = blobs, fetcher, []byte("test url key")
	network.Sink = p
	p.PhoneChanged = network.PhoneChanged
	engine := webhook.NewEngine(store, p, clock)
	p.Webhooks = engine
	p.Verify = func(ctx context.Context, url, token string) error {
		return webhook.VerifyCallback(ctx, opts.VerifyClient, url, token)
	}
	if opts.Logger != nil {
		network.Logger, p.Logger, engine.Logger = opts.Logger, opts.Logger, opts.Logger
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = network.Run(ctx) })
	wg.Go(func() {
		if err := engine.Run(ctx); err != nil {
			t.Errorf("webhook engine: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })

	demo, _, err := p.EnsureDemo(ctx)
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	return &Stack{Clock: clock, Store: store, Blobs: blobs, Net: network, P: p, Engine: engine, Demo: demo}
}
