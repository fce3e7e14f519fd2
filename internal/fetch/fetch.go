// Package fetch downloads media from the links businesses send, refusing
// internal addresses so a link cannot be used to reach the network wabi runs
// in (server-side request forgery).
//
// The address check runs where the connection is made: every address a host
// name resolves to is checked and only a checked address is dialled, on the
// first request and on every redirect. A name that resolves to a public
// address when validated and to a private one when dialled (DNS rebinding)
// therefore gains nothing.
package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// AllowEnv is the environment variable whose value ParseAllow reads; error
// messages name it so an operator knows what to set.
const AllowEnv = "WABI_MEDIA_FETCH_ALLOW"

// Fetcher fetches media links. The zero value is usable and refuses every
// internal address. A Fetcher may be used concurrently; its fields must not
// change while fetches run.
type Fetcher struct {
	// Allow lists what may be fetched despite being internal: CIDRs
	// ("10.0.0.0/8", "127.0.0.1/32"), single addresses, or host names
	// ("media.internal", exact match, case-insensitive; a host entry also
	// allows the addresses that name resolves to). Default none.
	Allow []string
	// Timeout bounds the whole fetch, body included. Default 20s.
	Timeout time.Duration
	// MaxRedirects is how many redirects a fetch follows; negative follows
	// none. Default (zero) 5.
	MaxRedirects int
	// UserAgent is sent with every request. Default "wabi-media-fetcher/1".
	UserAgent string
	// Resolver resolves host names. Default the Guard's.
	Resolver *net.Resolver
	// Guard is the gate every connection passes, with wabi's own listeners
	// in it. Default a Guard that knows none.
	Guard *Guard
}

var _ wabi.Fetcher = (*Fetcher)(nil)

// New returns a Fetcher that allows the given entries, or an error naming the
// first entry that is neither a CIDR, an address nor a host name.
func New(allow []string) (*Fetcher, error) {
	if _, err := parseAllow(allow); err != nil {
		return nil, err
	}
	return &Fetcher{Allow: allow}, nil
}

// ParseAllow splits a comma- or space-separated list, the form of the
// WABI_MEDIA_FETCH_ALLOW setting, and validates every entry.
func ParseAllow(s string) ([]string, error) {
	entries := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	if _, err := parseAllow(entries); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	return entries, nil
}

// Fetch gets link, at most max bytes. Every failure the link is to blame for
// is an *wabi.Error with EMediaUpload; messages name at most the host of a
// URL in the redirect chain, never a resolved address or a low-level error.
// An Allow entry that does not parse (New would have refused it) is a plain
// error.
func (f *Fetcher) Fetch(ctx context.Context, link string, max int64, auth string) (*wabi.Fetched, error) {
	g := &Guard{}
	if f.Guard != nil {
		*g = *f.Guard
	}
	if f.Resolver != nil {
		g.Resolver = f.Resolver
	}
	dial, err := g.Dialer(Policy{Allow: f.Allow, Env: AllowEnv})
	if err != nil {
		return nil, err
	}
	u, err := checkURL(link)
	if err != nil {
		return nil, err
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// A transport per fetch, without keep-alives: connections are never
	// shared with a fetch that has another allow list, and nothing lingers
	// that would need closing. Proxy stays nil on purpose, so a proxy from
	// the environment can neither bypass nor break the address check.
	client := &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dial,
			DisableKeepAlives:   true,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: timeout,
		},
		CheckRedirect: f.checkRedirect,
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, failf("the link is not a valid URL")
	}
	ua := f.UserAgent
	if ua == "" {
		ua = "wabi-media-fetcher/1"
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "*/*")
	if auth != "" {
		// net/http drops it when a redirect leaves the host.
		req.Header.Set("Authorization", auth)
	}

	resp, err := client.Do(req)
	if err != nil {
		return nil, explain(ctx, err, u.Hostname(), timeout)
	}
	defer resp.Body.Close()
	host := resp.Request.URL.Hostname()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, failf("host %s returned HTTP %d", host, resp.StatusCode)
	}
	if resp.ContentLength > max {
		return nil, tooLarge(host, max)
	}
	// One byte past the limit tells an over-size body from one of exactly max.
	limit := max
	if limit < math.MaxInt64 {
		limit++
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, explain(ctx, err, host, timeout)
	}
	if int64(len(body)) > max {
		return nil, tooLarge(host, max)
	}
	return &wabi.Fetched{
		Body:        body,
		ContentType: resp.Header.Get("Content-Type"),
		Filename:    filename(resp),
	}, nil
}

// checkURL accepts absolute http and https URLs with a host and no userinfo.
func checkURL(link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, failf("the link is not a valid URL")
	}
	if p := linkProblem(u); p != "" {
		return nil, failf("the link %s", p)
	}
	return u, nil
}

// linkProblem says what is wrong with u as a media link, or "" if nothing.
func linkProblem(u *url.URL) string {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "is not an http or https URL"
	case u.Hostname() == "":
		return "has no host"
	case u.User != nil:
		return "has a user name or password, which is not supported"
	}
	return ""
}

// checkRedirect applies the link rules to every hop and bounds their number;
// the address of each hop is checked when it is dialled.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	max := f.MaxRedirects
	switch {
	case max == 0:
		max = 5
	case max < 0:
		max = 0
	}
	if len(via) > max {
		return failf("host %s redirected more than %d times", via[0].URL.Hostname(), max)
	}
	if p := linkProblem(req.URL); p != "" {
		return failf("host %s redirected to a link that %s", via[len(via)-1].URL.Hostname(), p)
	}
	return nil
}

// explain turns a transport error into the message a developer sees.
func explain(ctx context.Context, err error, host string, timeout time.Duration) error {
	if e := wabi.AsError(err); e != nil {
		return e
	}
	if r, ok := IsRefused(err); ok {
		return failf("%s", r.Error())
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return failf("host %s could not be resolved", dns.Name)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && ctx.Err() == nil {
		return failf("could not connect to host %s", host)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return failf("host %s timed out after %s", host, timeout)
	}
	if errors.Is(err, context.Canceled) {
		return failf("fetching from host %s was canceled", host)
	}
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) {
		return failf("host %s presented an invalid TLS certificate", host)
	}
	return failf("could not download from host %s", host)
}

// filename is the Content-Disposition filename or else the last segment of the
// final URL's path, reduced to a base name either way.
func filename(resp *http.Response) string {
	if cd := resp.Header.Get("Content-Disposition"); cd != "" {
		if _, params, err := mime.ParseMediaType(cd); err == nil {
			if name := baseName(params["filename"]); name != "" {
				return name
			}
		}
	}
	p := resp.Request.URL.EscapedPath()
	if strings.HasSuffix(p, "/") {
		return ""
	}
	seg := p[strings.LastIndex(p, "/")+1:]
	name, err := url.PathUnescape(seg)
	if err != nil {
		return ""
	}
	return baseName(name)
}

// baseName drops any directory part a server put in a file name, so the name
// can never be taken for a path.
func baseName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}

// article puts "a" or "an" before an address class.
func article(class string) string {
	if strings.ContainsRune("aeiou", rune(class[0])) {
		return "an " + class
	}
	return "a " + class
}

// failf returns the EMediaUpload error every fetch failure is.
func failf(format string, args ...any) *wabi.Error {
	return wabi.Errorf(wabi.EMediaUpload, "Media download failed: "+format, args...)
}

func tooLarge(host string, max int64) error {
	return failf("the media at host %s is larger than %d bytes", host, max)
}
