package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

func TestVerifyCallback(t *testing.T) {
	t.Parallel()
	// echo answers the handshake as a receiver does, after checking what it got.
	echo := func(mutate func(string) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.Method != http.MethodGet || q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != "tok en&1" || q.Get("keep") != "me" {
				http.Error(w, "bad handshake "+r.URL.RawQuery, http.StatusBadRequest)
				return
			}
			io.WriteString(w, mutate(q.Get("hub.challenge")))
		}
	}
	// Nothing listens on port 1 of loopback. A port freed by closing a listener
	// could be handed to a parallel subtest's server.
	refused := "http://127.0.0.1:1/hook?keep=me"
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		url     string // instead of the test server's
		client  *http.Client
		wantErr string // "" for success
	}{
		{name: "echoed challenge", handler: echo(func(c string) string { return c + "\n" })},
		{name: "wrong challenge", handler: echo(func(string) string { return "12345 secret-of-the-receiver" }),
			wantErr: `HTTP Status Code = 200; HTTP Message = OK; The URL couldn't be validated. Response does not match challenge, expected value="`},
		{name: "forbidden", handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusForbidden) },
			wantErr: "Callback verification failed with the following errors: HTTP Status Code = 403; HTTP Message = Forbidden"},
		{name: "redirect is not followed", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, wantErr: "HTTP Status Code = 302; HTTP Message = Found"},
		{name: "connection refused", url: refused,
			wantErr: "Callback verification failed with the following errors: curl_errno = 7; curl_error = Couldn't connect to server"},
		{name: "timeout", client: &http.Client{Timeout: 20 * time.Millisecond},
			handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			wantErr: "curl_errno = 28; curl_error = Operation timed out"},
		{name: "not a URL", url: "ftp://example.test/hook",
			wantErr: "curl_errno = 3; curl_error = URL using bad/illegal format or missing URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.url
			if tc.handler != nil {
				srv := httptest.NewServer(tc.handler)
				t.Cleanup(srv.Close)
				url = srv.URL + "/hook?keep=me"
			}
			err := VerifyCallback(context.Background(), tc.client, url, "tok en&1")
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("VerifyCallback: %v", err)
				}
				return
			}
			we := wabi.AsError(err)
			if we == nil || we.Code != wabi.EWebhookVerify {
				t.Fatalf("VerifyCallback = %v, want an EWebhookVerify error", err)
			}
			if !strings.Contains(we.Message, tc.wantErr) {
				t.Errorf("message %q does not contain %q", we.Message, tc.wantErr)
			}
			// What the receiver answered is never quoted back.
			if strings.Contains(we.Message, "secret-of-the-receiver") || strings.Contains(we.Message, "received=") {
				t.Errorf("message %q quotes the receiver's answer", we.Message)
			}
		})
	}
}
