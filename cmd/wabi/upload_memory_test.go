package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procStatus reads a field of /proc/<pid>/status in bytes ("VmRSS", "VmHWM").
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("memory of the wabi process: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// fill is an endless source of one byte.
type fill byte

func (b fill) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// bigUpload is a Cloud API media upload of a PDF of size bytes, generated as
// it is sent, with its Content-Length.
func bigUpload(url, token string, size int64) *http.Request {
	const boundary = "wabi-memory-test"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n" +
		"--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
	tail := "\r\n--" + boundary + "--\r\n"
	file := io.LimitReader(fill('a'), size-int64(len("%PDF-1.4\n")))
	req, _ := http.NewRequest("POST", url, io.MultiReader(strings.NewReader(head), file, strings.NewReader(tail)))
	req.ContentLength = int64(len(head)) + size - int64(len("%PDF-1.4\n")) + int64(len(tail))
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// TestUploadMemoryBound runs 8 parallel 40 MB uploads with a good token and 8
// without one against a wabi process: its resident memory grows by less than
// 100 MB, every good upload is stored, every other refused, and nothing is
// left in $TMPDIR.
func TestUploadMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a wabi process; skipped in -short mode")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	srv := startServer(t, t.TempDir())
	defer srv.stop(t)
	var in info
	_, b := srv.do(t, "GET", "/api/info", "", "")
	if err := json.Unmarshal(b, &in); err != nil || in.Token.Token == "" {
		t.Fatalf("info %s: %v", b, err)
	}
	url := srv.base + "/v23.0/" + in.PhoneNumber.ID + "/media"
	pid := srv.cmd.Process.Pid
	before := procStatus(t, pid, "VmRSS")

	const size = 40 << 20
	client := &http.Client{Timeout: 60 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		token := ""
		if i%2 == 0 {
			token = in.Token.Token
		}
		wg.Go(func() {
			resp, err := client.Do(bigUpload(url, token, size))
			if err != nil {
				if token != "" {
					errs <- fmt.Errorf("upload with a token: %v", err)
				}
				// Without a token the server may close the connection while
				// the client still sends: refused either way.
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if (token != "") != (resp.StatusCode == 200) {
				errs <- fmt.Errorf("upload (token %t): %d %s", token != "", resp.StatusCode, body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	peak := procStatus(t, pid, "VmHWM")
	t.Logf("wabi's resident memory: %d MB before, peak %d MB", before>>20, peak>>20)
	if grown := peak - before; grown >= 100<<20 {
		t.Errorf("resident memory grew by %d MB, want less than 100 MB", grown>>20)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in $TMPDIR: %s", e.Name())
	}
}
