package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// DefaultMediaTimeout bounds the fetch of one inbound media file from an
// upstream, both calls and the bytes.
const DefaultMediaTimeout = 60 * time.Second

// maxMediaInfo caps the answer of GET /{media-id}.
const maxMediaInfo = 64 << 10

// MediaFetcher gets the media of relayed numbers' inbound messages from their
// upstreams, as the platform's RelayMediaFetcher: GET {base}/{version}/{id}
// with the relay's token names the media's URL, which is then fetched with
// the token too. Both exchanges are logged.
type MediaFetcher struct {
	// P logs the exchanges. Required.
	P *platform.Platform
	// HTTP makes the requests: the server's guarded client. Required.
	HTTP *http.Client
	// Timeout bounds the whole fetch. Default DefaultMediaTimeout.
	Timeout time.Duration
}

var _ platform.RelayMediaFetcher = (*MediaFetcher)(nil)

// FetchRelayMedia implements platform.RelayMediaFetcher. ENotFound when the
// upstream does not know the id; EMediaUpload for any other failure, whose
// message names no upstream body (the exchange log keeps it).
func (f *MediaFetcher) FetchRelayMedia(ctx context.Context, c *wabi.RelayConfig, mediaID string) (*wabi.Fetched, error) {
	if f.HTTP == nil {
		return nil, wabi.Errorf(wabi.EInternal, "relay: no HTTP client for upstream media")
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultMediaTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	infoURL := c.BaseURL + "/" + c.APIVersion + "/" + url.PathEscape(mediaID)
	status, ctype, body, err := f.get(ctx, c, infoURL, maxMediaInfo, true)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNotFound || status == http.StatusBadRequest {
		return nil, wabi.Errorf(wabi.ENotFound, "Media %s is not known upstream, or expired there.", mediaID)
	}
	if status != http.StatusOK {
		return nil, wabi.Errorf(wabi.EMediaUpload, "The upstream answered HTTP %d for media %s.", status, mediaID)
	}
	var info struct {
		URL      string `json:"url"`
		MimeType string `json:"mime_type"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.URL == "" {
		return nil, wabi.Errorf(wabi.EMediaUpload, "The upstream's answer for media %s names no URL.", mediaID)
	}
	if u, err := url.Parse(info.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, wabi.Errorf(wabi.EMediaUpload, "The upstream's URL of media %s is not an http or https URL.", mediaID)
	}
	status, ctype, body, err = f.get(ctx, c, info.URL, platform.MediaMaxSize, false)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, wabi.Errorf(wabi.EMediaUpload, "The upstream answered HTTP %d for the bytes of media %s.", status, mediaID)
	}
	if info.MimeType != "" {
		ctype = info.MimeType
	}
	return &wabi.Fetched{Body: body, ContentType: ctype}, nil
}

// get makes one GET with the relay's token and logs it; logBody says whether
// the answer is text worth keeping in the log.
func (f *MediaFetcher) get(ctx context.Context, c *wabi.RelayConfig, link string, max int64, logBody bool) (status int, ctype string, body []byte, err error) {
	start := time.Now()
	x := wabi.RelayExchange{PhoneNumberID: c.PhoneNumberID, Direction: "out", Method: http.MethodGet, URL: noQuery(link)}
	defer func() {
		x.Status, x.Latency = status, time.Since(start)
		if err != nil {
			x.Error = err.Error()
		} else if logBody {
			x.Response = hookCut(string(body))
		} else {
			x.Response = "(" + strconv.Itoa(len(body)) + " bytes of " + ctype + ")"
		}
		f.P.LogRelayExchange(ctx, x)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return 0, "", nil, wabi.Errorf(wabi.EMediaUpload, "The upstream's media URL is not valid.")
	}
	req.Header.Set("Authorization", "Bearer "+c.AccessToken)
	resp, err := f.HTTP.Do(req)
	if err != nil {
		return 0, "", nil, wabi.Errorf(wabi.EMediaUpload, "The upstream could not be reached for media: %s.", hostOf(link))
	}
	defer resp.Body.Close()
	if resp.ContentLength > max {
		return resp.StatusCode, "", nil, wabi.Errorf(wabi.EMediaUpload, "The upstream's media is over %d bytes.", max)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return resp.StatusCode, "", nil, wabi.Errorf(wabi.EMediaUpload, "The upstream's media could not be read from %s.", hostOf(link))
	}
	if int64(len(body)) > max {
		return resp.StatusCode, "", nil, wabi.Errorf(wabi.EMediaUpload, "The upstream's media is over %d bytes.", max)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body, nil
}

// noQuery is a URL as the exchange log keeps it: without its query, which
// may carry a signed media URL's secrets.
func noQuery(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return hostOf(link)
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// hostOf names a URL's host for an error message.
func hostOf(link string) string {
	if u, err := url.Parse(link); err == nil && u.Host != "" {
		return u.Host
	}
	return fmt.Sprintf("%.40q", link)
}
