package webhook

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// syncBuffer is a log sink safe to read while the engine writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFailedAttemptsLogged: a failed attempt is a warning naming the delivery,
// the status and what comes next, and a delivery given up is one too; the
// receiver's URL is shown without its query, which may hold its key.
func TestFailedAttemptsLogged(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		retryFor time.Duration
		down     bool // the receiver does not answer: the error quotes the URL
		want     string
	}{
		{"retried", time.Hour, false, "will retry"},
		{"given up", time.Second, false, "failed for good"},
		{"unreachable", time.Hour, true, "will retry"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := mustStore(t)
			clock := wabi.NewManualClock(start)
			r := mustReceiver(t, func(string, int) (int, string) { return http.StatusServiceUnavailable, "" })
			status := "status=503"
			if tt.down {
				r.srv.Close()
				status = "connection refused"
			}
			e := NewEngine(s, resolveFunc(func(context.Context, *wabi.Delivery) (wabi.WebhookTarget, error) {
				return wabi.WebhookTarget{URL: r.srv.URL + "/hook?key=sekret", Secret: "x"}, nil
			}), clock)
			logs := &syncBuffer{}
			e.Logger = slog.New(slog.NewTextHandler(logs, nil))
			e.RetryBase, e.RetryFor = time.Minute, tt.retryFor
			attempted := make(chan struct{}, 10)
			e.OnAttempt = func(*wabi.Delivery, *wabi.Attempt) { attempted <- struct{}{} }
			d := delivery(1, "app1", "alice", clock.Now())
			mustCommit(t, s, d)
			e.Enqueue(d)
			mustRun(t, e)
			select {
			case <-attempted:
			case <-time.After(5 * time.Second):
				t.Fatal("no attempt")
			}
			got := logs.String()
			for _, want := range []string{"level=WARN", tt.want, "delivery=" + d.ID, "attempt=1", status, "/hook?REDACTED"} {
				if !strings.Contains(got, want) {
					t.Errorf("log lacks %q:\n%s", want, got)
				}
			}
			if strings.Contains(got, "sekret") {
				t.Errorf("log shows the receiver's key:\n%s", got)
			}
		})
	}
}
