package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	pngenc "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the wabi server for the crash test: with
// WABI_TEST_SERVE set it runs serve instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("WABI_TEST_SERVE") == "1" {
		ctx, stop := signalContext()
		defer stop()
		if err := run(ctx, []string{"serve"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "wabi:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// server is a wabi process started from the test binary.
type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WABI_TEST_SERVE=1", "WABI_DATA="+dataDir, "WABI_ADDR=127.0.0.1:0",
		"WABI_LOG_LEVEL=warn", "WABI_WEBHOOK_RETRY_MIN=100ms")
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "listening on "); ok {
				lines <- strings.TrimSuffix(strings.Fields(rest)[0], "/")
			}
		}
	}()
	select {
	case base := <-lines:
		return &server{cmd: cmd, base: base}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start: %s", stderr.String())
	}
	return nil
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exited with %v after SIGTERM", err)
		}
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		t.Error("server did not stop within 15 s of SIGTERM")
	}
}

func (s *server) do(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type info struct {
	Business    struct{ ID string } `json:"business"`
	PhoneNumber struct{ ID string } `json:"phone_number"`
	App         struct{ ID string } `json:"app"`
	Token       struct {
		Token string `json:"token"`
	} `json:"token"`
}

// TestCrashKeepsAcknowledgedMessages kills the server with SIGKILL while sends are
// in flight, restarts it on the same data, and checks that every acknowledged
// message is there and that every one of its status webhooks is delivered.
func TestCrashKeepsAcknowledgedMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts wabi processes; skipped in -short mode")
	}
	hook, missing := statusReceiver(t)
	dir := t.TempDir()
	// Meta's limits would refuse most of the load sent to one customer; the
	// test is about what is acknowledged, so it lifts them.
	srv := startServer(t, dir, "WABI_LIMITS=off")
	var in info
	_, b := srv.do(t, "GET", "/api/info", "", "")
	if err := json.Unmarshal(b, &in); err != nil || in.Token.Token == "" {
		t.Fatalf("info %s: %v", b, err)
	}
	if code, b := srv.do(t, "PUT", "/api/apps/"+in.App.ID+"/webhook", "",
		`{"callback_url":"`+hook.URL+`","verify_token":"x","fields":["messages"]}`); code != 200 {
		t.Fatalf("set webhook: %d %s", code, b)
	}

	// An uploaded file must survive the crash too.
	media := uploadPNG(t, srv, in.PhoneNumber.ID, in.Token.Token)

	// Send templates from several clients until the crash.
	var acked sync.Map
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { sendTemplates(ctx, srv, in, &acked) })
	time.Sleep(400 * time.Millisecond)
	srv.kill(t)
	cancel()
	wg.Wait()

	ids := keys(&acked)
	if len(ids) < 10 {
		t.Fatalf("only %d sends acknowledged before the crash; the test needs more", len(ids))
	}

	srv = startServer(t, dir, "WABI_LIMITS=off")
	defer srv.stop(t)
	for _, id := range ids {
		code, b := srv.do(t, "GET", "/api/messages/"+id, "", "")
		if code != 200 || !strings.Contains(string(b), id) {
			t.Fatalf("acknowledged message %s missing after the crash: %d %s", id, code, b)
		}
	}
	checkMedia(t, srv, media, in.Token.Token)
	waitForStatuses(t, ids, missing, 30*time.Second)
	t.Logf("%d acknowledged messages survived SIGKILL with all their webhooks", len(ids))
}

// statusReceiver is a webhook receiver that stays up across crashes and
// records the statuses it got per message; missing counts the messages of ids
// that lack a sent, delivered or read webhook.
func statusReceiver(t *testing.T) (hook *httptest.Server, missing func(ids []string) int) {
	t.Helper()
	var mu sync.Mutex
	statuses := map[string]map[string]bool{}
	hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		var env struct {
			Entry []struct {
				Changes []struct {
					Value struct {
						Statuses []struct{ ID, Status string }
					}
				}
			}
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &env); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		for _, s := range env.Entry[0].Changes[0].Value.Statuses {
			if statuses[s.ID] == nil {
				statuses[s.ID] = map[string]bool{}
			}
			statuses[s.ID][s.Status] = true
		}
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	return hook, func(ids []string) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, id := range ids {
			if s := statuses[id]; !s["sent"] || !s["delivered"] || !s["read"] {
				n++
			}
		}
		return n
	}
}

// sendTemplates sends the demo template through srv from 8 clients until ctx
// ends or the server dies, and records every acknowledged wamid in acked.
func sendTemplates(ctx context.Context, srv *server, in info, acked *sync.Map) {
	var wg sync.WaitGroup
	body := `{"messaging_product":"whatsapp","to":"15550002000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	for range 8 {
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second}
			for ctx.Err() == nil {
				req, _ := http.NewRequest("POST", srv.base+"/v23.0/"+in.PhoneNumber.ID+"/messages", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+in.Token.Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server died under us
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var r struct{ Messages []struct{ ID string } }
				if resp.StatusCode == 200 && json.Unmarshal(b, &r) == nil && len(r.Messages) == 1 {
					acked.Store(r.Messages[0].ID, true)
				}
			}
		})
	}
	wg.Wait()
}

// keys lists the keys of a map of acknowledged ids.
func keys(m *sync.Map) []string {
	var ids []string
	m.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
	return ids
}

// waitForStatuses waits until no message of ids lacks its status webhooks.
func waitForStatuses(t *testing.T, ids []string, missing func([]string) int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n := missing(ids)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged messages lack sent/delivered/read webhooks after %s", n, len(ids), within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// uploadPNG uploads a small PNG through the Cloud API and returns its id and bytes.
func uploadPNG(t *testing.T, srv *server, phoneID, token string) uploaded {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 3))
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("messaging_product", "whatsapp")
	part, _ := mw.CreateFormFile("file", "dot.png")
	part.Write(png.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", srv.base+"/v23.0/"+phoneID+"/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.ID == "" {
		t.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return uploaded{id: r.ID, data: png.Bytes()}
}

type uploaded struct {
	id   string
	data []byte
}

// checkMedia downloads an upload through its media URL and compares the bytes.
func checkMedia(t *testing.T, srv *server, u uploaded, token string) {
	t.Helper()
	code, b := srv.do(t, "GET", "/v23.0/"+u.id, token, "")
	var m struct{ URL string }
	if err := json.Unmarshal(b, &m); code != 200 || err != nil {
		t.Fatalf("media %s after the crash: %d %s", u.id, code, b)
	}
	req, _ := http.NewRequest("GET", m.URL, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(got, u.data) {
		t.Fatalf("media bytes after the crash: %d, %d bytes, want %d", resp.StatusCode, len(got), len(u.data))
	}
}
