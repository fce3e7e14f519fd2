// Package metrics counts what a wabi server does, in Prometheus's format: sends
// and their outcomes, statuses, inbound messages, webhook attempts and backlog,
// store commits, limits hit, faults fired and HTTP requests, beside Go's runtime
// and the process. Each Metrics has its own registry, so that several servers in
// one process (tests) do not collide; nothing is registered at import.
//
// The counts come from hooks the server already has: the platform's OnMessage
// and OnDeliveries, the webhook engine's OnAttempt, the request log's Observe
// and the stores' ObserveCommits. Each costs an atomic add or a histogram
// observation on a label child resolved once, so the send path pays next to
// nothing. docs/metrics.md describes every family.
package metrics

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wabihq/wabi/internal/wabi"
)

// The APIs HTTP requests are counted by.
const (
	APICloud   = "cloud"
	APIOnPrem  = "onprem"
	APIControl = "control"
	APIConsole = "console"
)

var apis = [...]string{APICloud, APIOnPrem, APIControl, APIConsole}

// Outcomes of a send besides a refusal's error code.
const (
	// OutcomeAccepted is a send the API accepted (200) and committed.
	OutcomeAccepted = "accepted"
	// OutcomeError is a refusal without a domain code (an internal error).
	OutcomeError = "error"
)

// Results of a webhook attempt.
const (
	ResultDelivered    = "delivered"
	ResultHTTPError    = "http_error"
	ResultNetworkError = "network_error"
)

// limitOf names the limit a domain code says was hit, "" for other codes.
func limitOf(c wabi.Code) string {
	switch c {
	case wabi.ERateLimit:
		return "throughput"
	case wabi.EPairRateLimit:
		return "pair"
	case wabi.ECallLimit:
		return "calls"
	case wabi.EMessagingLimit:
		return "messaging_tier"
	case wabi.ESpamLimit:
		return "spam"
	}
	return ""
}

var limits = [...]string{"throughput", "pair", "calls", "messaging_tier", "spam"}

// Metrics is the registry of one wabi server and the hooks that fill it. Set
// the optional fields before the server starts; every method is safe for
// concurrent use.
type Metrics struct {
	// API tells which API serves a request path: APICloud, APIOnPrem,
	// APIControl or APIConsole. Default: paths under /api/ are the control
	// API's, the rest the console's.
	API func(path string) string
	// Number tells the dialect of a business number by its id (wabi.DialectCloud
	// or wabi.DialectOnPrem), and whether it exists. It is asked once per number,
	// when the number is first seen, and for refused sends to a number never
	// seen, so that an unknown id in a path never becomes a label. Default nil:
	// sends are labelled with the number only when it was seen sending, and
	// their dialect is "".
	Number func(ctx context.Context, id string) (dialect string, ok bool)
	// Backlog counts the webhook deliveries waiting or in flight, for the
	// wabi_webhook_backlog gauge at each scrape. It must be cheap (the engine's
	// Pending). Default nil: the gauge reads 0.
	Backlog func() int
	// Pending counts the deliveries pending in the store, on every node sharing
	// it, for the wabi_webhook_pending gauge (the store's CountPending). Default
	// nil: the gauge reads 0.
	Pending func(ctx context.Context) (int, error)
	// Faults lists the injected faults with their hit counts, read at each
	// scrape for wabi_faults_fired_total. Default nil: no fault is counted.
	Faults func(ctx context.Context) ([]*wabi.Fault, error)

	reg *prometheus.Registry

	pendingMu   sync.Mutex
	pendingLast int

	sends         *prometheus.CounterVec
	inbound       *prometheus.CounterVec
	statuses      [4]prometheus.Counter // by statusIndex
	failed        *prometheus.CounterVec
	limits        map[string]prometheus.Counter
	queued        dialectCounters
	attempts      *prometheus.CounterVec
	attemptsFixed map[[2]string]prometheus.Counter // dialect, result
	givenUp       dialectCounters
	hookLatency   *prometheus.HistogramVec
	hookLatencyOf map[string]prometheus.Observer // by dialect
	commitLatency *prometheus.HistogramVec
	commitSize    *prometheus.HistogramVec
	requests      [len(apis)][5]prometheus.Counter // api, status class 2xx..5xx, other
	reqLatency    [len(apis)]prometheus.Observer

	// numbers are the label children of the business numbers seen, by id.
	numbers sync.Map // string → *number
}

