package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/webhook"
)

// maxListenBody caps a webhook body; wabi's are a few KiB.
const maxListenBody = 4 << 20

// listenConfig is what wabi listen receives, checks and answers.
type listenConfig struct {
	Addr        string
	Path        string
	VerifyToken string
	Secret      string
	WabiURL     string
	AdminKey    string
	Subscribe   bool
	CallbackURL string
	Status      int
	Delay       time.Duration
}

// listen is a webhook receiver for trying wabi without writing one: it answers
// the hub.challenge handshake, checks each body's X-Hub-Signature-256 and
// prints the body, until ctx ends. With -subscribe it makes itself the demo
// app's callback URL first.
func listen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wabi listen", flag.ContinueOnError)
	c := listenConfig{}
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8090", "address to receive webhooks on")
	fs.StringVar(&c.Path, "path", "/webhook", `URL path to receive webhooks on ("/" takes every path)`)
	fs.StringVar(&c.VerifyToken, "verify-token", "wabi", "verify token the hub.challenge handshake must carry")
	fs.StringVar(&c.Secret, "secret", "", "app secret to check X-Hub-Signature-256 with (default: the demo app's, from -wabi)")
	fs.StringVar(&c.WabiURL, "wabi", "http://127.0.0.1:8080", `base URL of the wabi whose demo app to use; "" for none`)
	fs.StringVar(&c.AdminKey, "admin-key", getenv("WABI_ADMIN_KEY"), "control API key, if that wabi needs one (env WABI_ADMIN_KEY)")
	fs.BoolVar(&c.Subscribe, "subscribe", false, "make this receiver the demo app's callback URL (POST /{app-id}/subscriptions)")
	fs.StringVar(&c.CallbackURL, "callback-url", "", "URL wabi reaches this receiver at, for -subscribe (default: http://<addr><path>)")
	fs.IntVar(&c.Status, "status", http.StatusOK, "HTTP status to answer webhooks with, to rehearse failures (e.g. 500)")
	fs.DurationVar(&c.Delay, "delay", 0, "wait this long before answering each webhook, to rehearse slow receivers (e.g. 2s)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.Status < 100 || c.Status > 599 {
		return fmt.Errorf("-status must be an HTTP status from 100 to 599, not %d", c.Status)
	}
	if c.Delay < 0 {
		return fmt.Errorf("-delay must not be negative, not %s", c.Delay)
	}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = "/" + c.Path
	}
	c.WabiURL = strings.TrimSuffix(c.WabiURL, "/")
	if c.Subscribe && c.WabiURL == "" {
		return errors.New("-subscribe needs the wabi to subscribe to: pass -wabi")
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (pick another with -addr): %w", c.Addr, err)
	}
	defer ln.Close()
	callback := c.CallbackURL
	if callback == "" {
		callback = "http://" + reachable(ln.Addr()) + c.Path
	}
	out := &printer{w: stdout}
	out.printf("wabi listen: receiving webhooks at %s (verify token %q)\n", callback, c.VerifyToken)

	// The handshake wabi runs on -subscribe comes back to this server, so it
	// serves before anything is asked of wabi.
	rc := &receiver{cfg: &c, out: out}
	srv := &http.Server{
		Handler:           rc,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30*time.Second + c.Delay,
		IdleTimeout:       2 * time.Minute,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	defer srv.Close()

	if c.WabiURL != "" && (c.Secret == "" || c.Subscribe) {
		if err := c.useDemo(ctx, out, callback); err != nil {
			if c.Subscribe {
				return err
			}
			fmt.Fprintf(stderr, "wabi listen: %v\nwabi listen: signatures are not checked; pass -secret to check them\n", err)
		}
	}
	rc.setSecret(c.Secret)
	if c.Secret == "" {
		out.printf("No app secret: signatures are shown, not checked.\n")
	}
	out.printf("Waiting for webhooks; Ctrl-C stops.\n\n")

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// reachable is the host:port a local client reaches a listener at: an
// unspecified address (0.0.0.0, ::) is reached on loopback.
func reachable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// demoInfo is the part of GET /api/info that wabi listen uses.
type demoInfo struct {
	App *struct {
		ID         string `json:"id"`
		Secret     string `json:"secret"`
		APIVersion string `json:"api_version"`
	} `json:"app"`
	Token *struct {
		Token string `json:"token"`
	} `json:"token"`
}

// useDemo reads the demo app from wabi: its secret, when none was given, and
// with -subscribe makes callback its webhook URL through the Cloud API, as an
// integration would at Meta.
func (c *listenConfig) useDemo(ctx context.Context, out *printer, callback string) error {
	client := &http.Client{Timeout: 15 * time.Second}
	defer client.CloseIdleConnections()
	var in demoInfo
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.WabiURL+"/api/info", nil)
	if err != nil {
		return fmt.Errorf("-wabi %q is not a URL: %w", c.WabiURL, err)
	}
	if c.AdminKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.AdminKey)
	}
	if err := doJSON(client, req, &in); err != nil {
		return fmt.Errorf("read the demo app from %s/api/info (is wabi running there? see -wabi): %w", c.WabiURL, err)
	}
	if in.App == nil {
		return fmt.Errorf("%s/api/info shows no app", c.WabiURL)
	}
	if c.Secret == "" {
		c.Secret = in.App.Secret
		out.printf("Checking signatures with the secret of app %s (from %s/api/info).\n", in.App.ID, c.WabiURL)
	}
	if !c.Subscribe {
		return nil
	}
	if in.Token == nil {
		return fmt.Errorf("%s/api/info shows no access token to subscribe with", c.WabiURL)
	}
	version := in.App.APIVersion
	if version == "" {
		version = "v23.0"
	}
	// The app keeps its fields and its API version: only the URL and the
	// verify token change.
	body, _ := json.Marshal(map[string]string{
		"object": "whatsapp_business_account", "callback_url": callback, "verify_token": c.VerifyToken,
	})
	endpoint := c.WabiURL + "/" + version + "/" + in.App.ID + "/subscriptions"
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+in.Token.Token)
	if err := doJSON(client, req, nil); err != nil {
		return fmt.Errorf("subscribe app %s to %s: %w", in.App.ID, callback, err)
	}
	out.printf("Subscribed: app %s now sends its webhooks to %s.\n", in.App.ID, callback)
	return nil
}

