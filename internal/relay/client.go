// Package relay carries the traffic of business numbers on the relay: numbers
// whose messages an upstream Graph-compatible Cloud API (Meta's, or another
// wabi) carries instead of the simulated network. Client makes wabi's calls to
// an upstream; the webhook handler and its inbox take the upstream's webhooks.
package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/wabi"
)

// Defaults of a Client.
const (
	// DefaultTimeout bounds one call to an upstream, body included.
	DefaultTimeout = 15 * time.Second
	// DefaultRetryWithin is how long after its first try a call may still be
	// tried again.
	DefaultRetryWithin = 10 * time.Second
	// maxTries is how many times one call is tried at most.
	maxTries = 3
	// logLimit is how much of a body the exchange log keeps.
	logLimit = 4 << 10
	// maxAnswer caps what is read of an upstream's answer.
	maxAnswer = 4 << 20
	// IdempotencyHeader names the header that makes a send safe to repeat.
	IdempotencyHeader = "Idempotency-Key"
)

// Client makes the calls of relayed numbers to their upstreams: Graph calls
// to {BaseURL}/{APIVersion}/... with the relay's token, each with a deadline,
// tried again when that is safe, and every try logged. A Client may be used
// concurrently; its fields must not change once it is in use.
type Client struct {
	// HTTP makes the requests: the server's guarded client. Required.
	HTTP *http.Client
	// Log keeps each exchange, secrets redacted: the platform's
	// LogRelayExchange. Default nil: nothing is logged.
	Log func(ctx context.Context, x wabi.RelayExchange)
	// Timeout bounds each try. Default DefaultTimeout.
	Timeout time.Duration
	// RetryWithin bounds the time from a call's first try to its last.
	// Default DefaultRetryWithin.
	RetryWithin time.Duration
	// Backoff is the wait before try n+1 (n from 1). Default 500ms, then 2s.
	Backoff func(n int) time.Duration
	// Sleep waits d or until ctx ends. Default a timer; tests count instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time for latencies and retry budgets. Default time.Now.
	Now func() time.Time

	// echoes holds the base URLs of upstreams that echoed an
	// Idempotency-Key: a send that may have reached them is safe to repeat.
	echoes sync.Map
}

// call is one Graph call as the client makes it.
type call struct {
	method string
	// path follows the version: "123/messages".
	path  string
	query url.Values
	// contentType and body are the request's; body is built afresh for each
	// try when open is set instead (uploads).
	contentType string
	body        []byte
	open        func() (io.Reader, string, error)
	// logBody replaces the body in the exchange log (uploads).
	logBody string
	// idempotencyKey, when set, is sent so that the upstream can tell a
	// repeated try from a new call.
	idempotencyKey string
	// safe says that repeating the call does no harm even if an earlier try
	// was acted on: reads, deletes, read receipts, uploads.
	safe bool
}

// answer is an upstream's answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do makes c against the relay cfg, trying again per the relay's rules: a
// 429, a failure before the request was sent and a Graph error marked
// is_transient are tried again; an answer that may have been acted on (a
// timeout after sending, a plain 5xx) only when c is safe or the upstream
// echoes Idempotency-Key. A Graph error comes back as a *wabi.Error with
// Meta's code; a non-error answer as is.
func (cl *Client) do(ctx context.Context, cfg *wabi.RelayConfig, c call) (*answer, error) {
	if cl.HTTP == nil {
		return nil, wabi.Errorf(wabi.EInternal, "relay: no HTTP client for upstream calls")
	}
	start := cl.now()
	var last error
	for try := 1; ; try++ {
		a, sent, err := cl.try(ctx, cfg, c)
		var retry bool
		switch {
		case errors.Is(err, errLocal):
			return nil, err
		case err != nil:
			last = cl.failure(err, sent)
			retry = ctx.Err() == nil && (!sent || cl.repeatable(cfg, c))
		case a.status == http.StatusTooManyRequests:
			last, retry = graphError(a), true
		case a.status >= 400:
			e := graphError(a)
			last = e
			retry = isTransient(a.body) || (a.status >= 500 && cl.repeatable(cfg, c))
		default:
			return a, nil
		}
		if !retry || try == maxTries {
			return nil, last
		}
		wait := cl.backoff(try)
		if cl.now().Add(wait).Sub(start) > cl.retryWithin() {
			return nil, last
		}
		if err := cl.sleep(ctx, wait); err != nil {
			return nil, last
		}
	}
}

