package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// benchResults is everything a run measured, as -json prints it.
type benchResults struct {
	Config   runSummary      `json:"config"`
	Baseline *loadSummary    `json:"baseline,omitempty"`
	Load     loadSummary     `json:"wabi"`
	Ratio    float64         `json:"ratio_to_baseline,omitempty"`
	Webhooks *webhookSummary `json:"webhooks,omitempty"`
	Backlog  []backlogPoint  `json:"backlog,omitempty"`
	// BacklogSource says what Backlog counts: "metrics", every delivery the
	// node holds, or "deliveries", one page (1000) of the run's pending ones.
	BacklogSource string          `json:"backlog_source,omitempty"`
	Inbound       *inboundSummary `json:"inbound,omitempty"`
}

// runSummary is what the run was.
type runSummary struct {
	URL          string `json:"url"`
	Dialect      string `json:"dialect"`
	Numbers      int    `json:"numbers"`
	Phones       int    `json:"phones"`
	Mix          string `json:"mix"`
	Mode         string `json:"mode"`
	Rate         int    `json:"rate,omitempty"`
	Concurrency  int    `json:"concurrency"`
	Duration     string `json:"duration"`
	LimitsLifted bool   `json:"limits_lifted"`
	Receiver     string `json:"receiver"`
}

func (c *benchConfig) summary(w *benchWorld, mix benchMix) runSummary {
	s := runSummary{URL: c.URL, Dialect: c.Dialect, Numbers: len(w.targets), Phones: len(w.phones), Mix: mix.String(),
		Mode: "closed loop", Rate: c.Rate, Concurrency: c.Concurrency, Duration: c.Duration.String(), LimitsLifted: c.LiftLimits, Receiver: "none"}
	if c.Rate > 0 {
		s.Mode = "open loop"
	}
	switch {
	case c.WebhookURL != "":
		s.Receiver = c.WebhookURL
	case c.Webhooks:
		s.Receiver = "bench"
	}
	return s
}

// percentiles are latencies in milliseconds.
type percentiles struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

