package server

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/adminkey"
	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/seal"
)

// Config is every setting of a server. Each setting comes from a flag, else
// from its WABI_* environment variable, else from the default: Bind and
// NewConfig build one. The fields after the settings say where the server
// writes and how it names itself; Start needs none of them.
type Config struct {
	Addr            string
	Data            string
	Store           string
	MediaDir        string
	APIVersion      string
	LogLevel        string
	LogFormat       string
	AdminKey        string
	OnPremAPIKey    string
	WebhookRetryFor time.Duration
	WebhookRetryMin time.Duration
	WebhookTimeout  time.Duration
	WindowErrorSync bool
	PublicURL       string
	MediaFetchAllow []string
	WebhookTargets  string
	WebhookAllow    []string
	MediaSweep      time.Duration
	// MessageRetention and DeliveryRetention: 0 keeps forever.
	MessageRetention  time.Duration
	DeliveryRetention time.Duration
	ReviewDelay       time.Duration
	// Limits is "meta" (Meta's rate limits) or "off".
	Limits string
	// Quality are the timings of messaging tiers and quality ratings.
	Quality platform.QualityRules
	// Scenario is a scenario file applied at start instead of the demo;
	// ScenarioOut is where the ids it set up are written as JSON. "" for none.
	Scenario    string
	ScenarioOut string
	// Key seals the upstream secrets of relayed numbers; nil reads or makes
	// KeyFile. KeyPrevious still open what earlier keys sealed (keys.go).
	Key         Key
	KeyPrevious []Key
	KeyFile     string

	// Version is the version the banner names.
	Version string
	// Banner receives the banner (URLs, ids and token) once the server
	// listens; nil prints none.
	Banner io.Writer
	// Log receives the server's log, at LogLevel in LogFormat; nil discards
	// it.
	Log io.Writer

	// Getenv reads the variables a scenario file names ("${VAR}"); nil
	// reads none. Bind sets it to the environment the settings came from.
	Getenv func(string) string
}

// setting is one entry of the config table.
type setting struct {
	flag, env, def, help string
	set                  func(c *Config, v string) error
}