// repeatable reports whether a try of c that the upstream may have acted on
// can be made again.
func (cl *Client) repeatable(cfg *wabi.RelayConfig, c call) bool {
	if c.safe {
		return true
	}
	_, ok := cl.echoes.Load(cfg.BaseURL)
	return ok && c.idempotencyKey != ""
}

// failure is the error of a try that got no answer. sent says whether the
// request may have reached the upstream. The text names no upstream content.
func (cl *Client) failure(err error, sent bool) error {
	if !sent {
		return wabi.Errorf(wabi.EUnavailable, "The upstream of this number cannot be reached; try again later.")
	}
	e := wabi.Errorf(wabi.EInternal, "The upstream of this number did not answer in time; the request may have been carried out.")
	return fmt.Errorf("relay: upstream call: %w: %w", err, e)
}

// try makes one try of c. sent reports whether the request was written
// out, so that a failure before it is known harmless.
func (cl *Client) try(ctx context.Context, cfg *wabi.RelayConfig, c call) (a *answer, sent bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, cl.timeout())
	defer cancel()
	u := strings.TrimRight(cfg.BaseURL, "/") + "/" + cfg.APIVersion + "/" + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	var body io.Reader
	contentType, logReq := c.contentType, c.logBody
	if c.open != nil {
		if body, contentType, err = c.open(); err != nil {
			return nil, false, fmt.Errorf("%w: %w", errLocal, err)
		}
	} else if c.body != nil {
		body = bytes.NewReader(c.body)
		if logReq == "" {
			logReq = string(c.body)
		}
	}
	x := wabi.RelayExchange{PhoneNumberID: cfg.PhoneNumberID, Direction: "out", Method: c.method,
		URL: RedactURL(u), Request: Redact(logReq, cfg)}
	start := cl.now()
	defer func() {
		x.Latency = cl.now().Sub(start)
		if err != nil {
			x.Error = err.Error()
		}
		cl.log(ctx, x)
	}()

	req, err := http.NewRequestWithContext(ctx, c.method, u, body)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.AccessToken)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.idempotencyKey != "" {
		req.Header.Set(IdempotencyHeader, c.idempotencyKey)
	}
	var wrote bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteHeaders: func() { wrote = true },
	}))
	resp, err := cl.HTTP.Do(req)
	if err != nil {
		return nil, wrote, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	x.Status, x.Response = resp.StatusCode, Redact(string(b), cfg)
	if err != nil {
		return nil, true, err
	}
	if c.idempotencyKey != "" && resp.Header.Get(IdempotencyHeader) == c.idempotencyKey {
		cl.echoes.Store(cfg.BaseURL, true)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}, true, nil
}

func (cl *Client) log(ctx context.Context, x wabi.RelayExchange) {
	if cl.Log != nil {
		// The log outlives a call that was cancelled: it says why.
		cl.Log(context.WithoutCancel(ctx), x)
	}
}

func (cl *Client) now() time.Time {
	if cl.Now != nil {
		return cl.Now()
	}
	return time.Now()
}

func (cl *Client) timeout() time.Duration {
	if cl.Timeout > 0 {
		return cl.Timeout
	}
	return DefaultTimeout
}

func (cl *Client) retryWithin() time.Duration {
	if cl.RetryWithin > 0 {
		return cl.RetryWithin
	}
	return DefaultRetryWithin
}

func (cl *Client) backoff(n int) time.Duration {
	if cl.Backoff != nil {
		return cl.Backoff(n)
	}
	if n <= 1 {
		return 500 * time.Millisecond
	}
	return 2 * time.Second
}

