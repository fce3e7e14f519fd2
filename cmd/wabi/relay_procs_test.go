package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// relayProc is a wabi process of the relay tests: a real server started from
// the test binary on a fixed loopback port and data directory, so that it can
// be killed and started again where the other process expects it.
type relayProc struct {
	t    *testing.T
	name string
	addr string
	dir  string
	env  []string
	base string

	mu     sync.Mutex
	cmd    *exec.Cmd
	stderr string // the file the current process writes its log to
	starts int
}

// newRelayProc reserves a loopback port and a data directory for a process
// and starts it. The test's end stops it.
func newRelayProc(t *testing.T, name string, env ...string) *relayProc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &relayProc{t: t, name: name, addr: addr, dir: t.TempDir(), env: env, base: "http://" + addr}
	p.start(t)
	t.Cleanup(p.stop)
	return p
}

// start runs the process and waits for its banner.
func (p *relayProc) start(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts++
	p.stderr = filepath.Join(p.dir, fmt.Sprintf("stderr-%d.log", p.starts))
	errFile, err := os.Create(p.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WABI_TEST_SERVE=1", "WABI_DATA="+p.dir, "WABI_ADDR="+p.addr,
		"WABI_LOG_LEVEL=warn", "WABI_WEBHOOK_RETRY_MIN=100ms", "WABI_LIMITS=off")
	cmd.Env = append(cmd.Env, p.env...)
	cmd.Stderr = errFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	up := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on ") {
				up <- true
			}
		}
		close(up)
	}()
	select {
	case ok := <-up:
		if !ok {
			cmd.Wait()
			t.Fatalf("%s exited at start: %s", p.name, p.log())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s did not start: %s", p.name, p.log())
	}
	p.cmd = cmd
}

// kill ends the process at once with SIGKILL, as a crash would.
func (p *relayProc) kill(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	p.cmd = nil
}

// stop ends the process with SIGTERM, as an operator would, and fails the
// test if it does not stop cleanly.
func (p *relayProc) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	cmd := p.cmd
	p.cmd = nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			p.t.Errorf("%s exited with %v after SIGTERM: %s", p.name, err, p.log())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		p.t.Errorf("%s did not stop within 15 s of SIGTERM", p.name)
	}
}

// log is the current process's stderr so far, cut to its last 8 KiB.
func (p *relayProc) log() string {
	b, _ := os.ReadFile(p.stderr)
	if len(b) > 8<<10 {
		b = b[len(b)-8<<10:]
	}
	return string(b)
}

// call sends a JSON request to the process (a body that starts with "{")
// with optional headers in pairs, the first of them "Authorization" when
// token is set, and returns the status, the answer's headers and its body.
func (p *relayProc) call(t *testing.T, method, path, token, body string, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s %s: %v", p.name, method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// must is call that fails the test unless the answer is 200 or 201, and decodes
// the answer into out when out is not nil.
func (p *relayProc) must(t *testing.T, method, path, token, body string, out any, headers ...string) string {
	t.Helper()
	code, _, b := p.call(t, method, path, token, body, headers...)
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("%s %s %s: %d %s", p.name, method, path, code, b)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			t.Fatalf("%s %s %s: %v in %s", p.name, method, path, err, b)
		}
	}
	return b
}

// demo is the part of GET /api/info the relay tests use.
type demo struct {
	WABA struct {
		ID        string `json:"id"`
		Namespace string `json:"message_template_namespace"`
	} `json:"waba"`
	PhoneNumber struct {
		ID string `json:"id"`
	} `json:"phone_number"`
	OnPremPhone struct {
		ID string `json:"id"`
	} `json:"onprem_phone_number"`
	App struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	} `json:"app"`
	Token struct {
		Token string `json:"token"`
	} `json:"token"`
	VirtualPhone struct {
		WaID string `json:"wa_id"`
	} `json:"virtual_phone"`
}

// demo reads the process's demo from GET /api/info.
func (p *relayProc) demo(t *testing.T) demo {
	t.Helper()
	var d demo
	p.must(t, "GET", "/api/info", "", "", &d)
	if d.PhoneNumber.ID == "" || d.App.Secret == "" || d.Token.Token == "" || d.VirtualPhone.WaID == "" {
		t.Fatalf("%s has no demo: %+v", p.name, d)
	}
	return d
}

// hookEvent is one status or message a receiver got.
type hookEvent struct {
	phoneNumberID string // the metadata's; "" in the On-Premises shape
	status        string // "" for a message
	id            string
	errorCode     int
	imageID       string // the media id of an image message
}

// relayReceiver is a webhook receiver for a client of the relay: at
// /cloud it takes the Cloud API shape and checks each body's signature
// against the relay app's secret; at /onprem it takes the On-Premises shape.
type relayReceiver struct {
	srv    *httptest.Server
	secret string

	mu       sync.Mutex
	cloud    []hookEvent
	onprem   []hookEvent
	problems []string
}