// number holds the label children of one business number.
type number struct {
	dialect  string
	accepted prometheus.Counter
	inbound  prometheus.Counter
}

// statusIndex is where a status's counter is in Metrics.statuses, -1 for a
// status that is not counted.
func statusIndex(s wabi.Status) int {
	switch s {
	case wabi.StatusSent:
		return 0
	case wabi.StatusDelivered:
		return 1
	case wabi.StatusRead:
		return 2
	case wabi.StatusFailed:
		return 3
	}
	return -1
}

// latencyBuckets span 100 µs to 10 s: a commit's fsync, a send, a webhook
// receiver's answer.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns a Metrics with every family registered, and Go's runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}
	m.sends = f.counterVec("wabi_sends_total",
		"Messages businesses sent through the Cloud and On-Premises APIs, by business number, dialect and outcome: accepted, or the domain error code of the refusal.",
		"phone_number_id", "dialect", "outcome")
	m.inbound = f.counterVec("wabi_inbound_messages_total",
		"Messages virtual phones sent to business numbers, by business number.",
		"phone_number_id")
	statuses := f.counterVec("wabi_statuses_total",
		"Statuses of outbound messages committed: sent, delivered, read, failed.", "status")
	for _, s := range []wabi.Status{wabi.StatusSent, wabi.StatusDelivered, wabi.StatusRead, wabi.StatusFailed} {
		m.statuses[statusIndex(s)] = statuses.WithLabelValues(string(s))
	}
	m.failed = f.counterVec("wabi_messages_failed_total",
		"Outbound messages that failed, by the domain error code of the failure.", "code")
	hits := f.counterVec("wabi_limits_hit_total",
		"Sends and calls refused or failed by one of Meta's limits: throughput, pair, calls, messaging_tier, spam.", "limit")
	m.limits = make(map[string]prometheus.Counter, len(limits))
	for _, l := range limits {
		m.limits[l] = hits.WithLabelValues(l)
	}
	m.queued = newDialectCounters(f.counterVec("wabi_webhooks_queued_total",
		"Webhook deliveries committed to the outbox, by dialect.", "dialect"))
	m.attempts = f.counterVec("wabi_webhook_attempts_total",
		"Webhook POSTs made, by dialect and result: delivered, http_error (an answer that does not count as delivered), network_error (no answer).",
		"dialect", "result")
	m.attemptsFixed = map[[2]string]prometheus.Counter{}
	for _, d := range []string{wabi.DialectCloud, wabi.DialectOnPrem} {
		for _, r := range []string{ResultDelivered, ResultHTTPError, ResultNetworkError} {
			m.attemptsFixed[[2]string{d, r}] = m.attempts.WithLabelValues(d, r)
		}
	}
	m.givenUp = newDialectCounters(f.counterVec("wabi_webhooks_given_up_total",
		"Webhook deliveries given up as failed after their retry period, by dialect.", "dialect"))
	m.hookLatency = f.histogramVec("wabi_webhook_attempt_seconds",
		"Time from a webhook POST to its receiver's answer or the error, by dialect.", "dialect")
	m.hookLatencyOf = map[string]prometheus.Observer{
		wabi.DialectCloud:  m.hookLatency.WithLabelValues(wabi.DialectCloud),
		wabi.DialectOnPrem: m.hookLatency.WithLabelValues(wabi.DialectOnPrem),
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wabi_webhook_backlog",
		Help: "Webhook deliveries this node holds, waiting or in flight.",
	}, func() float64 {
		if m.Backlog == nil {
			return 0
		}
		return float64(m.Backlog())
	}))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wabi_webhook_pending",
		Help: "Webhook deliveries pending in the store, on every node sharing it: the backlog of the whole cluster.",
	}, m.pendingNow))
	m.commitLatency = f.histogramVec("wabi_store_commit_seconds",
		"Time of one group commit of the store's writer, by store (sqlite, postgres).", "store")
	m.commitSize = f.register(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "wabi_store_commit_requests",
		Help:    "Write requests carried by one group commit of the store's writer, by store.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024},
	}, []string{"store"})).(*prometheus.HistogramVec)
	requests := f.counterVec("wabi_http_requests_total",
		"HTTP requests served, by API (cloud, onprem, control, console) and status class: 2xx, 3xx, 4xx (with 499, a client that hung up), 5xx, other.",
		"api", "code")
	latency := f.histogramVec("wabi_http_request_seconds",
		"Time to answer an HTTP request, by API. The control API's event stream is left out.", "api")
	for i, api := range apis {
		for c, class := range []string{"2xx", "3xx", "4xx", "5xx", "other"} {
			m.requests[i][c] = requests.WithLabelValues(api, class)
		}
		m.reqLatency[i] = latency.WithLabelValues(api)
	}
	m.reg.MustRegister(&faultCollector{m: m, desc: prometheus.NewDesc("wabi_faults_fired_total",
		"Injected faults that fired, by kind, as the faults' hit counts say (on every node sharing the store).",
		[]string{"kind"}, nil), seen: map[string]seenFault{}, gone: map[wabi.FaultKind]int{}})
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// dialectCounters are a family by dialect with both dialects' children resolved.
type dialectCounters struct {
	vec           *prometheus.CounterVec
	cloud, onprem prometheus.Counter
}

