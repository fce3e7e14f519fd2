package server

import (
	"io"
	"net/http"
	"time"
)

// The time limits of wabi's HTTP server. docs/operations.md explains them.
const (
	// headerTimeout is how long a client has to send a request's line and
	// headers.
	headerTimeout = 10 * time.Second
	// bodyTimeout is how long a client has to send a request body of up to
	// bodyFreeBytes: every JSON body, whose limit is 1 MiB, must arrive whole
	// within it.
	bodyTimeout = 20 * time.Second
	// bodyFreeBytes is how much of a body bodyTimeout covers on its own.
	bodyFreeBytes = 1 << 20
	// bodyMinRate is the slowest an upload may arrive past its first
	// bodyFreeBytes: every further bodyMinRate bytes add one second to
	// bodyTimeout. A 100 MB file then has about 7 minutes.
	bodyMinRate = 256 << 10
	// bodyMaxTimeout is the most time any body gets, however fast it comes.
	bodyMaxTimeout = 10 * time.Minute
	// idleTimeout is how long a keep-alive connection may wait for its next
	// request before wabi closes it.
	idleTimeout = 30 * time.Second
)

// serverLimits are the time limits of the HTTP server; defaultLimits has the
// values wabi runs with, tests shorter ones.
type serverLimits struct {
	// Header is how long the request line and headers may take.
	Header time.Duration
	// Body is how long a body of up to FreeBytes may take.
	Body time.Duration
	// FreeBytes is how much of a body Body covers on its own.
	FreeBytes int64
	// MinRate, in bytes per second, is how fast the rest of a body must come:
	// each MinRate bytes received past FreeBytes extend Body by one second.
	MinRate int64
	// BodyMax caps the time a body may take.
	BodyMax time.Duration
	// Idle is how long a keep-alive connection may wait for a request.
	Idle time.Duration
}

func defaultLimits() serverLimits {
	return serverLimits{Header: headerTimeout, Body: bodyTimeout, FreeBytes: bodyFreeBytes,
		MinRate: bodyMinRate, BodyMax: bodyMaxTimeout, Idle: idleTimeout}
}

// newHTTPServer is wabi's HTTP server around h. There is no write timeout: the
// live event stream (GET /api/events) stays open for as long as the console
// watches, and a download is as slow as its reader.
func newHTTPServer(h http.Handler, l serverLimits) *http.Server {
	return &http.Server{
		Handler:           readDeadlines(h, l),
		ReadHeaderTimeout: l.Header,
		IdleTimeout:       l.Idle,
	}
}

// deadline is when a body that started at start must have arrived by, now
// that read bytes of it did. The deadline grows with what arrives rather than
// with the declared Content-Length, so that a client cannot buy minutes for a
// trickle by announcing a large body.
func (l serverLimits) deadline(start time.Time, read int64) time.Time {
	allowed := l.Body
	if extra := read - l.FreeBytes; extra > 0 && l.MinRate > 0 {
		allowed += time.Duration(float64(extra) / float64(l.MinRate) * float64(time.Second))
	}
	return start.Add(min(allowed, l.BodyMax))
}

// readDeadlines gives every request body a read deadline (see deadline), so
// that a client sending slowly, or not at all, is cut off instead of holding
// a connection and a handler forever. Requests without a body get none: the
// event stream must not be cut.
func readDeadlines(next http.Handler, l serverLimits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		start := time.Now()
		d := l.deadline(start, 0)
		// A writer that cannot take deadlines (none of net/http's) leaves the
		// body as it is.
		if rc.SetReadDeadline(d) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, limits: l, start: start, deadline: d}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody moves the connection's read deadline as the body arrives, and
// never again once the body is read: the server then watches the connection
// for a client that goes away (lifting the deadline as it starts), and a
// deadline passing during a long handler would look like one and cancel the
// request.
type deadlineBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	limits   serverLimits
	start    time.Time
	read     int64
	deadline time.Time
	done     bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case b.done:
	case err == io.EOF:
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	case n > 0:
		// Moved in steps (a second, or less under short limits), not on
		// every read.
		if d := b.limits.deadline(b.start, b.read); d.Sub(b.deadline) >= min(time.Second, b.limits.Body/4) {
			b.deadline = d
			_ = b.rc.SetReadDeadline(d)
		}
	}
	return n, err
}
