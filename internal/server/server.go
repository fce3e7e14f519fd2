// Package server assembles a whole wabi: the store, the platform and its
// simulated network, the webhook engine, the relay, the Cloud, On-Premises and
// control APIs and the console, behind one HTTP server. wabi serve parses its
// flags and environment into a Config and calls Start; wabitest starts one
// inside a Go test.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wabihq/wabi/internal/adminkey"
	"github.com/wabihq/wabi/internal/blob"
	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/console"
	"github.com/wabihq/wabi/internal/controlapi"
	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/httplog"
	"github.com/wabihq/wabi/internal/live"
	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/relay"
	"github.com/wabihq/wabi/internal/scenario"
	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/webhook"
)

// Server is a running wabi: its HTTP server on a listener, its store, and the
// background work (webhook engine, network, relay inbox, sweeps) behind them.
type Server struct {
	url  string
	log  *slog.Logger
	srv  *http.Server
	done chan struct{}
	err  error
	stop context.CancelFunc
}

// URL is the server's base URL, http://host:port, without a trailing slash.
func (s *Server) URL() string { return s.url }

// Wait blocks until the server has stopped, because the context given to
// Start ended, Close was called or the listener failed, and returns why it
// stopped: nil after a clean shutdown.
func (s *Server) Wait() error {
	<-s.done
	return s.err
}

// Close shuts the server down as the end of Start's context does: open
// requests get up to 10 seconds to finish, then the background work stops and
// the store closes. It returns what Wait returns.
func (s *Server) Close() error {
	s.stop()
	return s.Wait()
}

// cleanups runs the functions it was given in reverse order, once: what a
// start opened, closed when the server stops or when the start fails.
type cleanups []func()

func (c *cleanups) add(f func()) { *c = append(*c, f) }

func (c *cleanups) run() {
	for i := len(*c) - 1; i >= 0; i-- {
		(*c)[i]()
	}
	*c = nil
}

