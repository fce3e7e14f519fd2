package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a log sink the server writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRequestLog runs wabi at the default log level and checks what its
// terminal shows: one line per API request with method, path, status, error
// codes and latency; the console's files not at info; never a token.
func TestRequestLog(t *testing.T) {
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	env := map[string]string{"WABI_ADDR": "127.0.0.1:0", "WABI_DATA": t.TempDir()}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, pw, logs)
		pw.Close()
	}()
	buf := make([]byte, 4096)
	n, _ := pr.Read(buf)
	go io.Copy(io.Discard, pr)
	_, rest, ok := strings.Cut(string(buf[:n]), "listening on ")
	if !ok {
		cancel()
		t.Fatalf("banner %q", buf[:n])
	}
	base := strings.TrimSuffix(strings.Fields(rest)[0], "/")

	var in info
	_, body := call(t, "GET", base+"/api/info", "", "")
	if err := json.Unmarshal([]byte(body), &in); err != nil || in.Token.Token == "" {
		t.Fatalf("info %s", body)
	}
	token := in.Token.Token
	send := `{"messaging_product":"whatsapp","to":"15550002000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	if code, body := call(t, "POST", base+"/v23.0/"+in.PhoneNumber.ID+"/messages", token, send); code != 200 {
		t.Fatalf("send: %d %s", code, body)
	}
	if code, _ := call(t, "POST", base+"/v23.0/"+in.PhoneNumber.ID+"/messages?access_token="+token+"x", "", send); code != 401 {
		t.Fatalf("send with a bad query token: %d", code)
	}
	call(t, "GET", base+"/", "", "")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}

	got := logs.String()
	path := "path=/v23.0/" + in.PhoneNumber.ID + "/messages"
	for _, want := range []string{
		"level=INFO msg=request method=GET path=/api/info status=200 latency=",
		"level=INFO msg=request method=POST " + path + " status=200 latency=",
		"level=INFO msg=request method=POST " + path + " status=401 error=invalid_token code=190 latency=",
	} {
		if strings.Count(got, want) != 1 {
			t.Errorf("the log should have one %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, token) || strings.Contains(got, "access_token") {
		t.Errorf("the log shows a token:\n%s", got)
	}
	if strings.Contains(got, "method=GET path=/ ") {
		t.Errorf("the console page is logged at info:\n%s", got)
	}
}