// newRelayReceiver starts a receiver; the test's end stops it.
func newRelayReceiver(t *testing.T) *relayReceiver {
	t.Helper()
	r := &relayReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// setSecret sets the secret /cloud checks signatures with.
func (r *relayReceiver) setSecret(s string) {
	r.mu.Lock()
	r.secret = s
	r.mu.Unlock()
}

func (r *relayReceiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodGet {
		io.WriteString(w, req.URL.Query().Get("hub.challenge"))
		return
	}
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch req.URL.Path {
	case "/cloud":
		if req.Header.Get("X-Hub-Signature-256") != sign(r.secret, b) {
			r.problems = append(r.problems, "bad signature on "+string(b))
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var env struct {
			Entry []struct {
				Changes []struct {
					Field string
					Value struct {
						Metadata struct {
							PhoneNumberID string `json:"phone_number_id"`
						}
						Messages []struct {
							ID    string
							Image struct{ ID string }
						}
						Statuses []struct {
							ID, Status string
							Errors     []struct{ Code int }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(b, &env); err != nil {
			r.problems = append(r.problems, "not JSON: "+string(b))
			return
		}
		for _, e := range env.Entry {
			for _, c := range e.Changes {
				pn := c.Value.Metadata.PhoneNumberID
				for _, m := range c.Value.Messages {
					r.cloud = append(r.cloud, hookEvent{phoneNumberID: pn, id: m.ID, imageID: m.Image.ID})
				}
				for _, s := range c.Value.Statuses {
					ev := hookEvent{phoneNumberID: pn, status: s.Status, id: s.ID}
					if len(s.Errors) > 0 {
						ev.errorCode = s.Errors[0].Code
					}
					r.cloud = append(r.cloud, ev)
				}
			}
		}
	case "/onprem":
		var env struct {
			Messages []struct{ ID string }
			Statuses []struct{ ID, Status string }
		}
		if err := json.Unmarshal(b, &env); err != nil || (len(env.Messages) == 0 && len(env.Statuses) == 0) {
			r.problems = append(r.problems, "not an On-Premises webhook: "+string(b))
			return
		}
		for _, m := range env.Messages {
			r.onprem = append(r.onprem, hookEvent{id: m.ID})
		}
		for _, s := range env.Statuses {
			r.onprem = append(r.onprem, hookEvent{status: s.Status, id: s.ID})
		}
	default:
		r.problems = append(r.problems, "webhook at "+req.URL.Path)
	}
}

// missing returns what of want (status names, "" for the message itself)
// the receiver lacks for any of ids, in the Cloud API shape (onprem false)
// or the On-Premises one; "" when nothing lacks.
func (r *relayReceiver) missing(onprem bool, ids []string, want ...string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	events := r.cloud
	if onprem {
		events = r.onprem
	}
	got := map[string]map[string]bool{}
	for _, e := range events {
		if got[e.id] == nil {
			got[e.id] = map[string]bool{}
		}
		got[e.id][e.status] = true
	}
	var lack []string
	for _, id := range ids {
		for _, w := range want {
			if !got[id][w] {
				name := w
				if name == "" {
					name = "message"
				}
				lack = append(lack, id+" "+name)
			}
		}
	}
	if len(lack) == 0 {
		return ""
	}
	if len(lack) > 5 {
		lack = append(lack[:5], fmt.Sprintf("and %d more", len(lack)-5))
	}
	return "webhooks missing: " + strings.Join(lack, ", ")
}

// check fails the test for any body the receiver refused, and for any
// Cloud API webhook that names another number than phoneNumberID.
func (r *relayReceiver) check(t *testing.T, phoneNumberID string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.problems {
		if i == 5 {
			t.Errorf("receiver: and %d more problems", len(r.problems)-i)
			break
		}
		t.Errorf("receiver: %.500s", p)
	}
	for _, e := range r.cloud {
		if e.phoneNumberID != phoneNumberID {
			t.Errorf("webhook for %s names number %q, want the relay's %s", e.id, e.phoneNumberID, phoneNumberID)
			return
		}
	}
}

// imageID returns the media id of the image message id, "" if none came.
func (r *relayReceiver) imageID(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.cloud {
		if e.id == id && e.status == "" {
			return e.imageID
		}
	}
	return ""
}

// failed returns the error code of a failed status of id, 0 if none.
func (r *relayReceiver) failed(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.cloud {
		if e.id == id && e.status == "failed" {
			return e.errorCode
		}
	}
	return 0
}

// sign is the X-Hub-Signature-256 of body under secret.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// multipartPNG is a multipart upload body of a small PNG, and its content type.
func multipartPNG(t *testing.T, png []byte) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("messaging_product", "whatsapp")
	mw.WriteField("type", "image/png")
	part, err := mw.CreateFormFile("file", "dot.png")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(png)
	mw.Close()
	return &body, mw.FormDataContentType()
}
