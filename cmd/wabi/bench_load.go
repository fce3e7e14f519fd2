package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchMix is the message kinds of a run and their weights.
type benchMix struct {
	kinds   []string
	weights []int
	total   int
}

// parseMix reads "text=80,template=15,image=5".
func parseMix(s string) (benchMix, error) {
	var m benchMix
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || !slices.Contains([]string{"text", "template", "image"}, k) || slices.Contains(m.kinds, k) {
			return m, fmt.Errorf("-mix takes kind=weight pairs of text, template and image, such as text=80,template=15,image=5; not %q", part)
		}
		if n > 0 {
			m.kinds, m.weights, m.total = append(m.kinds, k), append(m.weights, n), m.total+n
		}
	}
	if m.total == 0 {
		return m, fmt.Errorf("-mix %q sends nothing", s)
	}
	return m, nil
}

func (m benchMix) has(kind string) bool { return slices.Contains(m.kinds, kind) }

// kind is the i-th send's kind: a stride through the weights spreads each
// kind evenly over the run instead of sending them in blocks.
func (m benchMix) kind(i int) string {
	j := (i * 7919) % m.total
	for k, w := range m.weights {
		if j < w {
			return m.kinds[k]
		}
		j -= w
	}
	return m.kinds[0]
}

func (m benchMix) String() string {
	parts := make([]string, len(m.kinds))
	for i, k := range m.kinds {
		parts[i] = fmt.Sprintf("%s=%d", k, m.weights[i])
	}
	return strings.Join(parts, ",")
}

// loadRun is what one load measured, as it goes.
type loadRun struct {
	label string
	began time.Time

	mu        sync.Mutex
	ok        int
	failed    map[string]int // by outcome: "HTTP 429 Too Many Requests (#131056)"
	codes     map[int]int    // by Meta's code; 0 when the answer had none
	byKind    map[string]int // successful sends by kind
	latencies []time.Duration
	seconds   []secStats
	hist      histogram
	unsent    int                  // open loop: due but not sent when time was up
	sends     map[string]time.Time // wamid → when its send began
	elapsed   time.Duration
}

// secStats is one second of a load.
type secStats struct {
	ok, failed int
	lat        []time.Duration
}

func newLoadRun(label string, began time.Time) *loadRun {
	return &loadRun{label: label, began: began, failed: map[string]int{}, codes: map[int]int{}, byKind: map[string]int{}, sends: map[string]time.Time{}}
}

// record counts one send that was due at sched, began at start and ended at
// done; outcome is "" for success.
func (r *loadRun) record(kind string, sched, start, done time.Time, outcome string, code int, wamid string) {
	sec := int(done.Sub(r.began) / time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.seconds) <= sec {
		r.seconds = append(r.seconds, secStats{})
	}
	s := &r.seconds[sec]
	if outcome != "" {
		r.failed[outcome]++
		r.codes[code]++
		s.failed++
		return
	}
	lat := done.Sub(sched)
	r.ok++
	r.byKind[kind]++
	r.latencies = append(r.latencies, lat)
	r.hist.add(lat)
	s.ok++
	s.lat = append(s.lat, lat)
	if wamid != "" {
		r.sends[wamid] = start
	}
}

// generate calls send for each send of a load: closed loop, concurrency
// clients one after another; open loop, rate a second on schedule, each
// send's latency counted from when it was due, so that a slow server cannot
// hide its queue (no coordinated omission). It returns when duration is up and
// every send in flight has ended.
func generate(ctx context.Context, r *loadRun, rate, concurrency int, duration time.Duration, send func(i int, sched time.Time)) {
	deadline := r.began.Add(duration)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var wg sync.WaitGroup
	if rate == 0 {
		var mu sync.Mutex
		next := 0
		for range concurrency {
			wg.Go(func() {
				for ctx.Err() == nil {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					send(i, time.Now())
				}
			})
		}
		wg.Wait()
		r.elapsed = time.Since(r.began)
		return
	}
	type job struct {
		i     int
		sched time.Time
	}
	queue := make(chan job, max(rate, 1024))
	for range concurrency {
		wg.Go(func() {
			// A send that was due in time is sent even when its turn comes
			// after the deadline: its wait counts in its latency.
			for j := range queue {
				send(j.i, j.sched)
			}
		})
	}
	// Each wake-up queues every send due by now, so a late wake-up catches up
	// instead of lowering the rate; a queue that is full counts as unsent.
	tick := time.NewTicker(time.Millisecond)
	issued := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case now := <-tick.C:
			due := int(now.Sub(r.began).Seconds() * float64(rate))
			for ; issued < due; issued++ {
				sched := r.began.Add(time.Duration(float64(issued) * float64(time.Second) / float64(rate)))
				select {
				case queue <- job{issued, sched}:
				default:
					r.mu.Lock()
					r.unsent++
					r.mu.Unlock()
				}
			}
		}
	}
	tick.Stop()
	close(queue)
	wg.Wait()
	r.elapsed = time.Since(r.began)
}

