package cloudapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/cloudapi"
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

// countedAPI serves the Cloud API of s with its uploads in tempDir ("" for the
// default). Each request's count of body bytes the API read is sent on the
// returned channel once the API is done with the request.
func countedAPI(t *testing.T, s *stack, tempDir string) (*httptest.Server, <-chan int64) {
	t.Helper()
	api := cloudapi.New(s.p)
	api.TempDir = tempDir
	done := make(chan int64, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := new(atomic.Int64)
		r.Body = readCounter{r.Body, n}
		api.ServeHTTP(w, r)
		done <- n.Load()
	}))
	t.Cleanup(srv.Close)
	return srv, done
}

// mustDirEmpty fails if dir holds any file.
func mustDirEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}

// pdfBytes is a PDF document of n bytes, as far as WhatsApp's checks go.
func pdfBytes(n int) []byte {
	b := bytes.Repeat([]byte("a"), n)
	copy(b, "%PDF-1.4\n")
	return b
}

// multipartUpload is a media upload form: the fields in order, then the file.
func multipartUpload(fields [][2]string, file []byte, fileType string) ([]byte, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	if file != nil {
		h := map[string][]string{"Content-Disposition": {`form-data; name="file"; filename="f"`}, "Content-Type": {fileType}}
		part, _ := mw.CreatePart(h)
		part.Write(file)
	}
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

// post sends body to url and returns the status and the answer's error code
// (0 for none).
func post(t *testing.T, url string, header map[string]string, body io.Reader) (int, int) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error struct{ Code int } }
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &e)
	return resp.StatusCode, e.Error.Code
}

// TestUploadsLeaveNoTempFiles: whatever becomes of an upload (stored, too big,
// of the wrong type, badly authenticated, cut off by the client), nothing stays
// in $TMPDIR. The files are larger than what net/http keeps in memory, so a
// parsed form would have spooled them there.
func TestUploadsLeaveNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	s := mustStack(t)
	srv, done := countedAPI(t, s, "")
	url := srv.URL + "/v23.0/" + s.demo.Phone.ID + "/media"
	tok := s.demo.Token.Value
	product := [][2]string{{"messaging_product", "whatsapp"}}
	pdf := pdfBytes(10 << 20)

	tests := []struct {
		name   string
		token  string
		fields [][2]string
		file   []byte
		typ    string
		status int
		code   int
	}{
		{"stored", tok, product, pdf, "application/pdf", 200, 0},
		{"token_in_form", "", [][2]string{{"access_token", tok}, {"messaging_product", "whatsapp"}}, pdf, "application/pdf", 200, 0},
		{"wrong_type", tok, product, append(gifBytes(t), make([]byte, 10<<20)...), "image/gif", 400, 131053},
		{"bad_token", "nope", product, pdf, "application/pdf", 401, 190},
		{"token_after_file", "", [][2]string{}, pdf, "application/pdf", 400, 104},
		{"no_product", tok, nil, pdf, "application/pdf", 400, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartUpload(tt.fields, tt.file, tt.typ)
			h := map[string]string{"Content-Type": ct}
			if tt.token != "" {
				h["Authorization"] = "Bearer " + tt.token
			}
			status, code := post(t, url, h, bytes.NewReader(body))
			<-done
			if status != tt.status || code != tt.code {
				t.Fatalf("answer %d (code %d), want %d (code %d)", status, code, tt.status, tt.code)
			}
			mustDirEmpty(t, dir)
		})
	}

	t.Run("too_big", func(t *testing.T) {
		// Sent chunked, so that only reading tells the size.
		head, ct := multipartUpload(product, []byte{}, "application/pdf")
		head = head[:bytes.LastIndex(head, []byte("\r\n--"))]
		body := io.MultiReader(bytes.NewReader(head), bytes.NewReader(pdfBytes(100<<20+1)), strings.NewReader("\r\n--end--\r\n"))
		status, code := post(t, url, map[string]string{"Content-Type": ct, "Authorization": "Bearer " + tok}, struct{ io.Reader }{body})
		<-done
		if status != 400 || code != 131053 {
			t.Fatalf("answer %d (code %d), want 400 (131053)", status, code)
		}
		mustDirEmpty(t, dir)
	})

	t.Run("client_hangs_up", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /v23.0/%s/media HTTP/1.1\r\nHost: wabi\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: %d\r\n\r\n"+
			"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: application/pdf\r\n\r\n",
			s.demo.Phone.ID, tok, 20<<20)
		conn.Write(pdf)
		conn.Close()
		if n := <-done; n < int64(len(pdf)) {
			t.Fatalf("the API read %d bytes, fewer than were sent", n)
		}
		mustDirEmpty(t, dir)
	})
}