var settings = []setting{
	{"addr", "WABI_ADDR", "127.0.0.1:8080", "address to listen on; anything but loopback needs an admin key",
		func(c *Config, v string) error { c.Addr = v; return nil }},
	{"data", "WABI_DATA", "./wabi-data", "directory for the database and files",
		func(c *Config, v string) error { c.Data = v; return nil }},
	{"store", "WABI_STORE", "sqlite", "sqlite (wabi.db in the data directory) or a PostgreSQL URL, postgres://user:password@host:5432/db, which several wabi nodes may share",
		func(c *Config, v string) error {
			if v != "sqlite" && !isPostgres(v) {
				return fmt.Errorf("must be sqlite or a postgres:// URL")
			}
			c.Store = v
			return nil
		}},
	{"media-dir", "WABI_MEDIA_DIR", "", "directory for media bytes (default media/ in the data directory); nodes sharing a PostgreSQL store must share it",
		func(c *Config, v string) error { c.MediaDir = v; return nil }},
	{"api-version", "WABI_API_VERSION", "v23.0", "Graph API version for unversioned paths and new apps",
		func(c *Config, v string) error { c.APIVersion = v; return nil }},
	{"log-level", "WABI_LOG_LEVEL", "info", "debug, info, warn or error",
		func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{"log-format", "WABI_LOG_FORMAT", "text", "text or json",
		func(c *Config, v string) error { c.LogFormat = v; return nil }},
	{"admin-key", "WABI_ADMIN_KEY", "", "key the control API requires; beyond loopback without one, wabi makes one in the data directory (wabi admin-key prints it); at least 16 characters",
		func(c *Config, v string) error {
			if err := checkAdminKey(v); err != nil {
				return err
			}
			c.AdminKey = v
			return nil
		}},
	{"onprem-api-key", "WABI_ONPREM_API_KEY", "", "operator-wide API key the On-Premises monitoring endpoints of every deployment accept (Authorization: Apikey <key>), besides each deployment's own key; 12 to 128 characters",
		func(c *Config, v string) error {
			if v != "" && (len(v) < 12 || len(v) > 128) {
				return fmt.Errorf("must be 12 to 128 characters long")
			}
			c.OnPremAPIKey = v
			return nil
		}},
	{"webhook-retry-for", "WABI_WEBHOOK_RETRY_FOR", "168h", "how long a failing webhook is retried",
		durationSetter(func(c *Config) *time.Duration { return &c.WebhookRetryFor })},
	{"webhook-retry-min", "WABI_WEBHOOK_RETRY_MIN", "30s", "first webhook retry delay (doubles up to 1h)",
		durationSetter(func(c *Config) *time.Duration { return &c.WebhookRetryMin })},
	{"webhook-timeout", "WABI_WEBHOOK_TIMEOUT", "20s", "how long a webhook receiver may take to answer",
		durationSetter(func(c *Config) *time.Duration { return &c.WebhookTimeout })},
	{"public-url", "WABI_PUBLIC_URL", "", "URL clients reach wabi at, for media download URLs (default: each request's host)",
		func(c *Config, v string) error { c.PublicURL = strings.TrimSuffix(v, "/"); return nil }},
	{"media-fetch-allow", "WABI_MEDIA_FETCH_ALLOW", "", "CIDRs or hosts that media links may point to although they are private or loopback",
		func(c *Config, v string) (err error) { c.MediaFetchAllow, err = fetch.ParseAllow(v); return err }},
	{"webhook-targets", "WABI_WEBHOOK_TARGETS", "local", "where webhooks and callback handshakes may go: local (public addresses, loopback and private networks) or public (public addresses and WABI_WEBHOOK_ALLOW only)",
		func(c *Config, v string) error {
			if v != "local" && v != "public" {
				return fmt.Errorf("must be local or public, not %q", v)
			}
			c.WebhookTargets = v
			return nil
		}},
	{"webhook-allow", "WABI_WEBHOOK_ALLOW", "", "with WABI_WEBHOOK_TARGETS=public: CIDRs or hosts that webhooks may reach although they are private or loopback",
		func(c *Config, v string) (err error) { c.WebhookAllow, err = fetch.ParseAllow(v); return err }},
	{"media-sweep-every", "WABI_MEDIA_SWEEP_EVERY", "1m", "how often expired media, old messages and old webhook deliveries are deleted",
		durationSetter(func(c *Config) *time.Duration { return &c.MediaSweep })},
	{"message-retention", "WABI_MESSAGE_RETENTION", "30d", "how long messages (and media received or fetched with them) are kept, as 30d or 12h; 0 keeps them forever",
		retentionSetter(func(c *Config) *time.Duration { return &c.MessageRetention })},
	{"delivery-retention", "WABI_DELIVERY_RETENTION", "7d", "how long webhook deliveries are kept once delivered or given up, as 7d or 12h; 0 keeps them forever",
		retentionSetter(func(c *Config) *time.Duration { return &c.DeliveryRetention })},
	{"template-review-delay", "WABI_TEMPLATE_REVIEW_DELAY", "5s", "how long new templates stay PENDING before the review decides; \"manual\" leaves every decision to the control API",
		func(c *Config, v string) error {
			if v == "manual" {
				c.ReviewDelay = -1
				return nil
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("%q is not a duration such as 5s or 0s, nor manual", v)
			}
			c.ReviewDelay = d
			return nil
		}},
	{"limits", "WABI_LIMITS", "meta", "meta applies Meta's limits (80 msg/s per number, 45 then one per 6 s to one customer, management calls per hour, messaging tiers), which the control API overrides per WABA and number; off lifts them all, for load tests",
		func(c *Config, v string) error {
			if v != "meta" && v != "off" {
				return fmt.Errorf("must be meta or off, not %q", v)
			}
			c.Limits = v
			return nil
		}},
	{"quality-timings", "WABI_QUALITY_TIMINGS", "meta", "timings of messaging tiers and quality ratings: meta (an upgrade 6h after the rule is met, a tier lost per 7 days RED, a 1-minute throughput upgrade), or some of upgrade=, red= and throughput= as durations, e.g. upgrade=0s,red=10m,throughput=5s",
		func(c *Config, v string) (err error) { c.Quality, err = parseQualityTimings(v); return err }},
	{"scenario", "WABI_SCENARIO", "", "a scenario file (YAML or JSON, docs/scenarios.md) applied on every start instead of making the demo: businesses, numbers, apps, tokens, phones, templates, limits and faults",
		func(c *Config, v string) error { c.Scenario = v; return nil }},
	{"scenario-out", "WABI_SCENARIO_OUT", "", "with -scenario: a file to write the ids, secrets and tokens the scenario set up to, as JSON, for CI scripts",
		func(c *Config, v string) error { c.ScenarioOut = v; return nil }},
	{"key", "WABI_KEY", "", "key that seals the upstream secrets of relayed numbers: 32 bytes in base64 or hex, such as the output of openssl rand -base64 32 (default: the key file); prefer the variable to the flag, which other users of the machine can see",
		func(c *Config, v string) (err error) {
			if v != "" {
				c.Key, err = seal.ParseKey(v)
			}
			return err
		}},
	{"key-previous", "WABI_KEY_PREVIOUS", "", "comma-separated keys used before WABI_KEY, which still open what they sealed; each start seals it again under the current key",
		func(c *Config, v string) error {
			for i, part := range strings.Split(v, ",") {
				if strings.TrimSpace(part) == "" {
					continue
				}
				k, err := seal.ParseKey(part)
				if err != nil {
					return fmt.Errorf("key %d: %w", i+1, err)
				}
				c.KeyPrevious = append(c.KeyPrevious, k)
			}
			return nil
		}},
	{"key-file", "WABI_KEY_FILE", "", "file holding the key when WABI_KEY is unset, made on first start (default wabi.key in the data directory); nodes sharing PostgreSQL need one key",
		func(c *Config, v string) error { c.KeyFile = v; return nil }},
	{"window-error-sync", "WABI_WINDOW_ERROR_SYNC", "false", "answer sends outside the 24-hour window with an error instead of a failed status",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			c.WindowErrorSync = b
			return err
		}},
}

