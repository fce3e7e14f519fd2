package platform_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// lockedLog is a log sink the stack's goroutines may write while a test reads.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFailedSendLogged: a send that fails (here: free-form text outside the
// customer service window) is a warning naming the message and why.
func TestFailedSendLogged(t *testing.T) {
	logs := &lockedLog{}
	s := wabitest.New(t, wabitest.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	res, err := s.P.Send(context.Background(), platform.Admin, platform.SendRequest{
		Via: wabi.PlatformCloud, PhoneNumberID: s.Demo.Phone.ID, To: platform.DemoCustomerNumber,
		Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello?"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := logs.String()
	for _, want := range []string{"level=WARN", `msg="message failed"`, `wamid="` + res.MessageID, "error=outside_window"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}