// Start opens the store cfg names, listens on cfg.Addr, prints the banner
// to cfg.Banner and serves until ctx ends or Close is called. An error means
// nothing was left open.
func Start(ctx context.Context, cfg *Config) (_ *Server, err error) {
	var undo cleanups
	defer func() {
		if err != nil {
			undo.run()
		}
	}()
	log := cfg.logger()
	// A broken scenario stops wabi before it opens anything.
	var world *scenario.Scenario
	if cfg.Scenario != "" {
		if world, err = scenario.Load(cfg.Scenario, cfg.env); err != nil {
			return nil, err
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s is already in use, perhaps by another wabi: pick another port with -addr or WABI_ADDR, e.g. WABI_ADDR=127.0.0.1:8081", cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s (set -addr or WABI_ADDR): %w", cfg.Addr, err)
	}
	undo.add(func() { ln.Close() })
	if err := openDataDir(cfg.Data); err != nil {
		return nil, err
	}
	// Beyond loopback the control API is never open: without WABI_ADMIN_KEY,
	// wabi uses the key kept in the data directory, made on the first start
	// beyond loopback (internal/adminkey, docs/security.md).
	if cfg.AdminKey == "" {
		if cfg.AdminKey, err = adminkey.ForServer(cfg.Data, ln.Addr(), log); err != nil {
			return nil, err
		}
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	undo.add(func() { store.Close() })

	blobs, err := blob.Open(cfg.mediaDir())
	if err != nil {
		return nil, fmt.Errorf("open media store: %w", err)
	}
	// Nodes on one PostgreSQL database tell each other what changed through
	// it; a node on SQLite is alone and has no bus.
	nodeBus, pgBus, err := openBus(cfg, log)
	if err != nil {
		return nil, err
	}
	// Every outbound request passes one guard that knows wabi's own listener,
	// so no tenant can make wabi call itself (its control API is open on
	// loopback) or a metadata service.
	guard, err := fetch.NewGuard([]net.Addr{ln.Addr()}, cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	fetcher, err := fetch.New(cfg.MediaFetchAllow)
	if err != nil {
		return nil, err
	}
	fetcher.Guard = guard
	hooks := fetch.Policy{Internal: cfg.WebhookTargets == "local", Allow: cfg.WebhookAllow, Env: "WABI_WEBHOOK_ALLOW"}
	hookClient, err := guard.Client(hooks, fetch.ClientOptions{Conns: 64, Timeout: cfg.WebhookTimeout})
	if err != nil {
		return nil, err
	}
	verifyClient, err := guard.Client(hooks, fetch.ClientOptions{Conns: 1, Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}

	clock := wabi.SystemClock{}
	blobs.Clock = clock
	ids := wabi.NewIDGen(clock)
	network := sim.New(store, clock)
	network.Logger = log
	p := platform.New(store, network, clock, ids)
	p.Logger = log
	p.DefaultAPIVersion = cfg.APIVersion
	p.WindowErrorSync = cfg.WindowErrorSync
	p.QualityRules = &cfg.Quality
	if cfg.Limits == "meta" {
		p.Limits = platform.MetaLimits()
	}
	p.Blobs, p.Fetch = blobs, fetcher
	// Relayed numbers' calls to their upstream pass the guard too. Only the
	// operator names an upstream, so it may be on an internal network (a
	// wabi in front of another); wabi itself stays refused.
	relayClient, err := guard.Client(fetch.Policy{Internal: true}, fetch.ClientOptions{Conns: 16, Timeout: relay.DefaultTimeout})
	if err != nil {
		return nil, err
	}
	p.Upstream = &relay.Client{HTTP: relayClient, Log: p.LogRelayExchange}
	if p.URLKey, err = urlKey(ctx, cfg, p); err != nil {
		return nil, err
	}
	if err := useKeys(ctx, cfg, p, log); err != nil {
		return nil, err
	}
	p.Encoders[wabi.DialectCloud] = cloudapi.WebhookEncoder{}
	p.Encoders[wabi.DialectOnPrem] = onpremapi.WebhookEncoder{}
	// The upstreams of relayed numbers post their webhooks to /relay/webhook,
	// where each is stored in the inbox before it is answered and applied
	// after; the media of their inbound messages is fetched from the upstream
	// the first time a client asks for it.
	inbox := relay.NewInbox(p)
	inbox.Logger = log
	relayHook := &relay.Webhook{P: p, Inbox: inbox, Logger: log}
	upstreamMedia, err := guard.Client(fetch.Policy{Internal: true}, fetch.ClientOptions{Conns: 4, Timeout: relay.DefaultMediaTimeout})
	if err != nil {
		return nil, err
	}
	p.RelayMedia = &relay.MediaFetcher{P: p, HTTP: upstreamMedia}
	network.Sink = p
	p.PhoneChanged = network.PhoneChanged
	p.Bus = nodeBus
	// A node on SQLite is alone: at start it takes back every unfinished
	// message at once. Nodes on PostgreSQL take over those of nodes whose
	// heartbeat stopped (p.NodeID is new on every start).
	p.Alone = !isPostgres(cfg.Store)
	undo.add(p.JoinBus())

	engine := webhook.NewEngine(store, p, clock)
	engine.Logger = log
	engine.RetryFor = cfg.WebhookRetryFor
	engine.RetryBase = cfg.WebhookRetryMin
	engine.Client = hookClient
	// Nodes on one database claim deliveries from it under leases, and tell
	// each other of new work through the bus.
	engine.Shared, engine.Node = !p.Alone, p.NodeID
	if nodeBus != nil {
		undo.add(nodeBus.Subscribe("webhooks", func([]byte) { engine.Wake() }))
		engine.Announce = func() { _ = nodeBus.Publish(context.Background(), "webhooks", nil) }
	}
	// The console sees messages and webhook deliveries change as they happen;
	// the metrics (GET /api/metrics) count them.
	hub := &live.Hub{Bus: nodeBus, Logger: log}
	undo.add(hub.Join(store))
	mx := newMetrics(store, p, engine)
	p.OnMessage = func(m *wabi.Message) { hub.Message(m); mx.Message(m) }
	p.OnDeliveries = func(ds []*wabi.Delivery) { hub.Deliveries(ds); mx.Deliveries(ds) }
	engine.OnAttempt = func(d *wabi.Delivery, a *wabi.Attempt) { hub.Delivery(d, a); mx.Attempt(d, a) }
	p.Webhooks = engine
	p.Verify = func(ctx context.Context, url, token string) error {
		return webhook.VerifyCallback(ctx, verifyClient, url, token)
	}

	if !p.Alone {
		// Nodes on one store need different numbers in their ids.
		if ids.Node, err = p.ClaimIDNode(ctx); err != nil {
			return nil, err
		}
	}
	// A scenario is the world: no demo is made beside it.
	var demo *platform.Demo
	var created bool
	if world == nil {
		if demo, created, err = p.EnsureDemo(ctx); err != nil {
			return nil, fmt.Errorf("create demo data: %w", err)
		}
	}

	// Faults set before this start (they are kept in the store) fire from the
	// first request on.
	if err := p.LoadFaults(ctx); err != nil {
		return nil, fmt.Errorf("load faults: %w", err)
	}

	base := "http://" + ln.Addr().String()
	links := map[string]string{
		"cloud_api":   base + "/" + cfg.APIVersion + "/",
		"onprem_api":  base + "/v1/",
		"control_api": base + "/api/",
		"console":     base + "/",
	}
	cloud := cloudapi.New(p)
	cloud.DefaultVersion = cfg.APIVersion
	cloud.PublicURL = cfg.PublicURL
	cloud.Logger = log
	onprem := onpremapi.New(p)
	onprem.APIKey = cfg.OnPremAPIKey
	onprem.PublicURL = cfg.PublicURL
	onprem.Logger = log
	control := &controlapi.API{Platform: p, Sim: network, Webhooks: engine, AdminKey: cfg.AdminKey, PublicURL: cfg.PublicURL, Links: links, Logger: log, Live: hub, Metrics: mx.Handler()}
	var applier *scenario.Applier
	var applied *scenario.Result
	if world != nil {
		if applier, applied, err = applyScenario(ctx, world, cfg, store, clock, scenarioHandler(control.Handler(), onprem), log); err != nil {
			return nil, err
		}
	}

	// Read and idle timeouts (limits.go); no write timeout, for the event stream.
	hs := newHTTPServer(handler(cloud, onprem, control.Handler(), relayHook, log, mx.Request), defaultLimits())
	// Shutdown waits for open requests: live event streams must end for it.
	hs.RegisterOnShutdown(hub.Close)

	// Background parts stop after the HTTP server, so in-flight requests finish.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	undo.add(stopBG)
	var wg sync.WaitGroup
	undo.add(func() { stopBG(); wg.Wait() })
	if pgBus != nil {
		wg.Go(func() { _ = pgBus.Run(bg) })
	}
	wg.Go(func() { _ = engine.Run(bg) })
	wg.Go(func() { _ = inbox.Run(bg) })
	wg.Go(func() { _ = network.Run(bg) })
	p.MessageRetention, p.DeliveryRetention = cfg.MessageRetention, cfg.DeliveryRetention
	wg.Go(func() { _ = p.RunRetention(bg, cfg.MediaSweep) })
	// Templates submitted through Graph are reviewed a few seconds later, as at
	// Meta (where it takes minutes to hours); pending reviews resume here.
	p.TemplateReviewDelay = cfg.ReviewDelay
	wg.Go(func() { _ = p.RunReviews(bg) })
	n, err := p.Recover(bg)
	if err != nil {
		return nil, fmt.Errorf("recover unfinished messages: %w", err)
	}
	if n > 0 {
		log.Info("handed unfinished messages back to the network", "count", n)
	}
	wg.Go(func() { _ = p.RunAdoption(bg, platform.DefaultHeartbeat) })
	wg.Go(func() { _ = p.RunFaults(bg, platform.DefaultFaultPoll) })
	// Tier upgrades, ratings that recover as blocks and reports age, and
	// throughput upgrades that end happen even on a number that sends nothing.
	wg.Go(func() { _ = p.RunQuality(bg, platform.DefaultQualitySweep) })
	if applied != nil && len(applied.Pending()) > 0 {
		// Callback URLs whose receiver was not up yet get their webhook once it is.
		wg.Go(func() { applier.Retry(bg, applied, scenarioRetryEvery) })
	}

	s := &Server{url: base, log: log, srv: hs, done: make(chan struct{})}
	life, stop := context.WithCancel(ctx)
	s.stop = stop
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	if cfg.Banner != nil {
		if applied != nil {
			printScenario(cfg.Banner, cfg, links, applied)
		} else {
			printBanner(cfg.Banner, cfg, links, demo, created)
		}
	}
	log.Info("wabi listening", "addr", ln.Addr().String(), "data", cfg.Data, "node", p.NodeID)
	// From here on the server owns what was opened: it closes it when it
	// stops.
	opened := undo
	undo = nil
	go s.run(life, serveErr, opened)
	return s, nil
}

// run waits for the end of the server's life or of its listener, then shuts
// down: the HTTP server first, so that open requests finish, then the
// background work and the store.
func (s *Server) run(life context.Context, serveErr <-chan error, opened cleanups) {
	var err error
	select {
	case err = <-serveErr:
	case <-life.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = s.srv.Shutdown(shutdown)
		cancel()
	}
	s.stop()
	opened.run()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.log.Info("wabi stopped")
	s.err = err
	close(s.done)
}

// handler routes a request to the API that owns its path (upstream webhooks
// of relayed numbers to relayHook), and logs it: API requests and upstream
// webhooks at info, the console's files and health checks at debug. Every
// request is told to observe once answered.
func handler(cloud *cloudapi.API, onprem *onpremapi.API, control http.Handler, relayHook http.Handler, log *slog.Logger,
	observe func(*http.Request, int, wabi.Code, time.Duration)) http.Handler {
	mux := http.NewServeMux()
	ui := console.Handler()
	mux.Handle("/api/", control)
	mux.Handle(relay.WebhookPath, relayHook)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if cloudapi.Owns(r.URL.Path) {
			cloud.ServeHTTP(w, r)
			return
		}
		if onpremapi.Owns(r.URL.Path) {
			onprem.ServeHTTP(w, r)
			return
		}
		// Everything else is the console's: its page and static files.
		ui.ServeHTTP(w, r)
	})
	requests := &httplog.Logger{Logger: log, Observe: observe, Quiet: func(r *http.Request) bool {
		p := r.URL.Path
		return !strings.HasPrefix(p, "/api/") && p != relay.WebhookPath && !cloudapi.Owns(p) && !onpremapi.Owns(p)
	}}
	return requests.Wrap(mux)
}

func printBanner(w io.Writer, cfg *Config, links map[string]string, d *platform.Demo, created bool) {
	state := "existing"
	if created {
		state = "new"
	}
	fmt.Fprintf(w, "wabi %s listening on %s (data in %s, %s)\n\n", cfg.Version, links["console"], cfg.Data, state)
	fmt.Fprintf(w, "  Cloud API     %s\n", links["cloud_api"])
	fmt.Fprintf(w, "  On-Prem API   %s\n", links["onprem_api"])
	fmt.Fprintf(w, "  Control API   %s (ids and token as JSON: %sinfo)\n", links["control_api"], links["control_api"])
	if d.WABA != nil && d.Phone != nil && d.App != nil && d.Token != nil {
		fmt.Fprintf(w, "\n  Business          %s  %s\n", d.Business.ID, d.Business.Name)
		fmt.Fprintf(w, "  WABA              %s\n", d.WABA.ID)
		fmt.Fprintf(w, "  Phone number id   %s  (+%s, %s)\n", d.Phone.ID, d.Phone.DisplayPhoneNumber, d.Phone.Platform)
		if d.OnPremPhone != nil {
			fmt.Fprintf(w, "  On-Prem number    %s  (+%s, %s; log in as admin/secret and set a new password)\n", d.OnPremPhone.ID, d.OnPremPhone.DisplayPhoneNumber, d.OnPremPhone.Platform)
		}
		fmt.Fprintf(w, "  App id / secret   %s / %s\n", d.App.ID, d.App.Secret)
		fmt.Fprintf(w, "  Access token      %s\n", d.Token.Value)
		if d.Customer != nil {
			fmt.Fprintf(w, "  Virtual phone     +%s (%s)\n", d.Customer.WaID, d.Customer.ProfileName)
		}
		fmt.Fprintf(w, "\n  Try: curl -s %s%s/messages -H 'Authorization: Bearer %s' \\\n", links["cloud_api"], d.Phone.ID, d.Token.Value)
		fmt.Fprintf(w, "         -H 'Content-Type: application/json' -d '{\"messaging_product\":\"whatsapp\",\"to\":\"%s\",\"type\":\"template\",\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}'\n", platform.DemoCustomerNumber)
	}
	fmt.Fprintln(w)
}

// secretFile returns the 32-byte secret kept in path, creating it on first use.
func secretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) == 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return b, nil
}