// checkAdminKey refuses a set admin key that is short or one character over and
// over (adminkey.Check). The error never quotes the key: it may sit in a log.
func checkAdminKey(v string) error {
	if v == "" {
		return nil
	}
	return adminkey.Check(v)
}

// retentionSetter reads a retention: whole days ("30d"), a Go duration ("12h"),
// or 0 for forever.
func retentionSetter(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		var d time.Duration
		var err error
		if days, ok := strings.CutSuffix(v, "d"); ok {
			var n int
			n, err = strconv.Atoi(days)
			d = time.Duration(n) * 24 * time.Hour
			if n > 100*365 {
				err = fmt.Errorf("too long")
			}
		} else {
			d, err = time.ParseDuration(v)
		}
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a retention such as 30d, 12h or 0 (forever)", v)
		}
		*field(c) = d
		return nil
	}
}

func durationSetter(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration such as 30s or 2h", v)
		}
		*field(c) = d
		return nil
	}
}

// Bind defines every setting as a flag of fs (each flag's help names its
// variable and default). The function it returns, called once fs is parsed,
// builds the Config: each setting from its flag, else from getenv, else from
// its default.
func Bind(fs *flag.FlagSet, getenv func(string) string) func() (*Config, error) {
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def))
	}
	return func() (*Config, error) {
		c := &Config{Getenv: getenv}
		for i, s := range settings {
			v, from := *values[i], "flag -"+s.flag
			if v == "" {
				v, from = getenv(s.env), s.env
			}
			if v == "" {
				v, from = s.def, "default of "+s.env
			}
			if err := s.set(c, v); err != nil {
				return nil, fmt.Errorf("%s: %w", from, err)
			}
		}
		if err := c.check(); err != nil {
			return nil, err
		}
		return c, nil
	}
}

// NewConfig builds a Config from getenv, which reads WABI_* variables, and
// the defaults.
func NewConfig(getenv func(string) string) (*Config, error) {
	return Bind(flag.NewFlagSet("wabi", flag.ContinueOnError), getenv)()
}

// check refuses settings that are wrong together or that Start would trip
// over.
func (c *Config) check() error {
	if _, err := c.level(); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log format must be text or json, not %q", c.LogFormat)
	}
	if c.ScenarioOut != "" && c.Scenario == "" {
		return fmt.Errorf("-scenario-out (WABI_SCENARIO_OUT) needs a scenario: set -scenario or WABI_SCENARIO")
	}
	return nil
}

func (c *Config) level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("log level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	return l, nil
}

// logger is the server's logger, writing to c.Log.
func (c *Config) logger() *slog.Logger {
	w := c.Log
	if w == nil {
		w = io.Discard
	}
	l, _ := c.level()
	opts := &slog.HandlerOptions{Level: l}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// parseQualityTimings reads "meta", or Meta's timings with some replaced:
// "upgrade=0s,red=10m,throughput=5s".
func parseQualityTimings(v string) (platform.QualityRules, error) {
	q := platform.MetaQualityRules()
	if v == "meta" {
		return q, nil
	}
	for _, part := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		d, err := time.ParseDuration(value)
		if !ok || err != nil || d < 0 {
			return q, fmt.Errorf("%q is not name=duration (upgrade=0s, red=10m, throughput=5s)", part)
		}
		switch name {
		case "upgrade":
			q.UpgradeDelay = d
		case "red":
			if d == 0 {
				return q, fmt.Errorf("red must be longer than 0s")
			}
			q.RedPeriod = d
		case "throughput":
			q.ThroughputUpgrade = d
		default:
			return q, fmt.Errorf("unknown timing %q: use upgrade, red or throughput", name)
		}
	}
	return q, nil
}

// env reads a variable a scenario names, through Getenv.
func (c *Config) env(name string) string {
	if c.Getenv == nil {
		return ""
	}
	return c.Getenv(name)
}
