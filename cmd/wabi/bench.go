package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// benchConfig is what wabi bench sends, where and how hard.
type benchConfig struct {
	URL         string
	Token       string
	PhoneID     string
	To          string
	Rate        int
	Concurrency int
	Duration    time.Duration
	Text        string
	OpenWindow  bool
	AdminKey    string
	// LiftLimits turns the number's limits off for the run (see limits).
	LiftLimits bool
}

// bench is the load generator: it sends text messages through the Cloud API of
// a running wabi, at a fixed rate (open loop) or as fast as a number of clients can
// (closed loop), and reports throughput and latency percentiles.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wabi bench", flag.ContinueOnError)
	c := benchConfig{}
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "base URL of the wabi to load")
	fs.StringVar(&c.Token, "token", "", "access token (default: the demo token from /api/info)")
	fs.StringVar(&c.PhoneID, "phone-number-id", "", "sending phone number id (default: the demo number)")
	fs.StringVar(&c.To, "to", "", "recipient wa_id (default: the demo virtual phone)")
	fs.IntVar(&c.Rate, "rate", 0, "requests per second, open loop; 0 sends as fast as -concurrency clients can")
	fs.IntVar(&c.Concurrency, "concurrency", 32, "clients (closed loop) or the cap on requests in flight (open loop)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long to send")
	fs.StringVar(&c.Text, "text", "Your order has shipped.", "message text")
	fs.BoolVar(&c.OpenWindow, "open-window", true, "have the recipient write first, so free-form text is allowed")
	fs.StringVar(&c.AdminKey, "admin-key", getenv("WABI_ADMIN_KEY"), "control API key, if the server needs one")
	fs.BoolVar(&c.LiftLimits, "lift-limits", false, "turn the number's limits off for the run and back after it; wabi applies Meta's by default (80 msg/s, 45 then one per 6 s to one customer), which a load test should lift with this or by starting wabi with WABI_LIMITS=off")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.Concurrency < 1 || c.Duration <= 0 || c.Rate < 0 {
		return errors.New("need -concurrency ≥ 1, -duration > 0 and -rate ≥ 0")
	}
	c.URL = strings.TrimSuffix(c.URL, "/")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.Concurrency}}
	defer client.CloseIdleConnections()
	if err := c.fillDefaults(ctx, client); err != nil {
		return err
	}
	if c.LiftLimits {
		restore, err := c.liftLimits(ctx, client, stderr)
		if err != nil {
			return err
		}
		defer restore()
	}
	fmt.Fprintf(stdout, "wabi bench: %s → %s from %s for %s, ", c.URL, c.To, c.PhoneID, c.Duration)
	if c.Rate > 0 {
		fmt.Fprintf(stdout, "%d req/s open loop (at most %d in flight)\n", c.Rate, c.Concurrency)
	} else {
		fmt.Fprintf(stdout, "%d clients closed loop\n", c.Concurrency)
	}
	r := c.run(ctx, client)
	// Connections dialled but never used would otherwise hold up the server's
	// graceful shutdown for seconds.
	client.CloseIdleConnections()
	r.print(stdout)
	if n := r.limited(); n > 0 {
		fmt.Fprintf(stdout, "\n  %d sends were refused by wabi's limits, as Meta refuses them (130429: the number's\n"+
			"  messages per second; 131056: 45 at once, then one every 6 s, to one customer). To measure\n"+
			"  wabi instead, lift them: run again with -lift-limits, start wabi with WABI_LIMITS=off, or\n"+
			"  PUT /api/phone_numbers/%s/limits {\"enabled\":false}.\n", n, c.PhoneID)
	}
	if r.ok == 0 {
		return fmt.Errorf("no request succeeded")
	}
	return nil
}

