package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	wabiserver "github.com/wabihq/wabi/internal/server"
)

// TestConfigPrecedence: a flag beats its WABI_* variable, which beats the default.
func TestConfigPrecedence(t *testing.T) {
	env := map[string]string{"WABI_ADDR": "127.0.0.1:9999", "WABI_DATA": "/env/data", "WABI_WEBHOOK_RETRY_FOR": "2h"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		args []string
		want func(c *wabiserver.Config) bool
	}{
		{"env over default", nil, func(c *wabiserver.Config) bool {
			return c.Addr == "127.0.0.1:9999" && c.Data == "/env/data" && c.WebhookRetryFor == 2*time.Hour
		}},
		{"flag over env", []string{"-addr", "127.0.0.1:1234", "-webhook-retry-for", "30m"}, func(c *wabiserver.Config) bool {
			return c.Addr == "127.0.0.1:1234" && c.WebhookRetryFor == 30*time.Minute && c.Data == "/env/data"
		}},
		{"defaults", nil, func(c *wabiserver.Config) bool {
			return c.APIVersion == "v23.0" && c.LogLevel == "info" && c.WebhookRetryMin == 30*time.Second && !c.WindowErrorSync
		}},
		{"bool flag", []string{"-window-error-sync", "true"}, func(c *wabiserver.Config) bool { return c.WindowErrorSync }},
		{"review delay", []string{"-template-review-delay", "0s"}, func(c *wabiserver.Config) bool { return c.ReviewDelay == 0 }},
		{"manual review", []string{"-template-review-delay", "manual"}, func(c *wabiserver.Config) bool { return c.ReviewDelay < 0 }},
		{"default retention", nil, func(c *wabiserver.Config) bool {
			return c.MessageRetention == 30*24*time.Hour && c.DeliveryRetention == 7*24*time.Hour
		}},
		{"retention in days and hours", []string{"-message-retention", "90d", "-delivery-retention", "36h"}, func(c *wabiserver.Config) bool {
			return c.MessageRetention == 90*24*time.Hour && c.DeliveryRetention == 36*time.Hour
		}},
		{"retention forever", []string{"-message-retention", "0", "-delivery-retention", "0d"}, func(c *wabiserver.Config) bool {
			return c.MessageRetention == 0 && c.DeliveryRetention == 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.want(c) {
				t.Errorf("config %+v", c)
			}
		})
	}
}

// TestConfigErrors: bad values are refused with a message naming their source.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-webhook-retry-for", "soon"}, nil, "flag -webhook-retry-for"},
		{nil, map[string]string{"WABI_WEBHOOK_TIMEOUT": "-1s"}, "WABI_WEBHOOK_TIMEOUT"},
		{nil, map[string]string{"WABI_LOG_LEVEL": "loud"}, "log level"},
		{[]string{"-log-format", "xml"}, nil, "log format"},
		{[]string{"-window-error-sync", "maybe"}, nil, "window-error-sync"},
		{[]string{"extra"}, nil, "unexpected arguments"},
		{[]string{"-template-review-delay", "-5s"}, nil, "template-review-delay"},
		{[]string{"-nope"}, nil, "not defined"},
		{nil, map[string]string{"WABI_MESSAGE_RETENTION": "a month"}, "WABI_MESSAGE_RETENTION"},
		{[]string{"-delivery-retention", "-7d"}, nil, "flag -delivery-retention"},
		{nil, map[string]string{"WABI_DELIVERY_RETENTION": "1.5d"}, "such as 30d"},
		{nil, map[string]string{"WABI_QUALITY_TIMINGS": "upgrade=soon"}, "name=duration"},
		{[]string{"-quality-timings", "flag=1s"}, nil, "unknown timing"},
		{[]string{"-quality-timings", "red=0s"}, nil, "longer than 0s"},
	}
	for _, tt := range tests {
		_, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("args %v env %v: error %v, want it to mention %q", tt.args, tt.env, err, tt.want)
		}
	}
}

// TestQualityTimings: Meta's timings by default, some of them replaced by name.
func TestQualityTimings(t *testing.T) {
	meta := platform.MetaQualityRules()
	c, err := parseConfig(nil, func(string) string { return "" })
	if err != nil || c.Quality != meta {
		t.Fatalf("default: %+v, %v; want Meta's %+v", c.Quality, err, meta)
	}
	c, err = parseConfig([]string{"-quality-timings", "upgrade=0s, throughput=5s"}, func(string) string { return "" })
	want := meta
	want.UpgradeDelay, want.ThroughputUpgrade = 0, 5*time.Second
	if err != nil || c.Quality != want {
		t.Fatalf("upgrade=0s,throughput=5s: %+v, %v; want %+v", c.Quality, err, want)
	}
}

// TestAdminKeyStrength: a set admin key must be strong, wherever wabi listens;
// the refusal names the variable or flag and never quotes the key.
func TestAdminKeyStrength(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // "" for accepted
	}{
		{"one character", nil, map[string]string{"WABI_ADMIN_KEY": "Q"}, "WABI_ADMIN_KEY: the admin key must be at least 16 characters long (it has 1)"},
		{"a word", []string{"-admin-key", "hunter2"}, nil, "flag -admin-key: the admin key must be at least 16"},
		{"fifteen characters", nil, map[string]string{"WABI_ADMIN_KEY": "0123456789abcde"}, "at least 16"},
		{"one character over and over", nil, map[string]string{"WABI_ADMIN_KEY": "aaaaaaaaaaaaaaaaaaaaaaaa"}, "WABI_ADMIN_KEY: the admin key must mix at least 8 different characters"},
		{"a generated key", nil, map[string]string{"WABI_ADMIN_KEY": "3f9c1e0b7a2d48e6b5c4a1f0e9d8c7b6"}, ""},
		{"none", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, func(k string) string { return tt.env[k] })
			if tt.want == "" {
				if err != nil || c.AdminKey != tt.env["WABI_ADMIN_KEY"] {
					t.Fatalf("config %+v, %v; want the key accepted", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to say %q", err, tt.want)
			}
			if key := tt.env["WABI_ADMIN_KEY"] + strings.Join(tt.args[min(1, len(tt.args)):], ""); strings.Contains(err.Error(), key) {
				t.Errorf("error %q quotes the key", err)
			}
		})
	}
	// Off loopback a weak key no longer passes for one: serve refuses to start.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env := map[string]string{"WABI_ADDR": "0.0.0.0:0", "WABI_DATA": t.TempDir(), "WABI_ADMIN_KEY": "k"}
	err := run(ctx, nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "WABI_ADMIN_KEY") {
		t.Fatalf("got %v, want a refusal naming WABI_ADMIN_KEY", err)
	}
}

// TestRunCommands covers the subcommands other than serve.
func TestRunCommands(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "wabi ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("unknown command accepted")
	}
}