func (cl *Client) sleep(ctx context.Context, d time.Duration) error {
	if cl.Sleep != nil {
		return cl.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// graphErrorBody is Graph's error envelope, as an upstream answers it.
type graphErrorBody struct {
	Error *struct {
		Message     string `json:"message"`
		Type        string `json:"type"`
		Code        int    `json:"code"`
		Subcode     int    `json:"error_subcode"`
		IsTransient bool   `json:"is_transient"`
		UserMsg     string `json:"error_user_msg"`
		ErrorData   *struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// Limits on the upstream's texts that reach a client.
const (
	maxTitle   = 200
	maxDetails = 1000
)

// titlePrefix is Graph's "(#131047) " before a WhatsApp error's title.
var titlePrefix = regexp.MustCompile(`^\(#[0-9]+\) `)

// graphError reads an upstream's error answer as a *wabi.Error that carries
// Meta's code (Error.Meta) and the domain code wabi has for it. An answer
// that is not a Graph error gets a code from its status alone.
func graphError(a *answer) *wabi.Error {
	var g graphErrorBody
	if err := json.Unmarshal(a.body, &g); err != nil || g.Error == nil || g.Error.Code == 0 {
		return statusError(a.status)
	}
	ge := g.Error
	meta := &wabi.MetaError{Status: a.status, Code: ge.Code, Subcode: ge.Subcode, Type: clip(ge.Type, 64),
		Title: clip(titlePrefix.ReplaceAllString(ge.Message, ""), maxTitle)}
	details := ge.UserMsg
	if ge.ErrorData != nil && ge.ErrorData.Details != "" {
		details = ge.ErrorData.Details
	}
	if details == "" {
		details = meta.Title
	}
	code, ok := cloudapi.DomainCode(ge.Code, ge.Subcode)
	switch {
	case isAuthCode(ge.Code):
		// The relay's own token was refused: the client can do nothing
		// about it, and must not read it as a fault of its own token.
		return wabi.Errorf(wabi.EUnavailable, "The upstream of this number refused wabi's access token (Graph error %d); the operator must renew the relay's token.", ge.Code)
	case !ok:
		code = statusError(a.status).Code
	}
	return &wabi.Error{Code: code, Message: clip(details, maxDetails), Meta: meta}
}

// isAuthCode reports whether a Graph code says the caller's token is bad.
func isAuthCode(code int) bool {
	switch code {
	case 102, 104, 190, 463, 467:
		return true
	}
	return false
}

// statusError is the domain error of an upstream answer that is no Graph
// error, by its status alone.
func statusError(status int) *wabi.Error {
	switch {
	case status == http.StatusTooManyRequests:
		return wabi.Errorf(wabi.ERateLimit, "The upstream of this number is limiting its calls; try again later.")
	case status >= 500:
		return wabi.Errorf(wabi.EUnavailable, "The upstream of this number failed (HTTP %d); try again later.", status)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return wabi.Errorf(wabi.EUnavailable, "The upstream of this number refused wabi's access token (HTTP %d); the operator must renew the relay's token.", status)
	}
	return wabi.Errorf(wabi.EInvalidParam, "The upstream of this number refused the request (HTTP %d).", status)
}

// isTransient reports whether a Graph error body says it is worth trying again.
func isTransient(body []byte) bool {
	var g graphErrorBody
	return json.Unmarshal(body, &g) == nil && g.Error != nil && g.Error.IsTransient
}

// clip cuts s to at most n bytes on a rune boundary and drops control
// characters, so that an upstream's text is fit to show a client.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// secretParams are query parameters that carry secrets.
var secretParams = []string{"access_token", "appsecret_proof", "hub.verify_token", "client_secret"}

// RedactURL returns u with the values of secret query parameters replaced.
func RedactURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "[unparsable URL]"
	}
	pu.User = nil
	if pu.RawQuery != "" {
		q := pu.Query()
		for _, k := range secretParams {
			if q.Has(k) {
				q.Set(k, "REDACTED")
			}
		}
		pu.RawQuery = q.Encode()
	}
	return pu.String()
}

// secretFields matches JSON fields and form values that carry secrets.
var secretFields = regexp.MustCompile(`("(?:access_token|app_secret|verify_token|client_secret|token|pin)"\s*:\s*")[^"]*(")|((?:access_token|hub\.verify_token|appsecret_proof)=)[^&"\s]*`)

// Redact returns s cut to 4 KiB for the exchange log, with the relay's
// secrets and any token-like field replaced.
func Redact(s string, cfg *wabi.RelayConfig) string {
	if cfg != nil {
		for _, secret := range []string{cfg.AccessToken, cfg.AppSecret, cfg.VerifyToken} {
			if len(secret) >= 4 {
				s = strings.ReplaceAll(s, secret, "REDACTED")
			}
		}
	}
	s = secretFields.ReplaceAllString(s, "${1}${3}REDACTED${2}")
	if len(s) > logLimit {
		n := logLimit
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}

// newKey returns a fresh Idempotency-Key.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// decodeAnswer reads a JSON answer into v; an answer that does not read is
// the upstream's fault, said without quoting it.
func decodeAnswer(a *answer, v any, what string) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("relay: read the upstream's answer to %s: %w",
			what, wabi.Errorf(wabi.EInternal, "The upstream's answer to %s does not read as Graph JSON (HTTP %s).", what, strconv.Itoa(a.status)))
	}
	return nil
}

var errNoID = errors.New("relay: the upstream's answer names no id")

// errLocal marks a failure of wabi's own before a call, such as a media file
// that cannot be read: trying the call again would not help.
var errLocal = errors.New("relay: prepare an upstream call")