// fillDefaults takes what was not given from the server's demo (GET /api/info)
// and opens the recipient's customer service window.
func (c *benchConfig) fillDefaults(ctx context.Context, client *http.Client) error {
	if c.Token == "" || c.PhoneID == "" || c.To == "" {
		var info struct {
			PhoneNumber  struct{ ID string }    `json:"phone_number"`
			Token        struct{ Token string } `json:"token"`
			VirtualPhone *struct {
				WaID string `json:"wa_id"`
			} `json:"virtual_phone"`
		}
		if err := c.control(ctx, client, "GET", "/api/info", nil, &info); err != nil {
			return fmt.Errorf("read the demo from %s/api/info (or pass -token, -phone-number-id and -to): %w", c.URL, err)
		}
		c.Token = cmpOr(c.Token, info.Token.Token)
		c.PhoneID = cmpOr(c.PhoneID, info.PhoneNumber.ID)
		if c.To == "" && info.VirtualPhone != nil {
			c.To = info.VirtualPhone.WaID
		}
	}
	if c.Token == "" || c.PhoneID == "" || c.To == "" {
		return errors.New("no token, phone number or recipient: pass -token, -phone-number-id and -to")
	}
	if c.OpenWindow {
		body := map[string]any{"to": c.PhoneID, "type": "text", "text": map[string]string{"body": "hi (wabi bench)"}}
		if err := c.control(ctx, client, "POST", "/api/phones/"+c.To+"/messages", body, nil); err != nil {
			return fmt.Errorf("open the customer service window (or pass -open-window=false): %w", err)
		}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// control calls the control API.
func (c *benchConfig) control(ctx context.Context, client *http.Client, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, rd)
	if err != nil {
		return err
	}
	if c.AdminKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.AdminKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// benchResult is what a run measured.
type benchResult struct {
	elapsed   time.Duration
	ok        int
	failed    map[string]int // by status or error
	latencies []time.Duration
	dropped   int // open loop: sends skipped because -concurrency were in flight
}

func (c *benchConfig) run(ctx context.Context, client *http.Client) *benchResult {
	body := []byte(fmt.Sprintf(`{"messaging_product":"whatsapp","to":%q,"type":"text","text":{"body":%q}}`, c.To, c.Text))
	url := c.URL + "/v23.0/" + c.PhoneID + "/messages"
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()

	var mu sync.Mutex
	r := &benchResult{failed: map[string]int{}}
	send := func() {
		start := time.Now()
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), "POST", url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		took := time.Since(start)
		outcome := ""
		if err != nil {
			outcome = "error: " + err.Error()
		} else {
			if resp.StatusCode != http.StatusOK {
				outcome = "HTTP " + resp.Status + errorCode(resp.Body)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		mu.Lock()
		defer mu.Unlock()
		if outcome == "" {
			r.ok++
			r.latencies = append(r.latencies, took)
		} else {
			r.failed[outcome]++
		}
	}

	began := time.Now()
	var wg sync.WaitGroup
	if c.Rate == 0 {
		for range c.Concurrency {
			wg.Go(func() {
				for ctx.Err() == nil {
					send()
				}
			})
		}
	} else {
		// Each wake-up issues every send that is due by now, so a late wake-up
		// catches up instead of lowering the rate.
		slots := make(chan struct{}, c.Concurrency)
		tick := time.NewTicker(max(time.Second/time.Duration(c.Rate), time.Millisecond))
		defer tick.Stop()
		issued := 0
	loop:
		for {
			select {
			case <-ctx.Done():
				break loop
			case now := <-tick.C:
				due := int(now.Sub(began).Seconds() * float64(c.Rate))
				for ; issued < due; issued++ {
					select {
					case slots <- struct{}{}:
						wg.Go(func() { send(); <-slots })
					default:
						mu.Lock()
						r.dropped++
						mu.Unlock()
					}
				}
			}
		}
	}
	wg.Wait()
	r.elapsed = time.Since(began)
	return r
}

func (r *benchResult) print(w io.Writer) {
	fmt.Fprintf(w, "\n  sent        %d ok, %d failed in %s\n", r.ok, r.failedCount(), r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  throughput  %.0f ok/s\n", float64(r.ok)/r.elapsed.Seconds())
	if r.dropped > 0 {
		fmt.Fprintf(w, "  dropped     %d sends (the server fell behind the rate; raise -concurrency)\n", r.dropped)
	}
	if len(r.latencies) > 0 {
		slices.Sort(r.latencies)
		p := func(q float64) time.Duration {
			return r.latencies[min(len(r.latencies)-1, int(q*float64(len(r.latencies))))].Round(10 * time.Microsecond)
		}
		fmt.Fprintf(w, "  latency     p50 %s  p90 %s  p99 %s  max %s\n", p(0.50), p(0.90), p(0.99), r.latencies[len(r.latencies)-1].Round(10*time.Microsecond))
	}
	keys := make([]string, 0, len(r.failed))
	for k := range r.failed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  failed      %d × %s\n", r.failed[k], k)
	}
}

// limitCodes are the error codes of the limits a load test runs into.
var limitCodes = []string{"(#130429)", "(#131056)"}

// limited is how many sends wabi's limits refused.
func (r *benchResult) limited() int {
	n := 0
	for k, v := range r.failed {
		for _, c := range limitCodes {
			if strings.HasSuffix(k, c) {
				n += v
			}
		}
	}
	return n
}

// errorCode reads the code of a Graph error body, as " (#130429)", or "".
func errorCode(body io.Reader) string {
	var e struct {
		Error struct{ Code int } `json:"error"`
	}
	if json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&e) != nil || e.Error.Code == 0 {
		return ""
	}
	return fmt.Sprintf(" (#%d)", e.Error.Code)
}

// liftLimits turns the number's limits off through the control API and
// returns what puts its override back as it was.
func (c *benchConfig) liftLimits(ctx context.Context, client *http.Client, stderr io.Writer) (restore func(), err error) {
	path := "/api/phone_numbers/" + c.PhoneID + "/limits"
	var was struct {
		Override map[string]any `json:"override"`
	}
	if err := c.control(ctx, client, "GET", path, nil, &was); err != nil {
		return nil, fmt.Errorf("read the number's limits (or start wabi with WABI_LIMITS=off and drop -lift-limits): %w", err)
	}
	lifted := map[string]any{}
	for k, v := range was.Override {
		lifted[k] = v
	}
	lifted["enabled"] = false
	if err := c.control(ctx, client, "PUT", path, lifted, nil); err != nil {
		return nil, fmt.Errorf("lift the number's limits: %w", err)
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		var err error
		if len(was.Override) == 0 {
			err = c.control(ctx, client, "DELETE", path, nil, nil)
		} else {
			err = c.control(ctx, client, "PUT", path, was.Override, nil)
		}
		if err != nil {
			fmt.Fprintf(stderr, "wabi bench: the number's limits stay lifted: %v\n", err)
		}
	}, nil
}

func (r *benchResult) failedCount() int {
	n := 0
	for _, v := range r.failed {
		n += v
	}
	return n
}