// doJSON sends req and decodes a 2xx answer into v (nil: discard it). Any
// other answer is an error with the start of its body, which is wabi's error
// envelope.
func doJSON(client *http.Client, req *http.Request, v any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b[:min(len(b), 512)]))
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(b, v)
}

// printer writes whole blocks to the terminal, one request at a time.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

func (p *printer) write(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = p.w.Write(b)
}

// receiver is wabi listen's HTTP handler.
type receiver struct {
	cfg *listenConfig
	out *printer

	mu     sync.Mutex
	secret string
}

func (rc *receiver) setSecret(s string) {
	rc.mu.Lock()
	rc.secret = s
	rc.mu.Unlock()
}

func (rc *receiver) getSecret() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.secret
}

// ServeHTTP answers the handshake (GET) and webhooks (POST) on the path.
func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now().Format("15:04:05")
	if rc.cfg.Path != "/" && r.URL.Path != rc.cfg.Path {
		rc.out.printf("%s  %s %s  404  not the webhook path (%s)\n", now, r.Method, r.URL.Path, rc.cfg.Path)
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		rc.handshake(w, r, now)
	case http.MethodPost:
		rc.delivery(w, r, now)
	default:
		rc.out.printf("%s  %s %s  405  only GET (handshake) and POST (webhooks)\n", now, r.Method, r.URL.Path)
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// handshake answers Meta's verification GET: the challenge, if the mode is
// subscribe and the verify token is ours.
func (rc *receiver) handshake(w http.ResponseWriter, r *http.Request, now string) {
	q := r.URL.Query()
	mode, token, challenge := q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge")
	var why string
	switch {
	case mode != "subscribe":
		why = fmt.Sprintf("hub.mode is %q, not subscribe", mode)
	case !hmac.Equal([]byte(token), []byte(rc.cfg.VerifyToken)):
		// The token itself is not printed: it is a shared secret.
		why = "hub.verify_token is not the -verify-token"
	case challenge == "":
		why = "no hub.challenge"
	}
	if why != "" {
		rc.out.printf("%s  GET %s  403  handshake REFUSED: %s\n", now, r.URL.Path, why)
		http.Error(w, "verification failed", http.StatusForbidden)
		return
	}
	rc.out.printf("%s  GET %s  200  handshake OK: answered the challenge\n", now, r.URL.Path)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, challenge)
}

// delivery prints one webhook, then answers it with -status after -delay.
func (rc *receiver) delivery(w http.ResponseWriter, r *http.Request, now string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxListenBody))
	if err != nil {
		rc.out.printf("%s  POST %s  400  cannot read the body: %v\n", now, r.URL.Path, err)
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s  POST %s  %d  %s  %s\n", now, r.URL.Path, rc.cfg.Status,
		signatureState(rc.getSecret(), r.Header.Get("X-Hub-Signature-256"), body), summarize(body))
	if err := json.Indent(&b, body, "", "  "); err != nil {
		b.WriteString("(not JSON) ")
		b.Write(body)
	}
	b.WriteString("\n\n")
	rc.out.write(b.Bytes())

	if rc.cfg.Delay > 0 {
		t := time.NewTimer(rc.cfg.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(rc.cfg.Status)
	if rc.cfg.Status/100 == 2 {
		io.WriteString(w, "EVENT_RECEIVED")
	}
}

// signatureState checks header against body under secret.
func signatureState(secret, header string, body []byte) string {
	switch {
	case header == "":
		// The On-Premises API sends its webhooks unsigned.
		return "UNSIGNED"
	case secret == "":
		return "signature not checked (no -secret)"
	case hmac.Equal([]byte(header), []byte(webhook.Sign(secret, body))):
		return "signature OK"
	}
	return "BAD SIGNATURE"
}

// summarize says in a few words what a webhook is about: its field and what
// it carries, for the Cloud API's envelope and the On-Premises API's.
func summarize(body []byte) string {
	type content struct {
		Messages []struct {
			Type string `json:"type"`
			From string `json:"from"`
		} `json:"messages"`
		Statuses []struct {
			Status      string `json:"status"`
			RecipientID string `json:"recipient_id"`
		} `json:"statuses"`
		Errors []json.RawMessage `json:"errors"`
	}
	var env struct {
		Object string `json:"object"`
		Entry  []struct {
			Changes []struct {
				Field string  `json:"field"`
				Value content `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
		content
	}
	if json.Unmarshal(body, &env) != nil {
		return "not JSON"
	}
	var parts []string
	what := func(field string, c content) {
		s := field
		for _, m := range c.Messages {
			s += fmt.Sprintf(": %s message from %s", m.Type, m.From)
		}
		for _, st := range c.Statuses {
			s += fmt.Sprintf(": status %s for %s", st.Status, st.RecipientID)
		}
		if len(c.Errors) > 0 {
			s += ": errors"
		}
		parts = append(parts, s)
	}
	for _, e := range env.Entry {
		for _, ch := range e.Changes {
			what("field "+ch.Field, ch.Value)
		}
	}
	if env.Object == "" {
		// On-Premises: the content is the top level.
		what("On-Premises", env.content)
	}
	return strings.Join(parts, "; ")
}
