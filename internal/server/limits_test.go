package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testLimits are short limits, so that tests wait fractions of a second.
func testLimits() serverLimits {
	return serverLimits{Header: time.Second, Body: 300 * time.Millisecond, FreeBytes: 1 << 10,
		MinRate: 10 << 10, BodyMax: 5 * time.Second, Idle: 300 * time.Millisecond}
}

// mustServe serves h with limits l on a loopback port and returns its address.
func mustServe(t *testing.T, h http.Handler, l serverLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(h, l)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// bodyResult is what a handler got reading its body.
type bodyResult struct {
	n   int64
	err error
}

// readingHandler reads each body whole and reports the outcome on the channel.
func readingHandler(results chan<- bodyResult) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		results <- bodyResult{n, err}
		if err != nil {
			http.Error(w, "body not read", http.StatusBadRequest)
		}
	})
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitResult waits for a handler's outcome; nothing may take seconds here.
func waitResult(t *testing.T, results <-chan bodyResult) bodyResult {
	t.Helper()
	select {
	case res := <-results:
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("the handler was still reading after 10 s")
	}
	return bodyResult{}
}

// TestSlowBodyIsCutOff: a client that sends a byte now and then (or stops) is
// cut off when the body deadline passes, though it declared a large body, and
// the connection is closed.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	l := testLimits()
	results := make(chan bodyResult, 1)
	addr := mustServe(t, readingHandler(results), l)
	conn := mustDial(t, addr)
	start := time.Now()
	fmt.Fprintf(conn, "POST /v1/media HTTP/1.1\r\nHost: wabi\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n", 100<<20)
	// A trickle: a byte at a time, far slower than MinRate, until cut off.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte{'x'}); err != nil {
					return
				}
			}
		}
	}()
	res := waitResult(t, results)
	if !errors.Is(res.err, os.ErrDeadlineExceeded) {
		t.Fatalf("the handler read %d bytes and got %v, want a deadline error", res.n, res.err)
	}
	if elapsed := time.Since(start); elapsed < l.Body {
		t.Errorf("cut off after %v, before the body timeout of %v", elapsed, l.Body)
	}
	// Closed means EOF, or a reset when the server closed with the trickle's
	// bytes still unread; a timeout would mean it was held open.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the connection was not closed: %v", err)
	}
}

// TestSteadyUploadOutlastsBodyTimeout: a body that keeps coming faster than
// MinRate may take longer than the body timeout, and arrives whole.
func TestSteadyUploadOutlastsBodyTimeout(t *testing.T) {
	t.Parallel()
	l := testLimits()
	results := make(chan bodyResult, 1)
	addr := mustServe(t, readingHandler(results), l)
	conn := mustDial(t, addr)
	// 40 KiB in 1 KiB pieces every 25 ms: 40 KiB/s for a second, over three
	// body timeouts, at four times MinRate.
	const pieces = 40
	fmt.Fprintf(conn, "POST /v23.0/1/media HTTP/1.1\r\nHost: wabi\r\nContent-Length: %d\r\n\r\n", pieces<<10)
	piece := []byte(strings.Repeat("x", 1<<10))
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for range pieces {
		<-tick.C
		if _, err := conn.Write(piece); err != nil {
			t.Fatalf("cut off while sending steadily: %v", err)
		}
	}
	if res := waitResult(t, results); res.err != nil || res.n != pieces<<10 {
		t.Fatalf("the handler read %d bytes, error %v", res.n, res.err)
	}
}

// TestReadBodyThenWorkLong: once the body is read, the handler may take longer
// than the body timeout without its request being cancelled; so may a request
// without a body, as the live event stream is.
func TestReadBodyThenWorkLong(t *testing.T) {
	t.Parallel()
	l := testLimits()
	outcome := make(chan error, 1)
	addr := mustServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			outcome <- err
			return
		}
		select {
		case <-r.Context().Done():
			outcome <- fmt.Errorf("request cancelled while the handler worked: %w", r.Context().Err())
		case <-time.After(2 * l.Body):
			outcome <- nil
		}
	}), l)
	for _, req := range []string{
		"POST /api/messages HTTP/1.1\r\nHost: wabi\r\nContent-Length: 2\r\n\r\n{}",
		"GET /api/events HTTP/1.1\r\nHost: wabi\r\n\r\n",
	} {
		conn := mustDial(t, addr)
		io.WriteString(conn, req)
		select {
		case err := <-outcome:
			if err != nil {
				t.Fatalf("%s: %v", strings.Fields(req)[1], err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the handler never finished")
		}
	}
}

// TestIdleConnectionIsClosed: a keep-alive connection with no next request is
// closed after the idle timeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	t.Parallel()
	l := testLimits()
	addr := mustServe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), l)
	conn := mustDial(t, addr)
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: wabi\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server did not keep the connection alive")
	}
	idleSince := time.Now()
	// The server closes the idle connection: the read ends with EOF, long
	// before this deadline.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("read on the idle connection: %v, want EOF", err)
	}
	if elapsed := time.Since(idleSince); elapsed < l.Idle/2 {
		t.Errorf("closed after %v, before the idle timeout of %v", elapsed, l.Idle)
	}
}

// TestDeadlineGrowsWithWhatArrived: the body deadline covers FreeBytes, grows
// one second per MinRate bytes past them and stops at BodyMax.
func TestDeadlineGrowsWithWhatArrived(t *testing.T) {
	t.Parallel()
	l := defaultLimits()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		read int64
		want time.Duration
	}{
		{0, 20 * time.Second},
		{1 << 20, 20 * time.Second},
		{1<<20 + 256<<10, 21 * time.Second},
		{101 << 20, 420 * time.Second},
		{1 << 40, 10 * time.Minute},
	}
	for _, tt := range tests {
		if got := l.deadline(start, tt.read).Sub(start); got != tt.want {
			t.Errorf("deadline after %d bytes: %v, want %v", tt.read, got, tt.want)
		}
	}
}
