package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/webhook"
)

// benchReceiver is bench's own webhook receiver: it answers the handshake, checks
// each body's X-Hub-Signature-256 and notes when each message's status
// webhooks arrive. A body with a bad signature is counted and still answered
// 200, so that a wrong secret shows in the report instead of as retries.
type benchReceiver struct {
	secret string
	signed bool // Cloud API webhooks are signed; On-Premises ones are not
	url    string
	srv    *http.Server

	mu       sync.Mutex
	got      map[string]*arrivals // wamid → when its status webhooks came
	posts    int
	bad      int
	statuses map[string]int
	codes    map[int]int // failed statuses by error code
	inbound  int
	times    []time.Time // every webhook's arrival
	last     time.Time
}

// arrivals is when a message's status webhooks arrived.
type arrivals struct{ sent, delivered, read, failed time.Time }

// startReceiver serves the receiver on a free loopback port.
func startReceiver(secret string, signed bool) (*benchReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &benchReceiver{secret: secret, signed: signed, url: "http://" + ln.Addr().String() + "/webhook",
		got: map[string]*arrivals{}, statuses: map[string]int{}, codes: map[int]int{}}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go rc.srv.Serve(ln)
	return rc, nil
}

func (rc *benchReceiver) close() { rc.srv.Close() }

// whValue is the part of a webhook bench reads: Graph's change value, or an
// On-Premises body, which has the same lists at the top.
type whValue struct {
	Statuses []struct {
		ID     string               `json:"id"`
		Status string               `json:"status"`
		Errors []struct{ Code int } `json:"errors"`
	} `json:"statuses"`
	Messages []struct{ ID string } `json:"messages"`
}

