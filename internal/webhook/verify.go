package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/wabi"
)

// verifyTimeout bounds the whole handshake.
const verifyTimeout = 10 * time.Second

// VerifyCallback performs Meta's verification handshake against callbackURL: a GET
// with hub.mode=subscribe, a random numeric hub.challenge and hub.verify_token
// added to the URL's own query, which succeeds only if the receiver answers 200
// with exactly the challenge (surrounding white space aside). It gives up after
// 10s. The client should come from the server's fetch.Guard; nil means a
// guarded one that does not follow redirects. The receiver's answer is never
// quoted in the error. Every failure is an
// EWebhookVerify error worded as Graph words it.
func VerifyCallback(ctx context.Context, client *http.Client, callbackURL, verifyToken string) error {
	if client == nil {
		client = newClient(1, verifyTimeout)
		defer client.CloseIdleConnections()
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()

	u, err := url.Parse(callbackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return verifyError("curl_errno = 3; curl_error = URL using bad/illegal format or missing URL")
	}
	challenge := strconv.FormatInt(1e9+rand.Int64N(9e9), 10)
	hub := "hub.mode=subscribe&hub.challenge=" + challenge + "&hub.verify_token=" + url.QueryEscape(verifyToken)
	if u.RawQuery != "" {
		u.RawQuery += "&" + hub
	} else {
		u.RawQuery = hub
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return verifyError("curl_errno = 3; curl_error = URL using bad/illegal format or missing URL")
	}
	resp, err := client.Do(req)
	if err != nil {
		return verifyError(curlError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return verifyError(curlError(err))
	}
	status := fmt.Sprintf("HTTP Status Code = %d; HTTP Message = %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.StatusCode != http.StatusOK {
		return verifyError(status)
	}
	// The answer is compared, never quoted: the URL is the tenant's choice,
	// and what some service answers there is not theirs to read.
	if got := strings.TrimSpace(string(body)); got != challenge {
		return verifyError(fmt.Sprintf("%s; The URL couldn't be validated. Response does not match challenge, expected value=%q",
			status, challenge))
	}
	return nil
}

func verifyError(detail string) *wabi.Error {
	return wabi.Errorf(wabi.EWebhookVerify, "Callback verification failed with the following errors: %s", detail)
}

// curlError words a transport failure the way Graph reports it, with curl's
// error numbers, since that is what developers search for.
func curlError(err error) string {
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		recErr  tls.RecordHeaderError
	)
	if r, ok := fetch.IsRefused(err); ok {
		return "curl_errno = 7; curl_error = Couldn't connect to server: " + r.Error()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("curl_errno = 28; curl_error = Operation timed out after %d milliseconds", verifyTimeout.Milliseconds())
	case errors.As(err, &dnsErr):
		return "curl_errno = 6; curl_error = Couldn't resolve host name"
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &host):
		return "curl_errno = 60; curl_error = SSL peer certificate or SSH remote key was not OK"
	case errors.As(err, &recErr):
		return "curl_errno = 35; curl_error = SSL connect error"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return "curl_errno = 7; curl_error = Couldn't connect to server"
	default:
		return "curl_errno = 56; curl_error = Failure when receiving data from the peer"
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
