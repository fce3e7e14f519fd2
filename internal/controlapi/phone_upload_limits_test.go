package controlapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// countingBody counts the bytes read from it.
type countingBody struct {
	r io.Reader
	n int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestPhoneUploadLimits: a virtual phone's upload leaves nothing in $TMPDIR,
// stored or refused, even behind a middleware that hands the API a copy of
// the request; a body declared larger than the largest file is refused unread.
func TestPhoneUploadLimits(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	s := mustStack(t, "")
	// A copy of the request, as a middleware that adds to the context makes;
	// the server would clean up only the original's parsed form.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.h.ServeHTTP(w, r.WithContext(r.Context()))
	})
	path := "/api/phones/" + s.demo.Customer.WaID + "/media?phone_number_id=" + s.demo.Phone.ID
	// Larger than what net/http would keep in memory.
	big := pdf + strings.Repeat("a", 10<<20)
	doc, docType := mustForm(t, formPart{name: "file", filename: "big.pdf", contentType: "application/pdf", value: big})
	gif, gifType := mustForm(t, formPart{name: "file", filename: "big.gif", contentType: "image/gif", value: string(mustGIF(t)) + strings.Repeat("a", 10<<20)})

	tests := []struct {
		name   string
		body   string
		ct     string
		length int64 // declared; 0 means the body's length
		status int
		code   string
		// maxRead, if set, is the most of the body the API may read.
		maxRead int
	}{
		{name: "stored", body: doc, ct: docType, status: 201},
		{name: "wrong_type", body: gif, ct: gifType, status: 400, code: "media_upload"},
		{name: "client_hangs_up", body: doc[:len(doc)/2], ct: docType, length: int64(len(doc)), status: 400, code: "bad_request"},
		{name: "declared_too_big", body: doc, ct: docType, length: 200 << 20, status: 400, code: "media_upload", maxRead: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &countingBody{r: strings.NewReader(tt.body)}
			req := httptest.NewRequest("POST", path, body)
			req.Header.Set("Content-Type", tt.ct)
			if tt.length > 0 {
				req.ContentLength = tt.length
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status || (tt.code != "" && !strings.Contains(rec.Body.String(), `"code":"`+tt.code+`"`)) {
				t.Fatalf("answer %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
			if tt.maxRead > 0 && body.n >= tt.maxRead {
				t.Errorf("the API read %d bytes of a body it refused", body.n)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				t.Errorf("left in $TMPDIR: %s", e.Name())
			}
		})
	}
}

// TestJSONBodyDeclaredTooLarge: a JSON body declared over 1 MiB is refused
// before any of it is read.
func TestJSONBodyDeclaredTooLarge(t *testing.T) {
	s := mustStack(t, "")
	body := &countingBody{r: strings.NewReader(`{"name":"x"}`)}
	req := httptest.NewRequest("POST", "/api/businesses", body)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = 50 << 20
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code != 400 || body.n != 0 {
		t.Fatalf("answer %d %s after reading %d bytes, want 400 before reading any", rec.Code, rec.Body, body.n)
	}
}

// brokenBody yields some bytes, then fails as a body does when its client goes
// away or is cut off for sending too slowly.
type brokenBody struct{ sent bool }

func (b *brokenBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, pdf), nil
	}
	return 0, io.ErrUnexpectedEOF
}

// TestBrokenPhoneUploadIsTheClients: a raw upload whose body breaks off is a
// 400, not an internal error.
func TestBrokenPhoneUploadIsTheClients(t *testing.T) {
	s := mustStack(t, "")
	req := httptest.NewRequest("POST", "/api/phones/"+s.demo.Customer.WaID+"/media?phone_number_id="+s.demo.Phone.ID, &brokenBody{})
	req.Header.Set("Content-Type", "application/pdf")
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"code":"bad_request"`) {
		t.Fatalf("answer %d %s, want 400 bad_request", rec.Code, rec.Body)
	}
}