func (rc *benchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if q.Get("hub.mode") != "subscribe" || !hmac.Equal([]byte(q.Get("hub.verify_token")), []byte(receiverVerifyToken)) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		io.WriteString(w, q.Get("hub.challenge"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxListenBody))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	now := time.Now()
	var b struct {
		Entry []struct {
			Changes []struct {
				Value whValue `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
		whValue
	}
	json.Unmarshal(body, &b)
	values := []whValue{b.whValue}
	for _, e := range b.Entry {
		for _, ch := range e.Changes {
			values = append(values, ch.Value)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.posts++
	rc.times = append(rc.times, now)
	rc.last = now
	if rc.signed && !hmac.Equal([]byte(r.Header.Get("X-Hub-Signature-256")), []byte(webhook.Sign(rc.secret, body))) {
		rc.bad++
	}
	for _, v := range values {
		rc.inbound += len(v.Messages)
		for _, s := range v.Statuses {
			rc.statuses[s.Status]++
			a := rc.got[s.ID]
			if a == nil {
				a = &arrivals{}
				rc.got[s.ID] = a
			}
			switch s.Status {
			case "sent":
				a.sent = now
			case "delivered":
				a.delivered = now
			case "read":
				a.read = now
			case "failed":
				a.failed = now
				for _, e := range s.Errors {
					rc.codes[e.Code]++
				}
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

// drain waits, at most maxWait, until every successful send has its last
// webhook (read, or failed), or no webhook came for two seconds while
// nothing is pending.
func (rc *benchReceiver) drain(ctx context.Context, load *loadRun, maxWait time.Duration, backlog *backlogWatch, prog *progress) {
	until := time.Now().Add(maxWait)
	for time.Now().Before(until) && ctx.Err() == nil {
		rc.mu.Lock()
		owed := 0
		for id := range load.sends {
			if a := rc.got[id]; a == nil || (a.read.IsZero() && a.failed.IsZero()) {
				owed++
			}
		}
		quiet := time.Since(rc.last) > 2*time.Second
		rc.mu.Unlock()
		pending, _ := backlog.latest()
		if owed == 0 || (quiet && pending == 0) {
			return
		}
		prog.line(fmt.Sprintf("draining  %d sends wait for their last webhook, backlog %d", owed, pending))
		time.Sleep(100 * time.Millisecond)
	}
}

// summary is what the receiver saw of the load's messages.
func (rc *benchReceiver) summary(load *loadRun, signed bool) *webhookSummary {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s := &webhookSummary{Receiver: "bench", Received: rc.posts, Signed: signed, BadSignatures: rc.bad,
		Statuses: rc.statuses, Inbound: rc.inbound, EndToEnd: map[string]percentiles{}, Missing: map[string]int{},
		FailedCodes: codeCounts(rc.codes), PerSecond: perSecond(rc.times, load.began)}
	lat := map[string][]time.Duration{}
	for id, start := range load.sends {
		a := rc.got[id]
		if a == nil {
			a = &arrivals{}
		}
		for _, st := range []struct {
			name string
			at   time.Time
		}{{"sent", a.sent}, {"delivered", a.delivered}, {"read", a.read}} {
			if st.at.IsZero() {
				s.Missing[st.name]++
			} else {
				lat[st.name] = append(lat[st.name], st.at.Sub(start))
			}
		}
	}
	for k, v := range lat {
		s.EndToEnd[k] = percentilesOf(v)
	}
	return s
}

// perSecond counts times by second from began.
func perSecond(times []time.Time, began time.Time) []int {
	var out []int
	for _, t := range times {
		sec := max(0, int(t.Sub(began)/time.Second))
		for len(out) <= sec {
			out = append(out, 0)
		}
		out[sec]++
	}
	return out
}

func codeCounts(m map[int]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[strconv.Itoa(k)] = v
	}
	return out
}

// backlogWatch follows the webhook backlog once a second: the server's
// wabi_webhook_pending gauge (GET /api/metrics: every pending delivery in the
// store, exact, on every node), or on a wabi without it, one page of the run's pending deliveries
// (GET /api/deliveries?state=pending: at most 1000).
type backlogWatch struct {
	began  time.Time
	mu     sync.Mutex
	points []backlogPoint
	done   chan struct{}
	poll   func(ctx context.Context) // takes one count; nil when not watching
	source string                    // "metrics" or "deliveries": where the counts come from
}

// backlogPoint is the number of pending deliveries at T seconds into the run;
// More says there were more than the 1000 one page counts.
type backlogPoint struct {
	T       float64 `json:"t"`
	Pending int     `json:"pending"`
	More    bool    `json:"more,omitempty"`
}

// deliveryFilter selects the run's deliveries in GET /api/deliveries.
func (c *benchConfig) deliveryFilter(w *benchWorld) url.Values {
	q := url.Values{}
	switch {
	case c.Dialect == "onprem" && len(w.targets) == 1:
		q.Set("target_id", w.targets[0].id)
	case c.Dialect == "onprem":
		q.Set("dialect", "onprem")
	default:
		q.Set("target_id", w.appID)
	}
	return q
}

func (c *benchConfig) watchBacklog(ctx context.Context, client *http.Client, w *benchWorld, began time.Time) *backlogWatch {
	b := &backlogWatch{began: began, done: make(chan struct{})}
	if !c.Webhooks && c.WebhookURL == "" {
		close(b.done)
		return b
	}
	q := c.deliveryFilter(w)
	q.Set("state", "pending")
	q.Set("limit", "1000")
	useMetrics := true
	b.poll = func(ctx context.Context) {
		if useMetrics {
			if n, err := c.metricsBacklog(ctx, client); err == nil {
				b.mu.Lock()
				b.source = "metrics"
				b.points = append(b.points, backlogPoint{T: time.Since(began).Seconds(), Pending: n})
				b.mu.Unlock()
				return
			}
			useMetrics = false // a wabi without /api/metrics: count pending deliveries
		}
		var page struct {
			Data       []json.RawMessage `json:"data"`
			NextBefore string            `json:"next_before"`
		}
		if err := c.control(ctx, client, "GET", "/api/deliveries?"+q.Encode(), nil, &page); err == nil {
			b.mu.Lock()
			b.source = "deliveries"
			b.points = append(b.points, backlogPoint{T: time.Since(began).Seconds(), Pending: len(page.Data), More: page.NextBefore != ""})
			b.mu.Unlock()
		}
	}
	go func() {
		defer close(b.done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			b.poll(ctx)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return b
}

// final waits for the watch to stop and takes one last count, so that the
// series ends with the backlog after the drain.
func (b *backlogWatch) final(ctx context.Context) {
	<-b.done
	if b.poll != nil {
		b.poll(context.WithoutCancel(ctx))
	}
}

// latest is the last pending count and whether there was one.
func (b *backlogWatch) latest() (int, bool) {
	if b == nil {
		return 0, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.points) == 0 {
		return 0, false
	}
	return b.points[len(b.points)-1].Pending, true
}

// metricsBacklog reads the webhook backlog from the server's metrics.
func (c *benchConfig) metricsBacklog(ctx context.Context, client *http.Client) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL+"/api/metrics", nil)
	if err != nil {
		return 0, err
	}
	if c.AdminKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.AdminKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return 0, fmt.Errorf("GET /api/metrics: %s", resp.Status)
	}
	// wabi_webhook_pending counts the store's pending deliveries, those of
	// every node sharing it; a wabi without it reports the deliveries its
	// engine holds, which on SQLite are all of them.
	held, found := 0, false
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "wabi_webhook_pending "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err
		}
		if v, ok := strings.CutPrefix(sc.Text(), "wabi_webhook_backlog "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, err
			}
			held, found = int(f), true
		}
	}
	if found {
		return held, nil
	}
	return 0, errors.New("no wabi_webhook_pending nor wabi_webhook_backlog in /api/metrics")
}

func (b *backlogWatch) series() []backlogPoint {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.points)
}

// drainLog waits, at most maxWait, until no delivery of the run is pending.
func (c *benchConfig) drainLog(ctx context.Context, backlog *backlogWatch, maxWait time.Duration, prog *progress) {
	until := time.Now().Add(maxWait)
	n := len(backlog.series())
	for time.Now().Before(until) && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
		pending, _ := backlog.latest()
		if len(backlog.series()) > n && pending == 0 {
			return
		}
		prog.line(fmt.Sprintf("draining  backlog %d", pending))
	}
}

// delivery is a delivery as GET /api/deliveries lists it.
type delivery struct {
	ID            string    `json:"id"`
	PhoneNumberID string    `json:"phone_number_id"`
	MessageID     string    `json:"message_id"`
	Event         string    `json:"event"`
	State         string    `json:"state"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// deliveriesSince lists the run's deliveries created since began, newest
// first, at most 1,000,000.
func (c *benchConfig) deliveriesSince(ctx context.Context, client *http.Client, w *benchWorld, began time.Time) ([]delivery, error) {
	q := c.deliveryFilter(w)
	q.Set("limit", "1000")
	numbers := map[string]bool{}
	for _, t := range w.targets {
		numbers[t.id] = true
	}
	var out []delivery
	for len(out) < 1_000_000 {
		var page struct {
			Data       []delivery `json:"data"`
			NextBefore string     `json:"next_before"`
		}
		if err := c.control(ctx, client, "GET", "/api/deliveries?"+q.Encode(), nil, &page); err != nil {
			return out, err
		}
		for _, d := range page.Data {
			if d.CreatedAt.Before(began) {
				return out, nil
			}
			if numbers[d.PhoneNumberID] {
				out = append(out, d)
			}
		}
		if page.NextBefore == "" {
			return out, nil
		}
		q.Set("before", page.NextBefore)
	}
	return out, nil
}

// readDeliveryLog measures a receiver bench does not run from wabi's
// delivery log: a status webhook's end-to-end latency is from its send to
// when its delivery was delivered.
func (c *benchConfig) readDeliveryLog(ctx context.Context, client *http.Client, w *benchWorld, load *loadRun, began time.Time) (*webhookSummary, error) {
	ds, err := c.deliveriesSince(ctx, client, w, began)
	s := &webhookSummary{Receiver: c.WebhookURL, Statuses: map[string]int{}, EndToEnd: map[string]percentiles{},
		Missing: map[string]int{}, States: map[string]int{}}
	lat := map[string][]time.Duration{}
	var times []time.Time
	seen := map[string]map[string]bool{}
	for _, d := range ds {
		s.States[d.State]++
		if d.State != "delivered" {
			continue
		}
		s.Received++
		times = append(times, d.UpdatedAt)
		if d.Event == "message" {
			s.Inbound++
			continue
		}
		status, ok := cutPrefix(d.Event, "status.")
		if !ok {
			continue
		}
		s.Statuses[status]++
		if start, ok := load.sends[d.MessageID]; ok {
			lat[status] = append(lat[status], d.UpdatedAt.Sub(start))
			if seen[d.MessageID] == nil {
				seen[d.MessageID] = map[string]bool{}
			}
			seen[d.MessageID][status] = true
		}
	}
	for id := range load.sends {
		for _, st := range []string{"sent", "delivered", "read"} {
			if !seen[id][st] {
				s.Missing[st]++
			}
		}
	}
	for k, v := range lat {
		s.EndToEnd[k] = percentilesOf(v)
	}
	s.PerSecond = perSecond(times, began)
	return s, err
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// receiverLatency is the receiver's answer time to the run's inbound message
// webhooks, from the attempts of up to 300 of their deliveries, against
// Meta's guidance: a median of at most 250 ms and under 1 % over 1 s.
func (c *benchConfig) receiverLatency(ctx context.Context, client *http.Client, w *benchWorld, began time.Time) (*receiverSummary, error) {
	ds, err := c.deliveriesSince(ctx, client, w, began)
	if err != nil {
		return nil, err
	}
	var msgs []delivery
	for _, d := range ds {
		if d.Event == "message" {
			msgs = append(msgs, d)
		}
	}
	step := max(1, len(msgs)/300)
	var lat []time.Duration
	for i := 0; i < len(msgs); i += step {
		var full struct {
			Attempts []struct {
				LatencyNS int64 `json:"latency_ns"`
			} `json:"attempts"`
		}
		if err := c.control(ctx, client, "GET", "/api/deliveries/"+msgs[i].ID, nil, &full); err != nil {
			return nil, err
		}
		for _, a := range full.Attempts {
			lat = append(lat, time.Duration(a.LatencyNS))
		}
	}
	r := &receiverSummary{Deliveries: len(msgs), Attempts: len(lat), Latency: percentilesOf(lat)}
	for _, l := range lat {
		if l > time.Second {
			r.OverOneSecond++
		}
	}
	if len(lat) > 0 {
		r.OverOneSecondPct = 100 * float64(r.OverOneSecond) / float64(len(lat))
		r.MeetsGuidance = r.Latency.P50 <= 250 && r.OverOneSecondPct < 1
	}
	return r, nil
}

// inboundRun sends the phones' inbound messages at a rate.
type inboundRun struct {
	rate   int
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	ok      int
	errs    map[string]int
	skipped int
	lat     []time.Duration
}

// sendInbound has the phones write to the numbers, in turn, rate times a
// second through the control API, until stop.
func (c *benchConfig) sendInbound(ctx context.Context, client *http.Client, w *benchWorld, began time.Time) *inboundRun {
	ctx, cancel := context.WithCancel(ctx)
	in := &inboundRun{rate: c.Inbound, cancel: cancel, errs: map[string]int{}}
	slots := make(chan struct{}, 64)
	pairs := len(w.targets) * len(w.phones)
	in.wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		issued := 0
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				for due := int(now.Sub(began).Seconds() * float64(c.Inbound)); issued < due; issued++ {
					select {
					case slots <- struct{}{}:
					default:
						in.mu.Lock()
						in.skipped++
						in.mu.Unlock()
						continue
					}
					p := issued % pairs
					t, phone, n := w.targets[p%len(w.targets)], w.phones[p/len(w.targets)], issued
					in.wg.Go(func() {
						defer func() { <-slots }()
						start := time.Now()
						body := map[string]any{"to": t.id, "type": "text", "text": map[string]string{"body": fmt.Sprintf("inbound %d (wabi bench)", n)}}
						err := c.control(context.WithoutCancel(ctx), client, "POST", "/api/phones/"+phone+"/messages", body, nil)
						in.mu.Lock()
						defer in.mu.Unlock()
						if err != nil {
							in.errs[err.Error()]++
							return
						}
						in.ok++
						in.lat = append(in.lat, time.Since(start))
					})
				}
			}
		}
	})
	return in
}

func (in *inboundRun) stop() { in.cancel(); in.wg.Wait() }

func (in *inboundRun) summary() *inboundSummary {
	in.mu.Lock()
	defer in.mu.Unlock()
	failed := 0
	for _, v := range in.errs {
		failed += v
	}
	return &inboundSummary{Rate: in.rate, OK: in.ok, Failed: failed, Skipped: in.skipped, Errors: in.errs, Latency: percentilesOf(in.lat)}
}
