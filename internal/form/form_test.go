package form_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/form"
)

// part is one part of a test form; file parts have a file name.
type part struct {
	name, filename, contentType, value string
}

// mustBody encodes parts as a multipart body and returns it with its
// Content-Type.
func mustBody(t *testing.T, parts ...part) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := make(map[string][]string)
		cd := `form-data; name="` + p.name + `"`
		if p.filename != "" {
			cd += `; filename="` + p.filename + `"`
		}
		h["Content-Disposition"] = []string{cd}
		if p.contentType != "" {
			h["Content-Type"] = []string{p.contentType}
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.value)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

func request(body io.Reader, contentType string) *http.Request {
	r := httptest.NewRequest("POST", "/upload", body)
	r.Header.Set("Content-Type", contentType)
	return r
}

// mustEmpty fails if dir holds any file.
func mustEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}

// TestReadForm: fields before and after the file are read, the file is
// spooled and readable, and nothing is left in the temporary directory, not
// even while the form is open.
func TestReadForm(t *testing.T) {
	dir := t.TempDir()
	body, ct := mustBody(t,
		part{name: "messaging_product", value: "whatsapp"},
		part{name: "file", filename: "a.txt", contentType: "text/plain", value: "hello, world"},
		part{name: "type", value: "text/plain"},
	)
	rd := &form.Reader{File: "file", MaxFile: 100, TempDir: dir}
	f, err := rd.Read(request(bytes.NewReader(body), ct))
	if err != nil {
		t.Fatal(err)
	}
	mustEmpty(t, dir)
	if got := f.Fields.Get("messaging_product") + " " + f.Fields.Get("type"); got != "whatsapp text/plain" {
		t.Errorf("fields %q", got)
	}
	if f.File == nil || f.File.Filename != "a.txt" || f.File.ContentType != "text/plain" || f.File.Size != 12 {
		t.Fatalf("file %+v", f.File)
	}
	data, err := io.ReadAll(f.File)
	if err != nil || string(data) != "hello, world" {
		t.Fatalf("file bytes %q %v", data, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	mustEmpty(t, dir)
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestReadFormRefusals: every way a form is refused, each with its error and
// with nothing left on disk.
func TestReadFormRefusals(t *testing.T) {
	big := strings.Repeat("x", 1000)
	tests := []struct {
		name  string
		parts []part
		// cut, if set, truncates the body to as many bytes, as a client that
		// hangs up mid-body.
		cut      int
		cap      int64
		reader   form.Reader
		ct       string
		wantErr  func(error) bool
		maxBytes int // at most this many body bytes may be read; 0 means no check
	}{
		{name: "file_too_large", parts: []part{{name: "file", filename: "f", value: big}},
			reader: form.Reader{MaxFile: 999},
			wantErr: func(err error) bool {
				var e *form.TooLargeError
				return errors.As(err, &e) && e.Limit == 999
			}},
		{name: "body_over_its_cap", parts: []part{{name: "file", filename: "f", value: big}},
			cap: 500, reader: form.Reader{MaxFile: 5000},
			wantErr: func(err error) bool {
				var e *form.TooLargeError
				return errors.As(err, &e) && e.Limit == 500
			}},
		{name: "fields_too_large", parts: []part{{name: "a", value: big}, {name: "b", value: big}},
			reader: form.Reader{MaxFile: 10, MaxFields: 1500},
			wantErr: func(err error) bool {
				var e *form.FieldsTooLargeError
				return errors.As(err, &e) && e.Limit == 1500
			}},
		{name: "second_file_counts_as_fields", parts: []part{{name: "file", filename: "f", value: "x"}, {name: "file", filename: "g", value: big}},
			reader: form.Reader{MaxFile: 10, MaxFields: 100},
			wantErr: func(err error) bool {
				var e *form.FieldsTooLargeError
				return errors.As(err, &e)
			}},
		{name: "client_hangs_up", parts: []part{{name: "file", filename: "f", value: big}}, cut: 600,
			reader: form.Reader{MaxFile: 5000},
			wantErr: func(err error) bool {
				var e *form.BodyError
				return errors.As(err, &e) && errors.Is(err, io.ErrUnexpectedEOF)
			}},
		{name: "not_multipart", ct: "application/json", reader: form.Reader{MaxFile: 10},
			wantErr: func(err error) bool { return err == form.ErrNotMultipart }},
		{name: "refused_before_the_file", parts: []part{{name: "token", value: "bad"}, {name: "file", filename: "f", value: strings.Repeat(big, 100)}},
			reader: form.Reader{MaxFile: 1 << 20, BeforeFile: func(fields url.Values) error {
				if fields.Get("token") != "good" {
					return errors.New("unauthenticated")
				}
				return nil
			}},
			wantErr:  func(err error) bool { return err != nil && err.Error() == "unauthenticated" },
			maxBytes: 8 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			body, ct := mustBody(t, tt.parts...)
			if tt.ct != "" {
				ct = tt.ct
			}
			if tt.cut > 0 {
				body = body[:tt.cut]
			}
			src := &countingReader{r: bytes.NewReader(body)}
			r := request(src, ct)
			if tt.cap > 0 {
				r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, tt.cap)
			}
			rd := tt.reader
			rd.File, rd.TempDir = "file", dir
			f, err := rd.Read(r)
			if !tt.wantErr(err) {
				t.Fatalf("error %v (%T)", err, err)
			}
			if f != nil {
				t.Fatalf("a form came with the error: %+v", f)
			}
			if tt.maxBytes > 0 && src.n > tt.maxBytes {
				t.Errorf("read %d bytes of the body, want at most %d", src.n, tt.maxBytes)
			}
			mustEmpty(t, dir)
		})
	}
}

// TestReadFormWithoutFile: a form without the file part has File nil.
func TestReadFormWithoutFile(t *testing.T) {
	body, ct := mustBody(t, part{name: "messaging_product", value: "whatsapp"})
	rd := &form.Reader{File: "file", MaxFile: 10, TempDir: t.TempDir()}
	f, err := rd.Read(request(bytes.NewReader(body), ct))
	if err != nil || f.File != nil || f.Fields.Get("messaging_product") != "whatsapp" {
		t.Fatalf("form %+v, %v", f, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestReadFormUnwritableTempDir: a temporary file that cannot be made is the
// server's error, not a BodyError.
func TestReadFormUnwritableTempDir(t *testing.T) {
	body, ct := mustBody(t, part{name: "file", filename: "f", value: "x"})
	rd := &form.Reader{File: "file", MaxFile: 10, TempDir: t.TempDir() + "/missing"}
	_, err := rd.Read(request(bytes.NewReader(body), ct))
	var be *form.BodyError
	if err == nil || errors.As(err, &be) {
		t.Fatalf("error %v, want a server error", err)
	}
}
