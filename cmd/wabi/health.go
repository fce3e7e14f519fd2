package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultHealthAddr is where wabi serve listens when WABI_ADDR is unset.
const defaultHealthAddr = "127.0.0.1:8080"

// health asks a running wabi whether it is up: it gets GET /healthz, which
// needs no key, and succeeds if the answer is 200 {"status":"ok"} within the
// timeout. It is the container image's HEALTHCHECK, so it needs nothing but
// the binary.
func health(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wabi health", flag.ContinueOnError)
	target := fs.String("url", "", "base URL of the wabi to check, or its health URL (default: from WABI_ADDR, with 0.0.0.0 and :: read as loopback; else http://"+defaultHealthAddr+")")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	u, err := healthURL(*target, getenv("WABI_ADDR"))
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return fmt.Errorf("-timeout must be positive, not %s", *timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := checkHealth(ctx, u); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// checkHealth gets u and wants 200 {"status":"ok"}.
func checkHealth(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	// No proxy: the server checked is the one named, usually on this machine.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	// A health answer is a few bytes; more is not wabi.
	err = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
	if resp.StatusCode != http.StatusOK || err != nil || body.Status != "ok" {
		return fmt.Errorf("health: %s answered %s, not 200 {\"status\":\"ok\"}", u, resp.Status)
	}
	return nil
}

// healthURL is the URL wabi health gets: flagURL if set (a base URL gets
// /healthz), else one built from addr, the server's WABI_ADDR, where an
// unspecified host (0.0.0.0, ::, none) is reached on loopback.
func healthURL(flagURL, addr string) (string, error) {
	if flagURL != "" {
		u, err := url.Parse(flagURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", fmt.Errorf("-url %q is not an http:// or https:// URL", flagURL)
		}
		if u.Path == "" || u.Path == "/" {
			u.Path = "/healthz"
		}
		return u.String(), nil
	}
	if addr == "" {
		addr = defaultHealthAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("WABI_ADDR %q is not host:port; pass -url instead", addr)
	}
	switch ip := net.ParseIP(host); {
	case host == "" || ip != nil && ip.Equal(net.IPv4zero):
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return "http://" + net.JoinHostPort(strings.Trim(host, "[]"), port) + "/healthz", nil
}
