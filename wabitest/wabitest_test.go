package wabitest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/wabitest"
)

// testContext is a context that ends a while before the test's deadline.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// send posts a text from the business to a phone through the Cloud API and
// returns the status and body of the answer.
func send(t *testing.T, srv *wabitest.Server, to, text string) (int, string) {
	t.Helper()
	body := `{"messaging_product":"whatsapp","to":"` + to + `","type":"text","text":{"body":"` + text + `"}}`
	req, err := http.NewRequest("POST", srv.CloudAPI+"/"+srv.PhoneNumberID+"/messages", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// wamidOf reads the wamid out of a Cloud API send's answer.
func wamidOf(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `"id":"wamid.`)
	if !ok {
		t.Fatalf("no wamid in %s", body)
	}
	id, _, _ := strings.Cut(rest, `"`)
	return "wamid." + id
}

// TestStart: a started server names its demo tenancy; a phone's message
// reaches the receiver as a signed messages webhook; a business's answer
// through the Cloud API reaches the phone, which reads it, and its statuses
// come as webhooks and in Message.
func TestStart(t *testing.T) {
	t.Parallel()
	srv := wabitest.Start(t)
	for name, v := range map[string]string{"URL": srv.URL, "CloudAPI": srv.CloudAPI, "Token": srv.Token, "BusinessID": srv.BusinessID,
		"WABAID": srv.WABAID, "PhoneNumberID": srv.PhoneNumberID, "AppID": srv.AppID, "AppSecret": srv.AppSecret, "Customer": srv.Customer} {
		if v == "" {
			t.Errorf("%s is empty", name)
		}
	}
	if !strings.HasPrefix(srv.CloudAPI, srv.URL+"/v") || strings.HasSuffix(srv.CloudAPI, "/") {
		t.Errorf("CloudAPI %q, URL %q", srv.CloudAPI, srv.URL)
	}
	ctx := testContext(t)

	inbound, err := srv.Phone(srv.Customer).Send(ctx, "where is my order?")
	if err != nil {
		t.Fatal(err)
	}
	hook, err := srv.Webhooks().Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hook.Field != "messages" || len(hook.Messages) != 1 || hook.Messages[0].ID != inbound ||
		hook.Messages[0].From != srv.Customer || hook.Messages[0].Text != "where is my order?" {
		t.Fatalf("webhook %+v\n%s", hook, hook.Body)
	}

	code, body := send(t, srv, srv.Customer, "on its way")
	if code != http.StatusOK {
		t.Fatalf("send: %d %s", code, body)
	}
	wamid := wamidOf(t, body)
	for _, want := range []string{"sent", "delivered", "read"} {
		hook, err := srv.Webhooks().WaitFor(ctx, func(h wabitest.Webhook) bool {
			return len(h.Statuses) == 1 && h.Statuses[0].ID == wamid && h.Statuses[0].Status == want
		})
		if err != nil {
			t.Fatalf("status %s: %v", want, err)
		}
		if hook.Statuses[0].RecipientID != srv.Customer {
			t.Errorf("status %s to %q", want, hook.Statuses[0].RecipientID)
		}
	}
	m, err := srv.Message(ctx, wamid)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != "read" || m.Direction != "outbound" || m.Text != "on its way" || m.WaID != srv.Customer {
		t.Errorf("message %+v", m)
	}
	chat, err := srv.Phone(srv.Customer).Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(chat) != 2 || chat[0].ID != inbound || chat[1].ID != wamid {
		t.Errorf("chat, oldest first: %+v", chat)
	}
	if n := len(srv.Webhooks().Received()); n < 4 {
		t.Errorf("received %d webhooks, want the message and three statuses", n)
	}
}

// TestNewPhone: a phone the demo does not have is made on first use, and
// writes like any other.
func TestNewPhone(t *testing.T) {
	t.Parallel()
	srv := wabitest.Start(t)
	ctx := testContext(t)
	phone := srv.Phone("447700900123")
	id, err := phone.Send(ctx, "hi")
	if err != nil {
		t.Fatal(err)
	}
	hook, err := srv.Webhooks().WaitFor(ctx, func(h wabitest.Webhook) bool { return len(h.Messages) > 0 })
	if err != nil {
		t.Fatal(err)
	}
	if hook.Messages[0].ID != id || hook.Messages[0].From != "447700900123" {
		t.Errorf("webhook %+v", hook.Messages)
	}
	if _, err := srv.Phone("447700900123").Send(ctx, "again"); err != nil {
		t.Errorf("a second handle on the phone: %v", err)
	}
}

// TestFault: a delivery_failed fault fails the next message with its code:
// the message says so, and so does its failed status webhook.
func TestFault(t *testing.T) {
	t.Parallel()
	srv := wabitest.Start(t)
	ctx := testContext(t)
	if _, err := srv.Phone(srv.Customer).Send(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	id, err := srv.Fault(ctx, wabitest.Fault{Kind: "delivery_failed", PhoneNumberID: srv.PhoneNumberID, WaID: srv.Customer, Code: 131026, Count: 1})
	if err != nil || id == "" {
		t.Fatalf("fault %q: %v", id, err)
	}
	code, body := send(t, srv, srv.Customer, "this one fails")
	if code != http.StatusOK {
		t.Fatalf("send: %d %s", code, body)
	}
	wamid := wamidOf(t, body)
	if _, err := srv.Webhooks().WaitFor(ctx, func(h wabitest.Webhook) bool {
		return len(h.Statuses) == 1 && h.Statuses[0].ID == wamid && h.Statuses[0].Status == "failed"
	}); err != nil {
		t.Fatal(err)
	}
	m, err := srv.Message(ctx, wamid)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != "failed" || m.Error == nil || m.Error.Code == "" {
		t.Errorf("message %+v, error %+v", m, m.Error)
	}
	if _, err := srv.Fault(ctx, wabitest.Fault{Kind: "no_such_kind", PhoneNumberID: srv.PhoneNumberID}); err == nil {
		t.Error("an unknown kind of fault was set")
	}
}

// TestLimits: Meta's limits are on by default, so a 46th message at once to
// one customer is refused; WithoutLimits lifts them.
func TestLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		opts   []wabitest.Option
		status int
	}{
		{"meta", nil, http.StatusTooManyRequests},
		{"off", []wabitest.Option{wabitest.WithoutLimits()}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := wabitest.Start(t, tt.opts...)
			if _, err := srv.Phone(srv.Customer).Send(testContext(t), "open the window"); err != nil {
				t.Fatal(err)
			}
			for i := range 45 {
				if code, body := send(t, srv, srv.Customer, "burst"); code != http.StatusOK {
					t.Fatalf("message %d: %d %s", i+1, code, body)
				}
			}
			if code, body := send(t, srv, srv.Customer, "one more"); code != tt.status {
				t.Errorf("46th message: %d %s, want %d", code, body, tt.status)
			}
		})
	}
}

