// Package wabitest starts a whole wabi inside a Go test, as net/http/httptest
// starts an HTTP server: the Cloud API, the On-Premises API, the control API,
// the simulated network of virtual phones and the webhook engine, on a free
// loopback port with its own SQLite store in a temporary directory.
//
//	srv := wabitest.Start(t)
//	// srv.URL, srv.CloudAPI, srv.Token, srv.PhoneNumberID, srv.WABAID,
//	// srv.AppID, srv.AppSecret, srv.Customer
//
// Point the code under test at srv.CloudAPI with srv.Token. Virtual phones
// write to the business with [Phone.Send] and show what reached them with
// [Phone.Messages]; [Server.Webhooks] receives the demo app's webhooks, checks
// their signatures and hands them to the test, or to the bot under test
// (Webhooks.Handle); [Server.Fault] makes wabi fail on purpose.
//
// Each Start is a server of its own, so tests that call it may run in
// parallel. The test's cleanup stops the server and removes its files.
package wabitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/server"
)

// Server is a running wabi with its demo tenancy, or the world of a scenario,
// and a webhook receiver subscribed as the demo app's callback URL.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port, without a
	// trailing slash. The control API is at URL + "/api/".
	URL string
	// CloudAPI is the base URL of the Cloud API, URL + "/v23.0", without a
	// trailing slash: a send is a POST to CloudAPI + "/" + PhoneNumberID +
	// "/messages".
	CloudAPI string
	// Token is the demo system user's access token, for the Cloud API.
	Token string
	// BusinessID, WABAID and PhoneNumberID name the demo business, its
	// WhatsApp Business Account and its Cloud API number.
	BusinessID, WABAID, PhoneNumberID string
	// AppID and AppSecret are the demo app's; wabi signs its webhooks with
	// the secret.
	AppID, AppSecret string
	// Customer is the wa_id of the demo virtual phone.
	Customer string

	srv      *server.Server
	recv     *httptest.Server
	hooks    *Webhooks
	adminKey string
	client   *http.Client
	// dir is removed by Close when New made it.
	dir string
}

// An Option changes how Start and New set up the server.
type Option func(*options)

type options struct {
	env      map[string]string
	scenario []byte
	file     string
	log      io.Writer
}

// WithoutLimits lifts Meta's rate and messaging limits (WABI_LIMITS=off),
// which are on by default: 80 messages a second per number, 45 at once to one
// customer and then one per 6 seconds, and the messaging tiers.
func WithoutLimits() Option {
	return WithEnv("WABI_LIMITS", "off")
}

// WithScenario starts the server with a scenario, in YAML or JSON
// (docs/scenarios.md), instead of the demo. The Server's demo fields then
// name the scenario's first business, WABA, number, app and token, and the
// first app gets the receiver as its callback URL unless the scenario gives it
// one.
func WithScenario(yamlOrJSON []byte) Option {
	return func(o *options) { o.scenario, o.file = yamlOrJSON, "" }
}

// WithScenarioFile is WithScenario with the scenario read from a file.
func WithScenarioFile(path string) Option {
	return func(o *options) { o.file, o.scenario = path, nil }
}

// WithEnv sets one of wabi serve's settings by its variable, as
// WithEnv("WABI_TEMPLATE_REVIEW_DELAY", "0s"); wabi serve -h lists them.
// The server reads no other variable of the process: only the defaults and
// what WithEnv sets. WABI_ADDR, WABI_DATA and WABI_STORE are wabitest's to
// choose.
func WithEnv(name, value string) Option {
	return func(o *options) { o.env[name] = value }
}

// Start starts a wabi for the test and stops it, removing its files, when the
// test ends. It fails the test at once if the server cannot start. Its log
// goes to t.Log: warnings and errors, and every request with -v.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := newOptions(opts)
	level := "warn"
	if testing.Verbose() {
		level = "info"
	}
	if _, ok := o.env["WABI_LOG_LEVEL"]; !ok {
		o.env["WABI_LOG_LEVEL"] = level
	}
	o.log = &testLog{t: t}
	s, err := start(t.TempDir(), o)
	if err != nil {
		t.Fatalf("wabitest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("wabitest: %v", err)
		}
	})
	return s
}