func percentilesOf(d []time.Duration) percentiles {
	if len(d) == 0 {
		return percentiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 { return ms(s[min(len(s)-1, int(q*float64(len(s))))]) }
	return percentiles{N: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), P999: at(0.999), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// loadSummary is one load's results.
type loadSummary struct {
	Label     string         `json:"label"`
	Seconds   float64        `json:"seconds"`
	OK        int            `json:"ok"`
	Failed    int            `json:"failed"`
	PerSecond float64        `json:"ok_per_second"`
	Latency   percentiles    `json:"latency_ms"`
	ByKind    map[string]int `json:"ok_by_kind,omitempty"`
	Errors    map[string]int `json:"errors,omitempty"`
	Codes     map[string]int `json:"errors_by_code,omitempty"`
	Unsent    int            `json:"unsent,omitempty"`
	Timeline  []timePoint    `json:"timeline"`
	Histogram []histBar      `json:"histogram"`
}

// timePoint is one second of a load.
type timePoint struct {
	T      int     `json:"t"`
	OK     int     `json:"ok"`
	Failed int     `json:"failed"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
}

// histBar is the sends whose latency was at most LE milliseconds (and more
// than the bar before's).
type histBar struct {
	LE    float64 `json:"le_ms"`
	Count int     `json:"count"`
}

func (r *loadRun) summary() loadSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := loadSummary{Label: r.label, Seconds: r.elapsed.Seconds(), OK: r.ok, Latency: percentilesOf(r.latencies),
		ByKind: maps.Clone(r.byKind), Errors: maps.Clone(r.failed), Codes: map[string]int{}, Unsent: r.unsent}
	for _, v := range r.failed {
		s.Failed += v
	}
	for code, n := range r.codes {
		name := strconv.Itoa(code)
		if code == 0 {
			name = "none"
		}
		s.Codes[name] = n
	}
	if s.Seconds > 0 {
		s.PerSecond = float64(r.ok) / s.Seconds
	}
	// The last second is partial; a load that ended within it leaves it out.
	for i, sec := range r.seconds {
		if float64(i+1) > s.Seconds+0.5 {
			break
		}
		p := percentilesOf(sec.lat)
		s.Timeline = append(s.Timeline, timePoint{T: i + 1, OK: sec.ok, Failed: sec.failed, P50: p.P50, P99: p.P99})
	}
	for i, n := range r.hist.counts {
		if n > 0 {
			s.Histogram = append(s.Histogram, histBar{LE: ms(histUpper(i)), Count: n})
		}
	}
	return s
}

// limited is how many sends wabi's limits refused.
func (r *loadRun) limited() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.codes[130429] + r.codes[131056]
}

// webhookSummary is what arrived of the run's webhooks.
type webhookSummary struct {
	Receiver      string                 `json:"receiver"`
	Received      int                    `json:"received"`
	Signed        bool                   `json:"signed"`
	BadSignatures int                    `json:"bad_signatures"`
	Statuses      map[string]int         `json:"statuses"`
	Inbound       int                    `json:"inbound_messages"`
	EndToEnd      map[string]percentiles `json:"end_to_end_ms"`
	Missing       map[string]int         `json:"missing"`
	FailedCodes   map[string]int         `json:"failed_by_code,omitempty"`
	States        map[string]int         `json:"deliveries_by_state,omitempty"`
	PerSecond     []int                  `json:"per_second"`
}

// inboundSummary is the inbound load and the receiver's answer to it.
type inboundSummary struct {
	Rate     int              `json:"rate"`
	OK       int              `json:"ok"`
	Failed   int              `json:"failed"`
	Skipped  int              `json:"skipped,omitempty"`
	Errors   map[string]int   `json:"errors,omitempty"`
	Latency  percentiles      `json:"latency_ms"`
	Receiver *receiverSummary `json:"receiver,omitempty"`
}

// receiverSummary is a receiver's answer time from the delivery log.
type receiverSummary struct {
	Deliveries       int         `json:"deliveries"`
	Attempts         int         `json:"attempts_sampled"`
	Latency          percentiles `json:"latency_ms"`
	OverOneSecond    int         `json:"over_1s"`
	OverOneSecondPct float64     `json:"over_1s_pct"`
	MeetsGuidance    bool        `json:"meets_guidance"`
}

func fmtMS(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.2fms", v)
}

func (p percentiles) String() string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s", fmtMS(p.P50), fmtMS(p.P90), fmtMS(p.P99), fmtMS(p.P999), fmtMS(p.Max))
}

// print writes the summary table.
func (r *benchResults) print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "wabi bench: %s, %s API, %d number(s) × %d phone(s), mix %s, %s", c.URL, c.Dialect, c.Numbers, c.Phones, c.Mix, c.Mode)
	if c.Rate > 0 {
		fmt.Fprintf(w, " at %d/s (at most %d in flight)", c.Rate, c.Concurrency)
	} else {
		fmt.Fprintf(w, " with %d clients", c.Concurrency)
	}
	fmt.Fprintf(w, ", %s\n", c.Duration)
	if b := r.Baseline; b != nil {
		fmt.Fprintf(w, "\n  baseline    %d ok in %.1fs: %.0f req/s (bare net/http + encoding/json handler, same load)\n", b.OK, b.Seconds, b.PerSecond)
		fmt.Fprintf(w, "              latency %s\n", b.Latency)
	}
	l := r.Load
	fmt.Fprintf(w, "\n  sent        %d ok, %d failed in %.3fs\n", l.OK, l.Failed, l.Seconds)
	fmt.Fprintf(w, "  throughput  %.0f ok/s", l.PerSecond)
	if r.Ratio > 0 {
		fmt.Fprintf(w, " = %.2f× the bare handler", r.Ratio)
	}
	fmt.Fprintln(w)
	if len(l.ByKind) > 1 {
		fmt.Fprintf(w, "  by kind     %s\n", countsLine(l.ByKind))
	}
	if l.Unsent > 0 {
		fmt.Fprintf(w, "  unsent      %d sends were due but not sent when time was up (the server fell behind the rate; raise -concurrency)\n", l.Unsent)
	}
	if l.OK > 0 {
		fmt.Fprintf(w, "  latency     %s\n", l.Latency)
	}
	for _, k := range slices.Sorted(maps.Keys(l.Errors)) {
		fmt.Fprintf(w, "  failed      %d × %s\n", l.Errors[k], k)
	}
	if len(l.Codes) > 0 {
		fmt.Fprintf(w, "  errors      by code: %s\n", countsLine(l.Codes))
	}
	if h := r.Webhooks; h != nil {
		fmt.Fprintf(w, "\n  webhooks    %d received by %s", h.Received, h.Receiver)
		if h.Signed {
			fmt.Fprintf(w, ", %d with a bad signature", h.BadSignatures)
		}
		fmt.Fprintf(w, "; statuses %s; inbound messages %d\n", countsLine(h.Statuses), h.Inbound)
		for _, st := range []string{"sent", "delivered", "read"} {
			if p, ok := h.EndToEnd[st]; ok {
				fmt.Fprintf(w, "  send→%-10s %s\n", st, p)
			}
			if n := h.Missing[st]; n > 0 {
				fmt.Fprintf(w, "  send→%-10s %d sends had no %s webhook\n", st, n, st)
			}
		}
		if len(h.FailedCodes) > 0 {
			fmt.Fprintf(w, "  failed      statuses by code: %s\n", countsLine(h.FailedCodes))
		}
		if len(h.States) > 0 {
			fmt.Fprintf(w, "  deliveries  %s\n", countsLine(h.States))
		}
	}
	if len(r.Backlog) > 0 {
		peak, more := 0, false
		for _, p := range r.Backlog {
			peak, more = max(peak, p.Pending), more || p.More
		}
		last := r.Backlog[len(r.Backlog)-1]
		fmt.Fprintf(w, "  backlog     peak %d%s pending, %d at the end (from %s)\n", peak, map[bool]string{true: "+"}[more], last.Pending,
			map[string]string{"metrics": "/api/metrics", "deliveries": "pending deliveries"}[r.BacklogSource])
	}
	if in := r.Inbound; in != nil {
		fmt.Fprintf(w, "\n  inbound     %d ok, %d failed at %d/s; control API %s\n", in.OK, in.Failed, in.Rate, in.Latency)
		if rc := in.Receiver; rc != nil && rc.Attempts > 0 {
			verdict := "meets"
			if !rc.MeetsGuidance {
				verdict = "misses"
			}
			fmt.Fprintf(w, "  receiver    %s over %d attempts; %.2f%% over 1 s: %s Meta's guidance (median ≤ 250 ms, < 1 %% over 1 s)\n",
				rc.Latency, rc.Attempts, rc.OverOneSecondPct, verdict)
		}
	}
}

// countsLine is "a 3, b 2", by key.
func countsLine(m map[string]int) string {
	parts := []string{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// progress writes the live progress line: rewritten in place on a terminal,
// a plain line every few seconds otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	wrote bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) line(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", s)
		p.wrote = true
	}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.wrote {
		fmt.Fprintln(p.w)
		p.wrote = false
	}
}

// watch writes r's progress each second on a terminal, every 5 s otherwise,
// until the returned function is called.
func (p *progress) watch(r *loadRun, backlog *backlogWatch, rcv *benchReceiver) (stop func()) {
	every := 5 * time.Second
	if p.tty {
		every = time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			r.mu.Lock()
			sec := int(time.Since(r.began) / time.Second)
			rate := 0
			if sec >= 1 && sec-1 < len(r.seconds) {
				rate = r.seconds[sec-1].ok
			}
			failed := 0
			for _, v := range r.failed {
				failed += v
			}
			s := fmt.Sprintf("%-8s %3ds  %6d sends/s  p99 %s  errors %d", r.label, sec, rate, fmtMS(ms(r.hist.quantile(0.99))), failed)
			r.mu.Unlock()
			if n, ok := backlog.latest(); ok {
				s += fmt.Sprintf("  backlog %d", n)
			}
			if rcv != nil {
				rcv.mu.Lock()
				s += fmt.Sprintf("  webhooks %d", rcv.posts)
				rcv.mu.Unlock()
			}
			if p.tty {
				p.line(s)
			} else {
				fmt.Fprintln(p.w, s)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