// TestScenario: a scenario takes the demo's place; its first business,
// number, app and token are the Server's, and its app gets the receiver.
func TestScenario(t *testing.T) {
	t.Parallel()
	srv := wabitest.Start(t, wabitest.WithScenario([]byte(`
businesses:
  - name: Acme
    wabas:
      - name: Acme Support
        numbers:
          - phone_number: "+1 555-010-7788"
            verified_name: Acme Support
    apps:
      - name: Acme Bot
        secret: acme-bot-secret-0001
        subscribed_wabas: [Acme Support]
    tokens:
      - token: acme-ci-token-0001
        name: ci
        app: Acme Bot
        wabas: [Acme Support]
phones:
  - wa_id: "15550002001"
    profile_name: Ann Customer
`)))
	if srv.Token != "acme-ci-token-0001" || srv.AppSecret != "acme-bot-secret-0001" || srv.PhoneNumberID == "" {
		t.Fatalf("token %q, secret %q, number %q", srv.Token, srv.AppSecret, srv.PhoneNumberID)
	}
	ctx := testContext(t)
	if _, err := srv.Phone("15550002001").Send(ctx, "hi Acme"); err != nil {
		t.Fatal(err)
	}
	hook, err := srv.Webhooks().Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hook.Messages) != 1 || hook.Messages[0].Text != "hi Acme" {
		t.Errorf("webhook %s", hook.Body)
	}
	if code, body := send(t, srv, "15550002001", "hello Ann"); code != http.StatusOK {
		t.Errorf("send with the scenario's token: %d %s", code, body)
	}
}

// TestBrokenScenario: a scenario wabi cannot read is New's error.
func TestBrokenScenario(t *testing.T) {
	t.Parallel()
	srv, err := wabitest.New(wabitest.WithScenario([]byte("businesses: [{wabas: 7}]")))
	if err == nil {
		srv.Close()
		t.Fatal("a broken scenario started")
	}
}

// TestClose: once the server is closed a wait for a webhook ends with an
// error, and a second Close does no harm.
func TestClose(t *testing.T) {
	t.Parallel()
	srv, err := wabitest.New()
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		_, err := srv.Webhooks().Next(context.Background())
		waited <- err
	}()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err == nil {
		t.Error("Next returned no error after Close")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(srv.URL + "/api/info"); err == nil {
		t.Error("the server answers after Close")
	}
	if _, err := srv.Webhooks().Next(context.Background()); err == nil {
		t.Error("Next on a closed receiver returned no error")
	}
}

// TestParallel: each Start is a server of its own.
func TestParallel(t *testing.T) {
	t.Parallel()
	a, b := wabitest.Start(t), wabitest.Start(t)
	if a.URL == b.URL {
		t.Fatalf("two servers at %s", a.URL)
	}
	ctx := testContext(t)
	if _, err := a.Phone(a.Customer).Send(ctx, "to a"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Webhooks().Next(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(b.Webhooks().Received()); n != 0 {
		t.Errorf("b received %d webhooks of a's message", n)
	}
}
