package wabitest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// verifyToken is the token the receiver expects in the callback handshake.
const verifyToken = "wabitest"

// maxWebhook caps a webhook body; wabi's are a few KiB.
const maxWebhook = 4 << 20

// Webhook is one webhook wabi delivered to the receiver, its signature
// checked, in the Cloud API's shape.
type Webhook struct {
	// Body is the payload as wabi sent it.
	Body []byte
	// Field is what the webhook is about: "messages",
	// "message_template_status_update", ...
	Field string
	// Messages are the inbound messages it carries.
	Messages []WebhookMessage
	// Statuses are the statuses of outbound messages it carries.
	Statuses []WebhookStatus
}

// WebhookMessage is an inbound message of a webhook.
type WebhookMessage struct {
	// ID is the message's wamid.
	ID string
	// From is the wa_id of the phone that wrote it.
	From string
	// Type is text, image, interactive, ...
	Type string
	// Text is the body of a text message.
	Text string
}

// WebhookStatus is a status of an outbound message.
type WebhookStatus struct {
	// ID is the message's wamid.
	ID string
	// Status is sent, delivered, read or failed.
	Status string
	// RecipientID is the wa_id of the phone the message went to.
	RecipientID string
}

// Webhooks receives the webhooks of the demo app: it answers the callback
// handshake, checks each body's X-Hub-Signature-256 against the app secret and
// keeps what arrives, in order, for Next and WaitFor. A handler given to Handle
// then answers each one, as the bot under test would.
type Webhooks struct {
	mu      sync.Mutex
	secret  string
	got     []received
	next    int
	changed chan struct{}
	closed  bool
	handler http.Handler
}

// received is a webhook, or why one was refused.
type received struct {
	hook Webhook
	err  error
}

func newWebhooks() *Webhooks { return &Webhooks{changed: make(chan struct{})} }

func (h *Webhooks) setSecret(s string) {
	h.mu.Lock()
	h.secret = s
	h.mu.Unlock()
}

// Handle makes handler answer every webhook once the receiver has checked
// and kept it: the request reaches handler with its body and headers as wabi
// sent them, and handler's answer is the one wabi gets. Handle(nil) goes back
// to answering 200.
func (h *Webhooks) Handle(handler http.Handler) {
	h.mu.Lock()
	h.handler = handler
	h.mu.Unlock()
}

// Next returns the next webhook the receiver got, waiting for it until ctx
// ends. A webhook whose signature was wrong is an error.
func (h *Webhooks) Next(ctx context.Context) (Webhook, error) {
	return h.WaitFor(ctx, func(Webhook) bool { return true })
}

// WaitFor returns the next webhook that match accepts, waiting for it until
// ctx ends. Next and WaitFor read one stream: the webhooks WaitFor passes over
// are not returned again. A webhook whose signature was wrong is an error.
func (h *Webhooks) WaitFor(ctx context.Context, match func(Webhook) bool) (Webhook, error) {
	for {
		h.mu.Lock()
		for h.next < len(h.got) {
			r := h.got[h.next]
			h.next++
			if r.err != nil {
				h.mu.Unlock()
				return Webhook{}, r.err
			}
			if match(r.hook) {
				h.mu.Unlock()
				return r.hook, nil
			}
		}
		changed, closed := h.changed, h.closed
		h.mu.Unlock()
		if closed {
			return Webhook{}, errClosed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Webhook{}, fmt.Errorf("wabitest: waiting for a webhook: %w", ctx.Err())
		}
	}
}

// Received returns every webhook the receiver got so far, in order, those
// already read included.
func (h *Webhooks) Received() []Webhook {
	h.mu.Lock()
	defer h.mu.Unlock()
	var hooks []Webhook
	for _, r := range h.got {
		if r.err == nil {
			hooks = append(hooks, r.hook)
		}
	}
	return hooks
}

// add keeps r and wakes the waiters.
func (h *Webhooks) add(r received) {
	h.mu.Lock()
	h.got = append(h.got, r)
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// close wakes the waiters for good.
func (h *Webhooks) close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.changed)
	}
	h.mu.Unlock()
}

// serve answers the handshake and receives webhooks.
func (h *Webhooks) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != verifyToken {
			http.Error(w, "wrong verify token", http.StatusForbidden)
			return
		}
		io.WriteString(w, q.Get("hub.challenge"))
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST webhooks here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhook))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	secret, handler := h.secret, h.handler
	h.mu.Unlock()
	if !validSignature(secret, r.Header.Get("X-Hub-Signature-256"), body) {
		h.add(received{err: fmt.Errorf("wabitest: a webhook whose X-Hub-Signature-256 %q is not the app secret's: %s", r.Header.Get("X-Hub-Signature-256"), body)})
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	hook, err := decodeWebhook(body)
	if err != nil {
		h.add(received{err: err})
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.add(received{hook: hook})
	if handler == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	handler.ServeHTTP(w, r)
}

// validSignature reports whether header is "sha256=" and the HMAC-SHA256 of
// body under secret.
func validSignature(secret, header string, body []byte) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(sig, mac.Sum(nil))
}

// decodeWebhook reads a Cloud API webhook: its field, messages and statuses,
// over every entry and change.
func decodeWebhook(body []byte) (Webhook, error) {
	var p struct {
		Entry []struct {
			Changes []struct {
				Field string `json:"field"`
				Value struct {
					Messages []struct {
						ID   string `json:"id"`
						From string `json:"from"`
						Type string `json:"type"`
						Text *struct {
							Body string `json:"body"`
						} `json:"text"`
					} `json:"messages"`
					Statuses []struct {
						ID          string `json:"id"`
						Status      string `json:"status"`
						RecipientID string `json:"recipient_id"`
					} `json:"statuses"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Webhook{}, fmt.Errorf("wabitest: a webhook that is not JSON: %w: %s", err, body)
	}
	hook := Webhook{Body: body}
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if hook.Field == "" {
				hook.Field = c.Field
			}
			for _, m := range c.Value.Messages {
				wm := WebhookMessage{ID: m.ID, From: m.From, Type: m.Type}
				if m.Text != nil {
					wm.Text = m.Text.Body
				}
				hook.Messages = append(hook.Messages, wm)
			}
			for _, s := range c.Value.Statuses {
				hook.Statuses = append(hook.Statuses, WebhookStatus{ID: s.ID, Status: s.Status, RecipientID: s.RecipientID})
			}
		}
	}
	return hook, nil
}