func newDialectCounters(vec *prometheus.CounterVec) dialectCounters {
	return dialectCounters{vec, vec.WithLabelValues(wabi.DialectCloud), vec.WithLabelValues(wabi.DialectOnPrem)}
}

func (c dialectCounters) of(dialect string) prometheus.Counter {
	switch dialect {
	case wabi.DialectCloud:
		return c.cloud
	case wabi.DialectOnPrem:
		return c.onprem
	}
	return c.vec.WithLabelValues(dialect)
}

// factory registers families on one registry.
type factory struct{ reg *prometheus.Registry }

func (f factory) register(c prometheus.Collector) prometheus.Collector {
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return f.register(prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)).(*prometheus.CounterVec)
}

func (f factory) histogramVec(name, help string, labels ...string) *prometheus.HistogramVec {
	return f.register(prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets}, labels)).(*prometheus.HistogramVec)
}

// Registry is where the families are; tests gather from it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the families in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// number returns the label children of a business number, made on first
// sight; ok is false for a number that Number says does not exist.
func (m *Metrics) number(ctx context.Context, id string) (*number, bool) {
	if n, ok := m.numbers.Load(id); ok {
		return n.(*number), true
	}
	dialect := ""
	if m.Number != nil {
		d, ok := m.Number(ctx, id)
		if !ok {
			return nil, false
		}
		dialect = d
	}
	n := &number{
		dialect:  dialect,
		accepted: m.sends.WithLabelValues(id, dialect, OutcomeAccepted),
		inbound:  m.inbound.WithLabelValues(id),
	}
	got, _ := m.numbers.LoadOrStore(id, n)
	return got.(*number), true
}

// known reports whether id is a business number: one seen already, or one
// that Number finds.
func (m *Metrics) known(ctx context.Context, id string) bool {
	if _, ok := m.numbers.Load(id); ok {
		return true
	}
	if m.Number == nil {
		return false
	}
	_, ok := m.number(ctx, id)
	return ok
}

// Message counts a message committed, created or changed: it is the
// platform's OnMessage. A new outbound message is an accepted send, and a
// failed one also a failure; a status change is a status; a new inbound
// message is an inbound message.
func (m *Metrics) Message(msg *wabi.Message) {
	switch msg.Direction {
	case wabi.Outbound:
		if msg.Status == wabi.StatusAccepted {
			if n, ok := m.number(context.Background(), msg.PhoneNumberID); ok {
				n.accepted.Inc()
			}
			return
		}
		i := statusIndex(msg.Status)
		if i < 0 {
			return
		}
		m.statuses[i].Inc()
		if msg.Status != wabi.StatusFailed {
			return
		}
		// A message that fails as it is sent (a link that cannot be fetched, a
		// closed window, a limit) was accepted all the same: the sender learns
		// of the failure from a webhook.
		if msg.StatusAt.Equal(msg.Timestamp) {
			if n, ok := m.number(context.Background(), msg.PhoneNumberID); ok {
				n.accepted.Inc()
			}
		}
		code := wabi.Code("")
		if msg.Error != nil {
			code = msg.Error.Code
		}
		m.failed.WithLabelValues(string(code)).Inc()
		m.limitHit(code)
	case wabi.Inbound:
		if msg.Status == wabi.StatusReceived {
			if n, ok := m.number(context.Background(), msg.PhoneNumberID); ok {
				n.inbound.Inc()
			}
		}
	}
}

// limitHit counts a limit if code says one was hit.
func (m *Metrics) limitHit(code wabi.Code) {
	if l := limitOf(code); l != "" {
		m.limits[l].Inc()
	}
}

