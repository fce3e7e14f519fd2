package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// startInProcess runs wabi serve in this process on port 0 and returns its URL.
func startInProcess(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	env := map[string]string{"WABI_ADDR": "127.0.0.1:0", "WABI_DATA": t.TempDir(), "WABI_LOG_LEVEL": "error"}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, pw, io.Discard); pw.Close() }()
	t.Cleanup(func() { cancel(); <-done })
	buf := make([]byte, 4096)
	n, err := pr.Read(buf)
	go io.Copy(io.Discard, pr)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(buf[:n]), "listening on ")
	if !ok {
		t.Fatalf("no address in %q", buf[:n])
	}
	return strings.TrimSuffix(strings.Fields(rest)[0], "/")
}

// TestBench loads a live server briefly, closed and open loop, with its
// limits lifted, and checks the report counts successful sends and their
// latencies; then loads it with its limits, which refuse sends, and checks
// the report says so and how to lift them.
func TestBench(t *testing.T) {
	base := startInProcess(t)
	for _, args := range [][]string{
		{"-url", base, "-duration", "300ms", "-concurrency", "4", "-lift-limits"},
		{"-url", base, "-duration", "300ms", "-rate", "50", "-concurrency", "4", "-lift-limits"},
	} {
		var out strings.Builder
		if err := run(context.Background(), append([]string{"bench"}, args...), func(string) string { return "" }, &out, io.Discard); err != nil {
			t.Fatalf("bench %v: %v\n%s", args, err, out.String())
		}
		report := out.String()
		if !strings.Contains(report, " ok, 0 failed") || !strings.Contains(report, "p99") {
			t.Errorf("bench %v report:\n%s", args, report)
		}
	}
	// The runs put the number's limits back: one customer gets 45 at once.
	var limited strings.Builder
	if err := run(context.Background(), []string{"bench", "-url", base, "-duration", "300ms", "-concurrency", "4"}, func(string) string { return "" }, &limited, io.Discard); err != nil {
		t.Fatalf("bench with limits: %v\n%s", err, limited.String())
	}
	for _, want := range []string{"45 ok", "HTTP 429 Too Many Requests (#131056)", "by code: 131056 ", "refused by wabi's limits", "-lift-limits", "WABI_LIMITS=off"} {
		if !strings.Contains(limited.String(), want) {
			t.Errorf("bench with limits: the report does not say %q:\n%s", want, limited.String())
		}
	}
	var out strings.Builder
	err := run(context.Background(), []string{"bench", "-url", base, "-duration", "200ms", "-token", "EAAnope", "-open-window=false"}, func(string) string { return "" }, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "HTTP 401") {
		t.Errorf("bench with a bad token: %v\n%s", err, out.String())
	}
}
