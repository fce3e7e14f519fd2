package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// Webhook limits.
const (
	// MaxWebhookBody is the largest webhook body taken; Meta's are at most
	// 3 MB.
	MaxWebhookBody = 3 << 20
	// WebhookPath is where upstreams post their webhooks.
	WebhookPath = "/relay/webhook"
	// hookLogLimit is how much of a body the exchange log keeps.
	hookLogLimit = 4 << 10
	// maxChallenge bounds the handshake's challenge echoed back.
	maxChallenge = 256
)

// Webhook serves /relay/webhook, where the upstreams of relayed numbers send
// their webhooks (the callback URL of the upstream app). GET is the
// subscription handshake, answered for the verify token of any relay. POST
// takes a webhook: it is verified with the app secret of every relay whose
// number (or, for template fields, WABA) it names, stored in the inbox, and
// answered 200 at once; the inbox applies it after.
type Webhook struct {
	// P is the platform of the relays. Required.
	P *platform.Platform
	// Inbox stores the webhooks taken. Required.
	Inbox *Inbox
	// Logger logs what fails. Default P's logger.
	Logger *slog.Logger
}

// ServeHTTP implements http.Handler.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.handshake(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		hookAnswer(w, http.StatusMethodNotAllowed, "use GET for the handshake and POST for webhooks")
	}
}

func (h *Webhook) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	if h.P.Logger != nil {
		return h.P.Logger
	}
	return slog.Default()
}

// handshake answers the upstream's hub.challenge when hub.verify_token is the
// verify token of some relay.
func (h *Webhook) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	relays, err := h.P.Relays(r.Context())
	if err != nil {
		h.logger().Error("relay: read the relays for a webhook handshake", "err", err)
		hookAnswer(w, http.StatusInternalServerError, "the relays cannot be read")
		return
	}
	token := []byte(q.Get("hub.verify_token"))
	var matched []*wabi.RelayConfig
	for _, c := range relays {
		// Every relay is compared, so the time taken tells nothing of which matched.
		if subtle.ConstantTimeCompare(token, []byte(c.VerifyToken)) == 1 {
			matched = append(matched, c)
		}
	}
	challenge := q.Get("hub.challenge")
	if q.Get("hub.mode") != "subscribe" || len(matched) == 0 || challenge == "" || len(challenge) > maxChallenge {
		hookAnswer(w, http.StatusForbidden, "the verify token matches no relay")
		return
	}
	for _, c := range matched {
		h.P.LogRelayExchange(r.Context(), wabi.RelayExchange{PhoneNumberID: c.PhoneNumberID, Direction: "in",
			Method: http.MethodGet, URL: WebhookPath + "?hub.mode=subscribe", Status: http.StatusOK, Response: hookCut(challenge)})
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, challenge)
}

// hookName is what a change of a webhook names: an upstream number, or, for
// a change about the WABA (templates), the upstream WABA.
type hookName struct {
	number, waba string
}

// receive takes a webhook: 413 for a body over MaxWebhookBody, 400 for one
// that is not a JSON envelope, 404 when it names nothing a relay carries, 401
// when its signature is missing or does not verify for every relay it names,
// 500 when it cannot be stored; else 200 once it is stored.
func (h *Webhook) receive(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			hookAnswer(w, http.StatusRequestEntityTooLarge, "the body is over 3 MB")
			return
		}
		hookAnswer(w, http.StatusBadRequest, "the body could not be read")
		return
	}
	var env hookEnvelope
	if err := json.Unmarshal(body, &env); err != nil || len(env.Entry) == 0 {
		hookAnswer(w, http.StatusBadRequest, "the body is not a webhook: JSON with an entry array")
		return
	}
	groups, err := h.relaysNamed(r, env)
	if err != nil {
		h.logger().Error("relay: read the relays for a webhook", "err", err)
		hookAnswer(w, http.StatusInternalServerError, "the relays cannot be read")
		return
	}
	if len(groups) == 0 {
		hookAnswer(w, http.StatusNotFound, "the webhook names no number or WABA that a relay carries")
		return
	}
	sig := r.Header.Get("X-Hub-Signature-256")
	var concerned []*wabi.RelayConfig
	verified := true
	for _, g := range groups {
		i := slices.IndexFunc(g, func(c *wabi.RelayConfig) bool { return signedBy(body, sig, c.AppSecret) })
		if i < 0 {
			verified = false
			concerned = append(concerned, g...)
			continue
		}
		concerned = append(concerned, g[i])
	}
	status, answer := http.StatusOK, `{"success":true}`
	if !verified {
		status, answer = http.StatusUnauthorized, `{"error":"the X-Hub-Signature-256 header is missing or does not match the app secret of the relay"}`
	} else if err := h.Inbox.Put(ctx, body); err != nil {
		h.logger().Error("relay: store an upstream webhook", "err", err)
		status, answer = http.StatusInternalServerError, `{"error":"the webhook could not be stored; send it again"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, answer)
	latency := time.Since(start)
	logged := map[string]bool{}
	for _, c := range concerned {
		if logged[c.PhoneNumberID] {
			continue
		}
		logged[c.PhoneNumberID] = true
		x := wabi.RelayExchange{PhoneNumberID: c.PhoneNumberID, Direction: "in", Method: http.MethodPost, URL: WebhookPath,
			Status: status, Latency: latency, Request: hookCut(string(body)), Response: answer}
		if !verified {
			x.Error = "signature"
		}
		h.P.LogRelayExchange(ctx, x)
	}
}

// relaysNamed groups the relays a webhook names: for each distinct number or
// WABA it names that a relay carries, the relays that may have signed it (one
// for a number; every relay of the WABA for a WABA). Names no relay carries
// are left out; the inbox skips their changes.
func (h *Webhook) relaysNamed(r *http.Request, env hookEnvelope) ([][]*wabi.RelayConfig, error) {
	relays, err := h.P.Relays(r.Context())
	if err != nil {
		return nil, err
	}
	seen := map[hookName]bool{}
	var groups [][]*wabi.RelayConfig
	for _, e := range env.Entry {
		for _, ch := range e.Changes {
			var v hookMetadata
			_ = json.Unmarshal(ch.Value, &v)
			n := hookName{number: v.Metadata.PhoneNumberID}
			if n.number == "" {
				n.waba = e.ID
			}
			if seen[n] || (n.number == "" && n.waba == "") {
				continue
			}
			seen[n] = true
			var g []*wabi.RelayConfig
			for _, c := range relays {
				if (n.number != "" && c.UpstreamNumberID == n.number) || (n.waba != "" && c.UpstreamWABAID == n.waba) {
					g = append(g, c)
				}
			}
			if len(g) > 0 {
				groups = append(groups, g)
			}
		}
	}
	return groups, nil
}

// signedBy reports whether sig, an X-Hub-Signature-256 header, is the
// HMAC-SHA256 of body under secret.
func signedBy(body []byte, sig, secret string) bool {
	hexSum, ok := strings.CutPrefix(sig, "sha256=")
	if !ok || secret == "" {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// hookAnswer writes a JSON error answer.
func hookAnswer(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// hookCut cuts s to what the exchange log keeps, on a rune boundary.
func hookCut(s string) string {
	if len(s) <= hookLogLimit {
		return s
	}
	cut := hookLogLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