// Deliveries counts webhook deliveries committed: it is the platform's
// OnDeliveries.
func (m *Metrics) Deliveries(ds []*wabi.Delivery) {
	for _, d := range ds {
		m.queued.of(d.Dialect).Inc()
	}
}

// Attempt counts a webhook attempt and its latency: it is the webhook engine's
// OnAttempt, with the delivery's state after the attempt.
func (m *Metrics) Attempt(d *wabi.Delivery, a *wabi.Attempt) {
	result := ResultHTTPError
	switch {
	case a.StatusCode == 0:
		result = ResultNetworkError
	case d.State == wabi.DeliveryDelivered:
		result = ResultDelivered
	}
	c, ok := m.attemptsFixed[[2]string{d.Dialect, result}]
	if !ok {
		c = m.attempts.WithLabelValues(d.Dialect, result)
	}
	c.Inc()
	o, ok := m.hookLatencyOf[d.Dialect]
	if !ok {
		o = m.hookLatency.WithLabelValues(d.Dialect)
	}
	o.Observe(a.Latency.Seconds())
	if d.State == wabi.DeliveryFailed {
		m.givenUp.of(d.Dialect).Inc()
	}
}

// Commits returns the observer of a store's group commits, for the stores'
// ObserveCommits; store names the store ("sqlite", "postgres").
func (m *Metrics) Commits(store string) func(took time.Duration, requests int) {
	latency, size := m.commitLatency.WithLabelValues(store), m.commitSize.WithLabelValues(store)
	return func(took time.Duration, requests int) {
		latency.Observe(took.Seconds())
		size.Observe(float64(requests))
	}
}

// Request counts an answered HTTP request: it is the request log's Observe.
// A refused send (an error answer to a POST of a message) is counted by its
// domain code, and a limit's code as that limit hit.
func (m *Metrics) Request(r *http.Request, status int, code wabi.Code, took time.Duration) {
	api := m.apiOf(r.URL.Path)
	i := 0
	for i < len(apis)-1 && apis[i] != api {
		i++
	}
	class := status/100 - 2 // 2xx is 0
	if class < 0 || class > 3 {
		class = 4
	}
	m.requests[i][class].Inc()
	if r.URL.Path != "/api/events" {
		m.reqLatency[i].Observe(took.Seconds())
	}
	if status < 400 {
		return
	}
	m.limitHit(code)
	if r.Method != http.MethodPost {
		return
	}
	id, ok := sendPath(api, r.URL.Path)
	if !ok {
		return
	}
	outcome := string(code)
	if outcome == "" {
		outcome = OutcomeError
	}
	dialect := wabi.DialectCloud
	if api == APIOnPrem {
		dialect = wabi.DialectOnPrem
	}
	// Only a number that exists becomes a label: a path may name anything.
	if id != "" && !m.known(r.Context(), id) {
		id = ""
	}
	m.sends.WithLabelValues(id, dialect, outcome).Inc()
}

func (m *Metrics) apiOf(path string) string {
	if m.API != nil {
		return m.API(path)
	}
	if strings.HasPrefix(path, "/api/") {
		return APIControl
	}
	return APIConsole
}

// sendPath reports whether path is where api takes messages to send, and the
// business number it names ("" for the On-Premises API's own /v1/messages,
// whose number is the deployment's). The Cloud API's path also takes the
// mark-as-read and typing requests, which are counted with the sends.
func sendPath(api, path string) (id string, ok bool) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch api {
	case APICloud:
		if len(seg) == 3 && isVersion(seg[0]) {
			seg = seg[1:]
		}
		if len(seg) == 2 && seg[1] == "messages" {
			return seg[0], true
		}
	case APIOnPrem:
		if len(seg) == 4 && seg[0] == "onprem" {
			id, seg = seg[1], seg[2:]
		}
		if len(seg) == 2 && seg[0] == "v1" && seg[1] == "messages" {
			return id, true
		}
	}
	return "", false
}

// isVersion reports whether s is a Graph version segment, such as v23.0.
func isVersion(s string) bool {
	return len(s) > 1 && s[0] == 'v' && s[1] >= '0' && s[1] <= '9'
}

// pendingNow reads the store's pending deliveries for a scrape, within a
// second; a read that fails or takes longer reports the last count.
func (m *Metrics) pendingNow() float64 {
	if m.Pending == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m.pendingMu.Lock()
	defer m.pendingMu.Unlock()
	if n, err := m.Pending(ctx); err == nil {
		m.pendingLast = n
	}
	return float64(m.pendingLast)
}
