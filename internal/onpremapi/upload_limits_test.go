package onpremapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// readCounter is a request body that counts what the API read of it.
type readCounter struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c readCounter) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// countedServer serves the stack's On-Premises API; once the API is done with
// a request, the count of body bytes it read is sent on the channel.
func (s *stack) countedServer(t *testing.T) (*httptest.Server, <-chan int64) {
	done := make(chan int64, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := new(atomic.Int64)
		r.Body = readCounter{r.Body, n}
		s.api.ServeHTTP(w, r)
		done <- n.Load()
	}))
	t.Cleanup(srv.Close)
	return srv, done
}

// endless is a request body that never ends: bytes come until it is closed.
func endless(t *testing.T) io.Reader {
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	go func() {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
	}()
	return pr
}

// postBody sends a request and returns the status and the On-Premises error
// code of the answer (0 for none). length is the declared Content-Length; -1
// sends the body chunked.
func postBody(t *testing.T, url, token, contentType string, body io.Reader, length int64) (int, int) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, body)
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	var e struct{ Errors []struct{ Code int } }
	json.NewDecoder(resp.Body).Decode(&e)
	if len(e.Errors) == 0 {
		return resp.StatusCode, 0
	}
	return resp.StatusCode, e.Errors[0].Code
}

// TestBodiesRefusedUnread: a body declared larger than its endpoint takes, or
// sent with a bad token, is answered while it is still being sent, having
// been read next to nothing.
func TestBodiesRefusedUnread(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	srv, done := s.countedServer(t)
	tests := []struct {
		name   string
		path   string
		token  string
		ct     string
		length int64
		status int
		code   int
	}{
		{"photo_declared_500MB", "/v1/settings/profile/photo", tok, "image/png", 500 << 20, 400, 1014},
		{"photo_form_declared_500MB", "/v1/settings/profile/photo", tok, "multipart/form-data; boundary=B", 500 << 20, 400, 1014},
		{"media_declared_too_big", "/v1/media", tok, "application/pdf", 200 << 20, 400, 1014},
		{"media_bad_token", "/v1/media", "nope", "application/pdf", 50 << 20, 401, 1005},
		{"photo_bad_token", "/v1/settings/profile/photo", "nope", "image/png", -1, 401, 1005},
		{"stickerpack_declared_too_big", "/v1/stickerpacks", tok, "application/json", 50 << 20, 400, 1025},
		{"providers_declared_too_big", "/v1/settings/application/media/providers", tok, "application/json", 50 << 20, 400, 1025},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code := postBody(t, srv.URL+tt.path, tt.token, tt.ct, endless(t), tt.length)
			if status != tt.status || code != tt.code {
				t.Fatalf("answer %d (code %d), want %d (code %d)", status, code, tt.status, tt.code)
			}
			if n := <-done; n > 8<<10 {
				t.Fatalf("the API read %d bytes of a body it refused", n)
			}
		})
	}
}

// TestPhotoOverItsLimit: a photo sent without its length is cut off at the 5 MB
// limit with the client's error, raw or in a form, and leaves nothing in
// $TMPDIR.
func TestPhotoOverItsLimit(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	s := newStack(t)
	tok := s.mustAdmin()
	srv, done := s.countedServer(t)
	formHead := []byte("--B\r\nContent-Disposition: form-data; name=\"File\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n")
	for _, tt := range []struct {
		name string
		ct   string
		body io.Reader
	}{
		{"raw", "image/png", endless(t)},
		{"form", "multipart/form-data; boundary=B", io.MultiReader(bytes.NewReader(formHead), endless(t))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, code := postBody(t, srv.URL+"/v1/settings/profile/photo", tok, tt.ct, tt.body, -1)
			if status != 400 || code != 1014 {
				t.Fatalf("answer %d (code %d), want 400 (1014)", status, code)
			}
			if n := <-done; n > 6<<20 {
				t.Fatalf("the API read %d bytes, past the photo's limit", n)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) > 0 {
				t.Fatalf("left in $TMPDIR: %v", entries)
			}
		})
	}
}

// TestPhotoAsForm: older clients send the photo as a form's File field; it is
// stored, and nothing stays in $TMPDIR.
func TestPhotoAsForm(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	s := newStack(t)
	tok := s.mustAdmin()
	img := pngBytes(t, 200)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := map[string][]string{"Content-Disposition": {`form-data; name="File"; filename="p.png"`}, "Content-Type": {"image/png"}}
	part, _ := mw.CreatePart(h)
	part.Write(img)
	mw.Close()
	status, code := postBody(t, s.srv.URL+"/v1/settings/profile/photo", tok, mw.FormDataContentType(), &body, int64(body.Len()))
	if status != 200 {
		t.Fatalf("answer %d (code %d)", status, code)
	}
	r := s.do("GET", "/v1/settings/profile/photo", tok, nil)
	if r.status != 200 || !bytes.Equal(r.raw, img) {
		t.Fatalf("photo: %d, %d bytes", r.status, len(r.raw))
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Fatalf("left in $TMPDIR: %v", entries)
	}
	// A form without the File field says what is missing.
	body.Reset()
	mw = multipart.NewWriter(&body)
	mw.WriteField("photo", "x")
	mw.Close()
	if status, code := postBody(t, s.srv.URL+"/v1/settings/profile/photo", tok, mw.FormDataContentType(), &body, int64(body.Len())); status != 400 || code != 1008 {
		t.Fatalf("form without File: %d (code %d), want 400 (1008)", status, code)
	}
}

// brokenBody yields some bytes, then fails as a body does when its client goes
// away or is cut off for sending too slowly.
type brokenBody struct{ sent bool }

func (b *brokenBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "\x89PNG\r\n\x1a\n"), nil
	}
	return 0, io.ErrUnexpectedEOF
}

// TestBrokenBodyIsTheClients: a raw upload whose body breaks off is the
// client's error (1025), not the server's (1000).
func TestBrokenBodyIsTheClients(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	for _, path := range []string{"/v1/media", "/v1/settings/profile/photo"} {
		req := httptest.NewRequest("POST", path, &brokenBody{})
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "image/png")
		rec := httptest.NewRecorder()
		s.api.ServeHTTP(rec, req)
		if rec.Code != 400 || !bytes.Contains(rec.Body.Bytes(), []byte(`"code":1025`)) {
			t.Errorf("%s: answer %d %s, want 400 (1025)", path, rec.Code, rec.Body)
		}
	}
}
