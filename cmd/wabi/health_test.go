package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthURL: -url wins, a base URL gets /healthz, and WABI_ADDR's
// unspecified hosts are reached on loopback.
func TestHealthURL(t *testing.T) {
	for _, tt := range []struct {
		flag, addr, want, err string
	}{
		{"", "", "http://127.0.0.1:8080/healthz", ""},
		{"", "0.0.0.0:8080", "http://127.0.0.1:8080/healthz", ""},
		{"", ":9000", "http://127.0.0.1:9000/healthz", ""},
		{"", "[::]:8080", "http://[::1]:8080/healthz", ""},
		{"", "10.1.2.3:8080", "http://10.1.2.3:8080/healthz", ""},
		{"", "localhost:8081", "http://localhost:8081/healthz", ""},
		{"", "8080", "", "WABI_ADDR \"8080\" is not host:port"},
		{"http://wabi.internal:8080", "0.0.0.0:1", "http://wabi.internal:8080/healthz", ""},
		{"https://wabi.example.com/", "", "https://wabi.example.com/healthz", ""},
		{"http://127.0.0.1:8080/healthz", "", "http://127.0.0.1:8080/healthz", ""},
		{"127.0.0.1:8080", "", "", "is not an http:// or https:// URL"},
	} {
		got, err := healthURL(tt.flag, tt.addr)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("healthURL(%q, %q) = %q, %v; want %q, %q", tt.flag, tt.addr, got, err, tt.want, tt.err)
		}
	}
}

// TestHealthAnswers: only 200 {"status":"ok"} is healthy; anything else, no
// answer at all, or an answer later than -timeout is an error.
func TestHealthAnswers(t *testing.T) {
	for _, tt := range []struct {
		name    string
		status  int
		body    string
		healthy bool
	}{
		{"ok", 200, `{"status":"ok"}`, true},
		{"unavailable", 503, `{"status":"ok"}`, false},
		{"another status", 200, `{"status":"starting"}`, false},
		{"not JSON", 200, `<html>ok</html>`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/healthz" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			var out bytes.Buffer
			err := run(context.Background(), []string{"health", "-url", srv.URL}, noEnv, &out, io.Discard)
			if tt.healthy && (err != nil || out.String() != "ok\n") {
				t.Fatalf("got %v, %q; want ok", err, out.String())
			}
			if !tt.healthy && (err == nil || !strings.Contains(err.Error(), srv.URL+"/healthz")) {
				t.Fatalf("got %v; want an error naming the URL", err)
			}
		})
	}

	t.Run("nothing listening", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		env := map[string]string{"WABI_ADDR": strings.TrimPrefix(srv.URL, "http://")}
		if err := run(context.Background(), []string{"health"}, func(k string) string { return env[k] }, io.Discard, io.Discard); err == nil {
			t.Fatal("health of a closed port succeeded")
		}
	})

	t.Run("no answer within the timeout", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // answers only once the client gives up
		}))
		defer srv.Close()
		err := run(context.Background(), []string{"health", "-url", srv.URL, "-timeout", "1ms"}, noEnv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
			t.Fatalf("got %v; want a deadline error", err)
		}
	})
}

// TestHealthOfServer: wabi health reports a running wabi healthy, found
// through its WABI_ADDR.
func TestHealthOfServer(t *testing.T) {
	base := startWabi(t, nil)
	env := map[string]string{"WABI_ADDR": strings.TrimPrefix(base, "http://")}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"health"}, func(k string) string { return env[k] }, &out, io.Discard); err != nil || out.String() != "ok\n" {
		t.Fatalf("got %v, %q; want ok", err, out.String())
	}
}

func noEnv(string) string { return "" }