// load sends the mix from the world's numbers to its phones, pairs in turn.
func (c *benchConfig) load(ctx context.Context, client *http.Client, w *benchWorld, mix benchMix, began time.Time, prog *progress, backlog *backlogWatch, rcv *benchReceiver) *loadRun {
	r := newLoadRun("wabi", began)
	pairs := len(w.targets) * len(w.phones)
	send := func(i int, sched time.Time) {
		p := i % pairs
		t, to, kind := w.targets[p%len(w.targets)], w.phones[p/len(w.targets)], mix.kind(i)
		start := time.Now()
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), "POST", t.send, bytes.NewReader(c.body(w, t, to, kind, i)))
		req.Header.Set("Authorization", t.auth)
		req.Header.Set("Content-Type", "application/json")
		outcome, code, wamid := sendRequest(client, req)
		r.record(kind, sched, start, time.Now(), outcome, code, wamid)
	}
	stopProg := prog.watch(r, backlog, rcv)
	generate(ctx, r, c.Rate, c.Concurrency, c.Duration, send)
	stopProg()
	return r
}

// sendRequest sends one message and returns its outcome ("" for success),
// Meta's error code and the message id.
func sendRequest(client *http.Client, req *http.Request) (outcome string, code int, wamid string) {
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "error: timeout", 0, ""
		}
		return "error: " + err.Error(), 0, ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		code = errorCode(resp.Body)
		io.Copy(io.Discard, resp.Body)
		outcome = "HTTP " + resp.Status
		if code != 0 {
			outcome += fmt.Sprintf(" (#%d)", code)
		}
		return outcome, code, ""
	}
	var ok struct {
		Messages []struct{ ID string } `json:"messages"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&ok)
	io.Copy(io.Discard, resp.Body)
	if len(ok.Messages) > 0 {
		wamid = ok.Messages[0].ID
	}
	return "", 0, wamid
}

// body is the i-th send's request body in the run's dialect.
func (c *benchConfig) body(w *benchWorld, t *benchTarget, to, kind string, i int) []byte {
	var b []byte
	if c.Dialect == "cloud" {
		b = append(b, `{"messaging_product":"whatsapp","to":`...)
	} else {
		b = append(b, `{"to":`...)
	}
	b = strconv.AppendQuote(b, to)
	switch kind {
	case "template":
		b = append(b, `,"type":"template","template":{`...)
		if c.Dialect == "onprem" {
			b = append(b, `"namespace":`...)
			b = strconv.AppendQuote(b, w.namespace)
			b = append(b, ',')
		}
		b = append(b, `"name":`...)
		b = strconv.AppendQuote(b, w.template)
		b = append(b, `,"language":{"policy":"deterministic","code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `"}]}]}}`...)
	case "image":
		b = append(b, `,"type":"image","image":{"id":`...)
		b = strconv.AppendQuote(b, t.media)
		b = append(b, `,"caption":"bench"}}`...)
	default:
		b = append(b, `,"type":"text","text":{"body":`...)
		b = strconv.AppendQuote(b, c.Text)
		b = append(b, `}}`...)
	}
	return b
}

// runBaseline serves a bare net/http + encoding/json handler that decodes the
// body of a text send and answers the Cloud API's shape, and loads it as wabi
// will be loaded: the yardstick of what the machine and the load generator
// allow.
func (c *benchConfig) runBaseline(ctx context.Context, stderr io.Writer) (*loadSummary, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(bareHandler)}
	go srv.Serve(ln)
	defer srv.Close()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.Concurrency + 8}}
	defer client.CloseIdleConnections()
	url := "http://" + ln.Addr().String() + "/v23.0/1/messages"
	body := []byte(fmt.Sprintf(`{"messaging_product":"whatsapp","to":%q,"type":"text","text":{"body":%q}}`, c.To, c.Text))
	r := newLoadRun("baseline", time.Now())
	prog := newProgress(stderr)
	stop := prog.watch(r, nil, nil)
	generate(ctx, r, c.Rate, c.Concurrency, c.Duration, func(i int, sched time.Time) {
		start := time.Now()
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), "POST", url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		outcome, code, _ := sendRequest(client, req)
		r.record("text", sched, start, time.Now(), outcome, code, "")
	})
	stop()
	prog.done()
	r.sends = nil
	s := r.summary()
	return &s, nil
}

// bareHandler decodes the body and answers a send's shape, storing nothing.
func bareHandler(w http.ResponseWriter, r *http.Request) {
	var v map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&v); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	to, _ := v["to"].(string)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp",
		"contacts": []any{map[string]string{"input": to, "wa_id": to}},
		"messages": []any{map[string]string{"id": "wamid.HBgLMTU1NTAwMDIwMDAVAgARGBQxODhCOEVCRUU4NkMwMDAwQjIyNwA="}}})
}

// histogram counts latencies in buckets 5 % wide from 10 µs, for the running
// p99 and the report's histogram.
type histogram struct {
	counts [400]int
	n      int
}

func histBucket(d time.Duration) int {
	if d <= 10*time.Microsecond {
		return 0
	}
	return min(399, int(math.Log(float64(d)/1e4)/math.Log(1.05))+1)
}

// histUpper is the upper bound of bucket i.
func histUpper(i int) time.Duration {
	return time.Duration(1e4 * math.Pow(1.05, float64(i)))
}

func (h *histogram) add(d time.Duration) { h.counts[histBucket(d)]++; h.n++ }

// quantile is the upper bound of the bucket of the q-quantile, 0 when empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	want, seen := int(math.Ceil(q*float64(h.n))), 0
	for i, c := range h.counts {
		if seen += c; seen >= want {
			return histUpper(i)
		}
	}
	return histUpper(len(h.counts) - 1)
}
