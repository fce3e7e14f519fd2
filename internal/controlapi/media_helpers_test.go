package controlapi

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"testing"
)

// mustPNG encodes a small 8-bit PNG filled with c; different colours give
// different bytes, so different files.
func mustPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for x := range 4 {
		for y := range 3 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mustJPEG encodes a small JPEG.
func mustJPEG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 6)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mustGIF encodes a small GIF, a type WhatsApp does not take.
func mustGIF(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 2, 2), palette.Plan9), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// oggOpus is the first page of an Ogg stream: one packet, the OPUS
// identification header, which is all wabi looks at to judge a voice note.
func oggOpus(channels byte) []byte {
	head := []byte("OpusHead")
	head = append(head, 1, channels) // version, channels
	head = binary.LittleEndian.AppendUint16(head, 312)
	head = binary.LittleEndian.AppendUint32(head, 48000)
	head = append(head, 0, 0, 0) // output gain, mapping family 0 (mono or stereo)

	var b bytes.Buffer
	b.WriteString("OggS")
	b.WriteByte(0)                 // version
	b.WriteByte(0x02)              // first page of the stream
	b.Write(make([]byte, 8+4+4+4)) // granule position, serial, page number, checksum
	b.WriteByte(1)                 // one segment
	b.WriteByte(byte(len(head)))
	b.Write(head)
	return b.Bytes()
}

// webpSticker is a 512×512 WebP as far as its header goes: a static lossless
// one, or an extended one flagged animated with its ANIM chunk.
func webpSticker(animated bool) []byte {
	const side = 512
	last := side - 1 // WebP headers store a side minus one
	type chunk struct {
		id   string
		data []byte
	}
	var chunks []chunk
	if animated {
		vp8x := []byte{0x12, 0, 0, 0} // alpha and animation flags
		for range 2 {
			vp8x = append(vp8x, byte(last), byte(last>>8), 0)
		}
		chunks = []chunk{{"VP8X", vp8x}, {"ANIM", make([]byte, 6)}}
	} else {
		vp8l := []byte{0x2f} // lossless signature
		vp8l = binary.LittleEndian.AppendUint32(vp8l, uint32(last)|uint32(last)<<14)
		chunks = []chunk{{"VP8L", append(vp8l, 0, 0, 0)}}
	}
	var body bytes.Buffer
	body.WriteString("WEBP")
	for _, c := range chunks {
		body.WriteString(c.id)
		binary.Write(&body, binary.LittleEndian, uint32(len(c.data)))
		body.Write(c.data)
		if len(c.data)%2 == 1 {
			body.WriteByte(0)
		}
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// pdf is the start of a PDF document.
const pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"

// unrecognisable is bytes no sniffer gives a type, so only a declared type
// can say what they are.
func unrecognisable() []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(i*37 + 3)
	}
	b[0], b[1] = 0x01, 0x02
	return b
}

// formPart is one part of a multipart form: a file when filename is set, else
// a field.
type formPart struct {
	name, filename, contentType, value string
}

// mustForm builds a multipart/form-data body as curl -F does, and returns it
// with its Content-Type.
func mustForm(t *testing.T, parts ...formPart) (body, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disposition := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			disposition += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", disposition)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write([]byte(p.value)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), w.FormDataContentType()
}

// linkFile is a file a link server serves.
type linkFile struct {
	contentType string
	body        []byte
}

// mustLinkServer serves files by path on loopback, as a media host does;
// every other path is 404.
func mustLinkServer(t *testing.T, files map[string]linkFile) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Write(f.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// mustUpload has a phone upload a file for a business number, as raw bytes of
// a type, and returns the media id.
func (s *stack) mustUpload(t *testing.T, waID, phoneNumberID, contentType string, data []byte) string {
	t.Helper()
	res := s.do(t, "POST", "/api/phones/"+waID+"/media?phone_number_id="+phoneNumberID, string(data),
		map[string]string{"Content-Type": contentType})
	if res.status != http.StatusCreated || res.str("id") == "" {
		t.Fatalf("upload %s: %d %s", contentType, res.status, res.raw)
	}
	return res.str("id")
}

// wantFile checks that an answer is exactly data, of type contentType.
func wantFile(data []byte, contentType string) func(*testing.T, *stack, response, map[string]string) {
	return func(t *testing.T, _ *stack, r response, _ map[string]string) {
		t.Helper()
		if got := r.header.Get("Content-Type"); got != contentType {
			t.Errorf("Content-Type %q, want %q", got, contentType)
		}
		if r.raw != string(data) {
			t.Errorf("body is %d bytes %q..., want the %d bytes of the file", len(r.raw), head(r.raw), len(data))
		}
	}
}

// head is the start of a body, for failure messages.
func head(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