// New starts a wabi outside a test's lifetime, as for a TestMain that shares
// one server among a package's tests; Close stops it. Its warnings and errors
// go to standard error.
func New(opts ...Option) (*Server, error) {
	o := newOptions(opts)
	if _, ok := o.env["WABI_LOG_LEVEL"]; !ok {
		o.env["WABI_LOG_LEVEL"] = "warn"
	}
	o.log = os.Stderr
	dir, err := os.MkdirTemp("", "wabitest-")
	if err != nil {
		return nil, fmt.Errorf("wabitest: %w", err)
	}
	s, err := start(dir, o)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("wabitest: %w", err)
	}
	s.dir = dir
	return s, nil
}

// Close stops the server and its webhook receiver: open requests get up to
// 10 seconds to finish. Start's cleanup calls it; a second call does nothing
// more.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.recv.Close()
	s.hooks.close()
	if s.dir != "" {
		if rerr := os.RemoveAll(s.dir); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// Webhooks is the receiver of the demo app's webhooks.
func (s *Server) Webhooks() *Webhooks { return s.hooks }

func newOptions(opts []Option) *options {
	o := &options{env: map[string]string{
		// Failed deliveries come again soon, not after wabi's 30 seconds.
		"WABI_WEBHOOK_RETRY_MIN": "100ms",
	}}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// start starts the receiver and the server, with its files in dir, and
// subscribes the receiver.
func start(dir string, o *options) (_ *Server, err error) {
	hooks := newWebhooks()
	s := &Server{hooks: hooks, recv: httptest.NewServer(http.HandlerFunc(hooks.serve)), client: &http.Client{Timeout: time.Minute}}
	defer func() {
		if err != nil {
			s.recv.Close()
		}
	}()
	env := o.env
	env["WABI_ADDR"], env["WABI_DATA"], env["WABI_STORE"] = "127.0.0.1:0", filepath.Join(dir, "data"), "sqlite"
	if o.scenario != nil {
		env["WABI_SCENARIO"] = filepath.Join(dir, "scenario.yaml")
		if err := os.WriteFile(env["WABI_SCENARIO"], o.scenario, 0o600); err != nil {
			return nil, err
		}
	} else if o.file != "" {
		env["WABI_SCENARIO"] = o.file
	}
	cfg, err := server.NewConfig(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	cfg.Getenv, cfg.Log, cfg.Version = os.Getenv, o.log, "wabitest"
	s.srv, err = server.Start(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	s.adminKey = cfg.AdminKey
	defer func() {
		if err != nil {
			s.srv.Close()
		}
	}()
	s.URL = s.srv.URL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.readInfo(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// readInfo fills the demo fields from GET /api/info and makes the receiver
// the demo app's callback URL, unless the app has one.
func (s *Server) readInfo(ctx context.Context) error {
	var in struct {
		Business    struct{ ID string } `json:"business"`
		WABA        struct{ ID string } `json:"waba"`
		PhoneNumber struct{ ID string } `json:"phone_number"`
		App         struct {
			ID          string   `json:"id"`
			Secret      string   `json:"secret"`
			CallbackURL string   `json:"callback_url"`
			Fields      []string `json:"fields"`
		} `json:"app"`
		Token        struct{ Token string } `json:"token"`
		VirtualPhone struct {
			WaID string `json:"wa_id"`
		} `json:"virtual_phone"`
		Links map[string]string `json:"links"`
	}
	if err := s.control(ctx, "GET", "/api/info", nil, &in); err != nil {
		return err
	}
	s.CloudAPI = strings.TrimSuffix(in.Links["cloud_api"], "/")
	s.BusinessID, s.WABAID, s.PhoneNumberID = in.Business.ID, in.WABA.ID, in.PhoneNumber.ID
	s.AppID, s.AppSecret, s.Token, s.Customer = in.App.ID, in.App.Secret, in.Token.Token, in.VirtualPhone.WaID
	s.hooks.setSecret(s.AppSecret)
	if s.AppID == "" || in.App.CallbackURL != "" {
		return nil
	}
	body := map[string]any{"callback_url": s.recv.URL + "/webhook", "verify_token": verifyToken}
	if len(in.App.Fields) == 0 {
		// An app of a scenario may name no fields: it gets those of the demo.
		body["fields"] = []string{"messages", "message_template_status_update", "message_template_quality_update", "template_category_update"}
	}
	if err := s.control(ctx, "PUT", "/api/apps/"+s.AppID+"/webhook", body, nil); err != nil {
		return fmt.Errorf("subscribe the webhook receiver: %w", err)
	}
	return nil
}

// testLog writes the server's log lines to t.Log.
type testLog struct {
	t  testing.TB
	mu sync.Mutex
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// errClosed is what waiting on a closed receiver returns.
var errClosed = errors.New("wabitest: the server is closed")
