package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/webhook"
)

// startListen runs wabi listen in-process on a free port with args, and returns
// its callback URL and a channel of the lines it prints.
func startListen(t *testing.T, args ...string) (string, <-chan string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"listen", "-addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("listen returned %v", err)
		}
	})
	first := nextLine(t, lines)
	_, rest, ok := strings.Cut(first, "receiving webhooks at ")
	if !ok {
		t.Fatalf("first line %q", first)
	}
	return strings.Fields(rest)[0], lines
}

// nextLine returns the next line printed, failing the test if none comes.
func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("wabi listen ended")
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("wabi listen printed nothing")
	}
	return ""
}

// lineWith returns the first coming line that holds s.
func lineWith(t *testing.T, lines <-chan string, s string) string {
	t.Helper()
	for {
		if l := nextLine(t, lines); strings.Contains(l, s) {
			return l
		}
	}
}

// postWebhook POSTs a webhook body as wabi would, signed when signature is set.
func postWebhook(t *testing.T, url, signature, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

const statusBody = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"messaging_product":"whatsapp","statuses":[{"id":"wamid.X","status":"delivered","recipient_id":"15550002000"}]},"field":"messages"}]}]}`

// TestListen: the handshake is answered only with the right verify token, a
// correctly signed body is printed indented with signature OK, a wrongly
// signed one is flagged, and other paths are not the webhook.
func TestListen(t *testing.T) {
	url, lines := startListen(t, "-wabi", "", "-secret", "s3cret", "-verify-token", "tok")
	lineWith(t, lines, "Waiting for webhooks")

	resp, err := http.Get(url + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=tok")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "1158201444" {
		t.Errorf("handshake: %d %q", resp.StatusCode, b)
	}
	lineWith(t, lines, "handshake OK")
	resp, err = http.Get(url + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("handshake with a wrong token: %d", resp.StatusCode)
	}
	if l := lineWith(t, lines, "handshake"); !strings.Contains(l, "REFUSED") || strings.Contains(l, "wrong") {
		t.Errorf("refused handshake line %q (the token it got must not be printed)", l)
	}

	if resp := postWebhook(t, url, webhook.Sign("s3cret", []byte(statusBody)), statusBody); resp.StatusCode != 200 {
		t.Errorf("signed webhook answered %d", resp.StatusCode)
	}
	head := lineWith(t, lines, "POST")
	for _, want := range []string{"POST /webhook", "200", "signature OK", "field messages", "status delivered for 15550002000"} {
		if !strings.Contains(head, want) {
			t.Errorf("header line %q lacks %q", head, want)
		}
	}
	if l := nextLine(t, lines); l != "{" {
		t.Errorf("body not indented JSON: %q", l)
	}
	lineWith(t, lines, `  "object": "whatsapp_business_account",`)

	postWebhook(t, url, webhook.Sign("other secret", []byte(statusBody)), statusBody)
	if l := lineWith(t, lines, "POST"); !strings.Contains(l, "BAD SIGNATURE") {
		t.Errorf("wrongly signed webhook: %q", l)
	}
	postWebhook(t, url, "", `{"statuses":[{"id":"gBGG","status":"read","recipient_id":"15550002000"}]}`)
	if l := lineWith(t, lines, "POST"); !strings.Contains(l, "UNSIGNED") || !strings.Contains(l, "status read") {
		t.Errorf("unsigned On-Premises webhook: %q", l)
	}

	if resp := postWebhook(t, strings.TrimSuffix(url, "/webhook")+"/elsewhere", "", "{}"); resp.StatusCode != 404 {
		t.Errorf("another path answered %d", resp.StatusCode)
	}
}

// TestListenStatus: -status answers every webhook with that status, so a
// receiver's failures can be rehearsed.
func TestListenStatus(t *testing.T) {
	url, lines := startListen(t, "-wabi", "", "-status", "500", "-path", "/")
	lineWith(t, lines, "Waiting for webhooks")
	if resp := postWebhook(t, url+"anything", "sha256=00", statusBody); resp.StatusCode != 500 {
		t.Errorf("answered %d, want 500", resp.StatusCode)
	}
	if l := lineWith(t, lines, "POST"); !strings.Contains(l, "500") || !strings.Contains(l, "signature not checked") {
		t.Errorf("line %q", l)
	}
}

// TestListenSubscribe runs wabi and wabi listen -subscribe side by side, as the
// README's walkthrough does: listen takes the demo app's secret and callback,
// and a message from the virtual phone arrives signed.
func TestListenSubscribe(t *testing.T) {
	base := startWabi(t, nil)
	url, lines := startListen(t, "-wabi", base, "-subscribe")
	lineWith(t, lines, "handshake OK")
	lineWith(t, lines, "Subscribed: app")
	lineWith(t, lines, "Waiting for webhooks")

	var in struct {
		App struct {
			CallbackURL string `json:"callback_url"`
		} `json:"app"`
		PhoneNumber  struct{ ID string } `json:"phone_number"`
		VirtualPhone struct {
			WaID string `json:"wa_id"`
		} `json:"virtual_phone"`
	}
	resp, err := http.Get(base + "/api/info")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&in)
	resp.Body.Close()
	if in.App.CallbackURL != url {
		t.Errorf("the demo app's callback is %q, want %q", in.App.CallbackURL, url)
	}

	body := `{"to":"` + in.PhoneNumber.ID + `","type":"text","text":{"body":"hi from the phone"}}`
	resp, err = http.Post(base+"/api/phones/"+in.VirtualPhone.WaID+"/messages", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("virtual phone send: %d", resp.StatusCode)
	}
	head := lineWith(t, lines, "POST /webhook")
	if !strings.Contains(head, "signature OK") || !strings.Contains(head, "text message from "+in.VirtualPhone.WaID) {
		t.Errorf("webhook line %q", head)
	}
	lineWith(t, lines, `"body": "hi from the phone"`)
}