// TestUploadRefusedUnread: a request whose token is bad, missing or not the
// first thing in the form is answered before its body has been sent, having
// read next to nothing of it; so is a body declared larger than its edge takes.
func TestUploadRefusedUnread(t *testing.T) {
	s := mustStack(t)
	srv, done := countedAPI(t, s, t.TempDir())
	fileHead, ct := multipartUpload(nil, []byte{}, "application/pdf")
	fileHead = fileHead[:bytes.LastIndex(fileHead, []byte("\r\n--"))]
	media := srv.URL + "/v23.0/" + s.demo.Phone.ID + "/media"
	session := s.mustUploadSession("big.pdf", "application/pdf", 40<<20)
	tok := s.demo.Token.Value

	tests := []struct {
		name   string
		url    string
		header map[string]string
		length int64 // declared Content-Length; 0 sends the body chunked
		status int
		code   int
	}{
		{"media_bad_token", media, map[string]string{"Authorization": "Bearer nope", "Content-Type": ct}, 0, 401, 190},
		{"media_no_token", media, map[string]string{"Content-Type": ct}, 0, 400, 104},
		{"media_declared_too_big", media, map[string]string{"Authorization": "Bearer " + tok, "Content-Type": ct}, 200 << 20, 400, 131053},
		{"resumable_bad_token", srv.URL + "/v23.0/" + session, map[string]string{"Authorization": "OAuth nope", "file_offset": "0"}, 40 << 20, 401, 190},
		{"messages_declared_too_big", srv.URL + "/v23.0/" + s.demo.Phone.ID + "/messages",
			map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}, 40 << 20, 400, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The body never ends: only an answer that does not wait for it
			// lets Do return.
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() {
				pw.Write(fileHead)
				chunk := make([]byte, 64<<10)
				for {
					if _, err := pw.Write(chunk); err != nil {
						return
					}
				}
			}()
			req, _ := http.NewRequest("POST", tt.url, pr)
			req.ContentLength = tt.length
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			client := &http.Client{Timeout: 10 * time.Second}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("no answer while the body was being sent: %v", err)
			}
			var e struct{ Error struct{ Code int } }
			json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			pw.Close()
			if resp.StatusCode != tt.status || e.Error.Code != tt.code {
				t.Fatalf("answer %d (code %d), want %d (code %d)", resp.StatusCode, e.Error.Code, tt.status, tt.code)
			}
			if n := <-done; n > 8<<10 {
				t.Fatalf("the API read %d bytes of a body it refused", n)
			}
		})
	}
}

// TestUploadParamsInQuery: messaging_product and type may come in the query
// string instead of the form, as Graph takes them.
func TestUploadParamsInQuery(t *testing.T) {
	s := mustStack(t)
	body, ct := multipartUpload(nil, pngBytes(t), "application/octet-stream")
	status, code := post(t, s.api.URL+"/v23.0/"+s.demo.Phone.ID+"/media?messaging_product=whatsapp&type=image/png",
		map[string]string{"Content-Type": ct, "Authorization": "Bearer " + s.demo.Token.Value}, bytes.NewReader(body))
	if status != 200 {
		t.Fatalf("answer %d (code %d), want 200", status, code)
	}
}

// brokenBody yields some bytes, then fails as a body does when its client goes
// away or is cut off for sending too slowly.
type brokenBody struct{ sent bool }

func (b *brokenBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "%PDF-1.4\n"), nil
	}
	return 0, io.ErrUnexpectedEOF
}

// TestBrokenUploadPartIsTheClients: a resumable upload part whose body breaks
// off is the client's error (100), not the server's.
func TestBrokenUploadPartIsTheClients(t *testing.T) {
	s := mustStack(t)
	session := s.mustUploadSession("doc.pdf", "application/pdf", 1000)
	req := httptest.NewRequest("POST", "/v23.0/"+session, &brokenBody{})
	req.Header.Set("Authorization", "OAuth "+s.demo.Token.Value)
	req.Header.Set("file_offset", "0")
	rec := httptest.NewRecorder()
	cloudapi.New(s.p).ServeHTTP(rec, req)
	var e struct{ Error struct{ Code int } }
	json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != 400 || e.Error.Code != 100 {
		t.Fatalf("answer %d %s, want 400 (100)", rec.Code, rec.Body)
	}
}
