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
	"os"
	"strings"
	"time"
)

// benchConfig is what wabi bench sends, where and how hard.
type benchConfig struct {
	URL         string
	Token       string
	PhoneID     string
	To          string
	Dialect     string // cloud or onprem
	Numbers     int    // business numbers to create for the run; 0 uses PhoneID
	Phones      int    // virtual phones to create for the run; 0 uses To
	Mix         string // text=80,template=15,image=5
	Rate        int
	Concurrency int
	Duration    time.Duration
	Drain       time.Duration // how long to wait for the last webhooks
	Text        string
	OpenWindow  bool
	AdminKey    string
	AppID       string // the app whose webhooks are measured (default: the demo app)
	// LiftLimits turns the limits of every number of the run off for the run
	// (see limits).
	LiftLimits  bool
	Baseline    bool
	Webhooks    bool   // receive and measure the run's webhooks
	WebhookURL  string // measure this receiver through the delivery log instead
	VerifyToken string // for WebhookURL's handshake
	Secret      string // the secret bench's receiver checks signatures with
	Inbound     int    // inbound messages per second from the phones
	Report      string // HTML report file
	JSON        bool
}

// bench is the load generator: it sends messages through the Cloud API or the
// On-Premises API of a running wabi, at a fixed rate (open loop) or as fast as
// a number of clients can (closed loop), receives and checks the webhooks they
// cause, and reports throughput, latency, end-to-end latency to each status
// webhook, the webhook backlog and errors by code, optionally against a bare
// net/http handler loaded the same way.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wabi bench", flag.ContinueOnError)
	c := benchConfig{}
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "base URL of the wabi to load")
	fs.StringVar(&c.Dialect, "dialect", "cloud", "the API to send through: cloud (/v23.0/{id}/messages) or onprem (/v1/messages of deployments bench creates)")
	fs.StringVar(&c.Token, "token", "", "Cloud API access token (default: the demo token from /api/info)")
	fs.StringVar(&c.PhoneID, "phone-number-id", "", "sending phone number id, and the WABA -numbers are created in (default: the demo number)")
	fs.StringVar(&c.To, "to", "", "recipient wa_id when -phones is 0 (default: the demo virtual phone)")
	fs.IntVar(&c.Numbers, "numbers", 0, "business numbers to create for the run and spread the sends across (0: send from -phone-number-id; -dialect onprem creates at least 1)")
	fs.IntVar(&c.Phones, "phones", 0, "virtual phones to create for the run and spread the sends across (0: send to -to)")
	fs.StringVar(&c.Mix, "mix", "text=100", "message kinds by weight: text, template, image (e.g. text=80,template=15,image=5)")
	fs.IntVar(&c.Rate, "rate", 0, "sends per second, open loop (latency counted from each send's scheduled time); 0 sends as fast as -concurrency clients can")
	fs.IntVar(&c.Concurrency, "concurrency", 32, "clients (closed loop) or the cap on sends in flight (open loop)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long to send")
	fs.DurationVar(&c.Drain, "drain", 10*time.Second, "after sending, how long at most to wait for the webhooks still owed")
	fs.StringVar(&c.Text, "text", "Your order has shipped.", "message text")
	fs.BoolVar(&c.OpenWindow, "open-window", true, "have each recipient write to each number first, so free-form messages are allowed")
	fs.StringVar(&c.AdminKey, "admin-key", getenv("WABI_ADMIN_KEY"), "control API key, if the server needs one")
	fs.StringVar(&c.AppID, "app-id", "", "the app whose webhooks are measured (default: the demo app)")
	fs.BoolVar(&c.LiftLimits, "lift-limits", false, "turn the limits of every number of the run off for the run and back after it; wabi applies Meta's by default (80 msg/s, 45 then one per 6 s to one customer), which a load test should lift with this or by starting wabi with WABI_LIMITS=off")
	fs.BoolVar(&c.Baseline, "baseline", false, "first load a bare net/http + encoding/json handler served in process, the same way, and report wabi's ratio to it")
	fs.BoolVar(&c.Webhooks, "webhooks", true, "receive the run's webhooks with bench's own signature-checking receiver, subscribed for the run (restored after)")
	fs.StringVar(&c.WebhookURL, "webhook-url", "", "send the run's webhooks to this receiver instead, and measure it through wabi's delivery log")
	fs.StringVar(&c.VerifyToken, "verify-token", "wabi", "the verify token -webhook-url answers the handshake with")
	fs.StringVar(&c.Secret, "secret", "", "the app secret bench's receiver checks X-Hub-Signature-256 with (default: the app's)")
	fs.IntVar(&c.Inbound, "inbound", 0, "inbound messages per second the phones send to the numbers, to load the receiver")
	fs.StringVar(&c.Report, "report", "", "write an HTML report with charts to this file")
	fs.BoolVar(&c.JSON, "json", false, "print the results as JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.Concurrency < 1 || c.Duration <= 0 || c.Rate < 0 || c.Numbers < 0 || c.Phones < 0 || c.Inbound < 0 {
		return errors.New("need -concurrency ≥ 1, -duration > 0, and -rate, -numbers, -phones and -inbound ≥ 0")
	}
	if c.Dialect != "cloud" && c.Dialect != "onprem" {
		return fmt.Errorf("-dialect is cloud or onprem, not %q", c.Dialect)
	}
	mix, err := parseMix(c.Mix)
	if err != nil {
		return err
	}
	c.URL = strings.TrimSuffix(c.URL, "/")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.Concurrency + 8}}
	defer client.CloseIdleConnections()

	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	w, err := c.setup(ctx, client, mix, stderr, &cleanup)
	if err != nil {
		return err
	}
	res := &benchResults{Config: c.summary(w, mix)}

	if c.Baseline {
		b, err := c.runBaseline(ctx, stderr)
		if err != nil {
			return err
		}
		res.Baseline = b
	}

	var rcv *benchReceiver
	switch {
	case c.WebhookURL != "":
		if err := c.subscribe(ctx, client, w, c.WebhookURL, c.VerifyToken, stderr, &cleanup); err != nil {
			return err
		}
	case c.Webhooks:
		secret := cmpOr(c.Secret, w.secret)
		rcv, err = startReceiver(secret, c.Dialect == "cloud")
		if err != nil {
			return err
		}
		cleanup = append(cleanup, rcv.close)
		if err := c.subscribe(ctx, client, w, rcv.url, receiverVerifyToken, stderr, &cleanup); err != nil {
			return err
		}
	}

	began := time.Now()
	runCtx, stop := context.WithCancel(ctx)
	backlog := c.watchBacklog(runCtx, client, w, began)
	var inbound *inboundRun
	if c.Inbound > 0 {
		inbound = c.sendInbound(runCtx, client, w, began)
	}
	prog := newProgress(stderr)
	load := c.load(ctx, client, w, mix, began, prog, backlog, rcv)
	if inbound != nil {
		inbound.stop()
	}
	// Connections dialled but never used would otherwise hold up the server's
	// graceful shutdown for seconds.
	client.CloseIdleConnections()
	res.Load = load.summary()
	if res.Baseline != nil && res.Baseline.PerSecond > 0 && c.Rate == 0 {
		res.Ratio = res.Load.PerSecond / res.Baseline.PerSecond
	}
	if rcv != nil {
		rcv.drain(ctx, load, c.Drain, backlog, prog)
	} else if c.WebhookURL != "" {
		c.drainLog(ctx, backlog, c.Drain, prog)
	}
	stop()
	backlog.final(ctx)
	prog.done()
	res.Backlog, res.BacklogSource = backlog.series(), backlog.source
	switch {
	case rcv != nil:
		res.Webhooks = rcv.summary(load, c.Dialect == "cloud")
	case c.WebhookURL != "":
		res.Webhooks, err = c.readDeliveryLog(ctx, client, w, load, began)
		if err != nil {
			fmt.Fprintf(stderr, "wabi bench: read the delivery log: %v\n", err)
		}
	}
	if inbound != nil {
		res.Inbound = inbound.summary()
		res.Inbound.Receiver, err = c.receiverLatency(ctx, client, w, began)
		if err != nil {
			fmt.Fprintf(stderr, "wabi bench: read the inbound deliveries: %v\n", err)
		}
	}
	if c.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		res.print(stdout)
		if n := load.limited(); n > 0 {
			fmt.Fprintf(stdout, "\n  %d sends were refused by wabi's limits, as Meta refuses them (130429: the number's\n"+
				"  messages per second; 131056: 45 at once, then one every 6 s, to one customer). To measure\n"+
				"  wabi instead, lift them: run again with -lift-limits, start wabi with WABI_LIMITS=off, or\n"+
				"  PUT /api/phone_numbers/{id}/limits {\"enabled\":false}; -numbers and -phones spread the\n"+
				"  sends over more numbers and customers, as a real load would.\n", n)
		}
	}
	if c.Report != "" {
		if err := os.WriteFile(c.Report, res.html(), 0o644); err != nil {
			return fmt.Errorf("write the report: %w", err)
		}
		if !c.JSON {
			fmt.Fprintf(stdout, "\n  report      %s\n", c.Report)
		}
	}
	if load.ok == 0 {
		return fmt.Errorf("no request succeeded")
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
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return benchDo(client, req, out)
}

// benchDo sends req and decodes a 2xx answer into out; another answer is an
// error that quotes its body.
func benchDo(client *http.Client, req *http.Request, out any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// errorCode reads Meta's code from an error body of either dialect (Graph's
// {"error":{"code"}} or the On-Premises {"errors":[{"code"}]}), or 0.
func errorCode(body io.Reader) int {
	var e struct {
		Error  struct{ Code int }   `json:"error"`
		Errors []struct{ Code int } `json:"errors"`
	}
	if json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&e) != nil {
		return 0
	}
	if e.Error.Code == 0 && len(e.Errors) > 0 {
		return e.Errors[0].Code
	}
	return e.Error.Code
}
