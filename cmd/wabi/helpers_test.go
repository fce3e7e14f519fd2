package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// startWabi runs wabi serve in-process on a free loopback port with a temp data
// dir and env on top, and returns its base URL; the server stops at the end of
// the test.
func startWabi(t *testing.T, env map[string]string) string {
	t.Helper()
	base, _ := startStoppable(t, env)
	return base
}

// startStoppable is startWabi that also returns a stop function, which waits
// for serve to return and fails the test if it returns an error; the test's
// end calls it too, and a second call does nothing.
func startStoppable(t *testing.T, env map[string]string) (string, func()) {
	t.Helper()
	full := map[string]string{"WABI_DATA": t.TempDir()}
	for k, v := range env {
		full[k] = v
	}
	base, _, stop := serveInProcess(t, full, func(line string) bool { return strings.Contains(line, "Try: curl") })
	return base, stop
}

// serveInProcess runs wabi serve in-process with env (on a free loopback port,
// logging errors only, unless env says otherwise), reads its banner up to the
// line end says ends it, and returns the base URL, the banner and a stop
// function, which waits for serve to return and fails the test if it returns
// an error; the test's end calls it too, and a second call does nothing.
func serveInProcess(t *testing.T, env map[string]string, end func(line string) bool) (string, string, func()) {
	t.Helper()
	full := map[string]string{"WABI_ADDR": "127.0.0.1:0", "WABI_LOG_LEVEL": "error"}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return full[k] }, pw, io.Discard)
		pw.Close()
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("serve did not stop within 15 s")
			}
		})
	}
	t.Cleanup(stop)
	var banner strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if end(sc.Text()) {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	first, _, _ := strings.Cut(banner.String(), "\n")
	_, rest, ok := strings.Cut(first, "listening on ")
	if !ok {
		t.Fatalf("banner starts %q", first)
	}
	return strings.TrimSuffix(strings.Fields(rest)[0], "/"), banner.String(), stop
}

// call sends a request with an optional bearer token and returns the status and
// body. A body that starts with "{" goes as JSON, any other as a form.
func call(t *testing.T, method, u, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// mustJSON decodes body into a map, failing the test if it is not JSON.
func mustJSON(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	return m
}
