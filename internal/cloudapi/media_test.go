package cloudapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/fetch"
	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// pngBytes is a small 8-bit RGBA PNG.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a multipart upload as SDKs do and returns status and body.
func (s *stack) upload(phoneID, token string, fields map[string]string, name, partType string, data []byte) (int, []byte) {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if data != nil {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="file"; filename="` + name + `"`}
		h["Content-Type"] = []string{partType}
		part, _ := mw.CreatePart(h)
		part.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", s.api.URL+"/v23.0/"+phoneID+"/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (s *stack) mustUpload(data []byte, partType string) string {
	s.t.Helper()
	status, body := s.upload(s.demo.Phone.ID, s.demo.Token.Value, map[string]string{"messaging_product": "whatsapp", "type": partType}, "pic.png", partType, data)
	var r struct{ ID string }
	if status != 200 || json.Unmarshal(body, &r) != nil || r.ID == "" {
		s.t.Fatalf("upload: %d %s", status, body)
	}
	return r.ID
}

// get fetches a URL with an optional token.
func get(t testing.TB, url, token string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// TestMediaLifecycle: upload, read the URL, download with the token, expire the
// URL, delete.
func TestMediaLifecycle(t *testing.T) {
	s := mustStack(t)
	img := pngBytes(t)
	id := s.mustUpload(img, "image/png")

	status, body := s.call("GET", "/v23.0/"+id, s.demo.Token.Value, "")
	if status != 200 {
		t.Fatalf("GET media: %d %s", status, body)
	}
	var m struct {
		MessagingProduct string `json:"messaging_product"`
		URL, MimeType    string
		SHA256           string
		FileSize         string `json:"file_size"`
		ID               string
	}
	json.Unmarshal(body, &m)
	m.MimeType = gjson(body, "mime_type")
	if m.MessagingProduct != "whatsapp" || m.MimeType != "image/png" || m.ID != id || m.FileSize != itoa(len(img)) || len(m.SHA256) != 64 {
		t.Fatalf("media %s", body)
	}
	if code, got, h := get(t, m.URL, s.demo.Token.Value); code != 200 || !bytes.Equal(got, img) || h.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d, %d bytes, %v", code, len(got), h)
	}
	if code, _, _ := get(t, m.URL, ""); code != 404 {
		t.Errorf("download without a token: %d, want 404", code)
	}
	if code, _, _ := get(t, strings.Replace(m.URL, "hash=", "hash=x", 1), s.demo.Token.Value); code != 404 {
		t.Errorf("download with a forged hash: %d, want 404", code)
	}
	if status, _ := s.call("GET", "/v23.0/"+id+"?phone_number_id=123", s.demo.Token.Value, ""); status != 400 {
		t.Errorf("GET with another phone_number_id: %d, want 400 (100/33)", status)
	}
	s.clock.Advance(platform.MediaURLTTL + time.Second)
	if code, _, _ := get(t, m.URL, s.demo.Token.Value); code != 404 {
		t.Errorf("download after 5 minutes: %d, want 404", code)
	}
	if status, body := s.call("DELETE", "/v23.0/"+id+"?phone_number_id="+s.demo.Phone.ID, s.demo.Token.Value, ""); status != 200 || string(body) != `{"success":true}` {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	status, body = s.call("GET", "/v23.0/"+id, s.demo.Token.Value, "")
	if status != 400 || !strings.Contains(string(body), `"error_subcode":33`) {
		t.Fatalf("GET after DELETE: %d %s", status, body)
	}
	if n := countBlobs(t, s); n != 0 {
		t.Errorf("%d blobs left after deleting the only media", n)
	}
}

// TestUploadScenarios: what uploads are refused, with Meta's codes.
func TestUploadScenarios(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	other, _ := s.p.CreateBusiness(ctx, "Other")
	otherTok, _ := s.p.CreateToken(ctx, platform.NewToken{BusinessID: other.ID})
	img := pngBytes(t)
	product := map[string]string{"messaging_product": "whatsapp"}
	tests := []struct {
		name     string
		token    string
		fields   map[string]string
		partType string
		data     []byte
		status   int
	}{
		{"png_named_jpeg", s.demo.Token.Value, map[string]string{"messaging_product": "whatsapp", "type": "image/jpeg"}, "image/jpeg", img, 200},
		{"gif", s.demo.Token.Value, product, "image/gif", gifBytes(t), 400},
		{"no_file", s.demo.Token.Value, product, "", nil, 400},
		{"no_product", s.demo.Token.Value, map[string]string{"type": "image/png"}, "image/png", img, 400},
		{"foreign_token", otherTok.Value, product, "image/png", img, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.upload(s.demo.Phone.ID, tt.token, tt.fields, "f", tt.partType, tt.data)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status == 200 {
				var r struct{ ID string }
				json.Unmarshal(body, &r)
				mf, err := s.store.MediaFile(ctx, r.ID)
				if err != nil || mf.MimeType != "image/png" {
					t.Fatalf("stored %+v %v, want image/png", mf, err)
				}
				return
			}
			golden.Assert(t, "testdata/media/"+tt.name+".json", normalize(body))
		})
	}
}

// TestSendMediaByID: a number sends its own media; another number's media, or
// media of the wrong kind, is refused.
func TestSendMediaByID(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	s.customerSays("send me a picture")
	id := s.mustUpload(pngBytes(t), "image/png")
	send := func(body string) (int, []byte) {
		return s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
			`{"messaging_product":"whatsapp","to":"15550002000",`+body+`}`)
	}
	status, body := send(`"type":"image","image":{"id":"` + id + `","caption":"Here"}`)
	if status != 200 {
		t.Fatalf("send image by id: %d %s", status, body)
	}
	m, err := s.store.Message(ctx, sentID(t, body))
	if err != nil || m.Image.MimeType != "image/png" || m.Image.ID != id {
		t.Fatalf("stored %+v %v", m, err)
	}
	if status, body := send(`"type":"sticker","sticker":{"id":"` + id + `"}`); status != 400 || !strings.Contains(string(body), "131053") {
		t.Errorf("PNG as a sticker: %d %s, want 131053", status, body)
	}
	if status, body := send(`"type":"document","document":{"id":"` + id + `","filename":"pic.png"}`); status != 200 {
		t.Errorf("PNG as a document: %d %s", status, body)
	}

	// Another number of the same business cannot send it.
	second, err := s.p.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: s.demo.WABA.ID, Number: "15550001002", VerifiedName: "Second", Registered: true})
	if err != nil {
		t.Fatal(err)
	}
	status, body = s.call("POST", "/v23.0/"+second.ID+"/messages", s.demo.Token.Value,
		`{"messaging_product":"whatsapp","to":"15550002000","type":"image","image":{"id":"`+id+`"}}`)
	if status != 400 || !strings.Contains(string(body), "131009") {
		t.Errorf("another number's media: %d %s, want 131009", status, body)
	}
}

// TestSendMediaByLink: wabi fetches links, caches them ten minutes, and fails
// messages whose link cannot be fetched with 131053, asynchronously.
func TestSendMediaByLink(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	s.customerSays("link please")
	img := pngBytes(t)
	var hits atomic.Int32
	links := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/ok.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(img)
		case "/anim.gif":
			w.Write(gifBytes(t))
		default:
			http.NotFound(w, r)
		}
	}))
	defer links.Close()
	send := func(link string) string {
		t.Helper()
		status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
			`{"messaging_product":"whatsapp","to":"15550002000","type":"image","image":{"link":"`+link+`"}}`)
		if status != 200 {
			t.Fatalf("send %s: %d %s", link, status, body)
		}
		return sentID(t, body)
	}

	id := send(links.URL + "/ok.png")
	m, _ := s.store.Message(ctx, id)
	if m.Image.ID == "" || m.Image.MimeType != "image/png" || m.Image.Link != links.URL+"/ok.png" {
		t.Fatalf("stored image %+v", m.Image)
	}
	if events := s.waitEvents(id, 3); events[2].Kind != "read" {
		t.Fatalf("events %+v", events)
	}
	send(links.URL + "/ok.png")
	if hits.Load() != 1 {
		t.Errorf("the link was fetched %d times within ten minutes, want 1", hits.Load())
	}
	s.clock.Advance(platform.LinkCacheTTL + time.Second)
	send(links.URL + "/ok.png")
	if hits.Load() != 2 {
		t.Errorf("the link was fetched %d times after the cache expired, want 2", hits.Load())
	}

	for _, tt := range []struct{ name, link string }{
		{"not found", links.URL + "/missing.png"},
		{"unsupported type", links.URL + "/anim.gif"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := send(tt.link)
			if e := s.waitEvents(id, 1); e[0].Kind != "failed" || e[0].Code != 131053 {
				t.Fatalf("events %+v, want failed 131053", e)
			}
		})
	}

	// Without an allow list, loopback links are refused.
	strict, err := fetch.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s.p.Fetch = strict
	id = send(links.URL + "/ok.png?fresh")
	if e := s.waitEvents(id, 1); e[0].Kind != "failed" || e[0].Code != 131053 {
		t.Fatalf("loopback link without allow list: events %+v, want failed 131053", e)
	}
}

// TestInboundMedia: a virtual phone sends a photo; the business gets a webhook
// whose media id downloads through the Cloud API.
func TestInboundMedia(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	img := pngBytes(t)
	up, err := s.p.UploadMedia(ctx, platform.Admin, platform.MediaUpload{PhoneNumberID: s.demo.Phone.ID,
		Body: bytes.NewReader(img), Declared: "image/png", Origin: wabi.OriginInbound})
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.net.Send(ctx, platform.DemoCustomerNumber, s.demo.Phone.ID, &wabi.Message{Type: wabi.TypeImage,
		Content: wabi.Content{Image: &wabi.Media{ID: up.ID, Caption: "my receipt"}}})
	if err != nil {
		t.Fatal(err)
	}
	s.waitEvents(in.ID, 1)
	s.receiver.mu.Lock()
	hook := string(s.receiver.hooks[0].body)
	s.receiver.mu.Unlock()
	for _, want := range []string{`"type":"image"`, `"id":"` + up.ID + `"`, `"mime_type":"image/png"`, `"caption":"my receipt"`, `"sha256":"` + platform.SHA256Base64(up.SHA256) + `"`} {
		if !strings.Contains(hook, want) {
			t.Errorf("webhook lacks %s: %s", want, hook)
		}
	}
	_, body := s.call("GET", "/v23.0/"+up.ID, s.demo.Token.Value, "")
	if code, got, _ := get(t, gjson(body, "url"), s.demo.Token.Value); code != 200 || !bytes.Equal(got, img) {
		t.Fatalf("download inbound media: %d %d bytes", code, len(got))
	}
	// Inbound media lives seven days.
	s.clock.Advance(platform.InboundTTL)
	if status, _ := s.call("GET", "/v23.0/"+up.ID, s.demo.Token.Value, ""); status != 400 {
		t.Errorf("inbound media after 7 days: %d, want 400", status)
	}
}

// TestMediaRetention: the retention loop, driven by the clock, deletes expired
// media and their bytes, and bytes no media refers to.
func TestMediaRetention(t *testing.T) {
	s := mustStack(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { s.p.RunRetention(ctx, time.Minute); close(done) }()
	defer func() { cancel(); <-done }()

	id := s.mustUpload(pngBytes(t), "image/png")
	s.upload(s.demo.Phone.ID, s.demo.Token.Value, map[string]string{"messaging_product": "whatsapp"}, "x.gif", "image/gif", gifBytes(t)) // refused: its bytes are orphans
	if n := countBlobs(t, s); n != 2 {
		t.Fatalf("%d blobs after the uploads, want 2", n)
	}
	// The loop sets its next timer after each sweep, so time moves on a minute at a
	// time while the test waits, never past a sweep that has not rescheduled yet.
	tick := func(cond func() bool) func() bool {
		return func() bool {
			if cond() {
				return true
			}
			s.clock.Advance(time.Minute)
			return false
		}
	}
	s.clock.Advance(2 * time.Hour) // orphans older than an hour go
	waitFor(t, "the orphan's bytes to go", tick(func() bool { return countBlobs(t, s) == 1 }))
	if _, err := s.store.MediaFile(ctx, id); err != nil {
		t.Fatalf("live media deleted: %v", err)
	}
	s.clock.Advance(platform.UploadTTL)
	waitFor(t, "the expired media to go", tick(func() bool {
		_, err := s.store.MediaFile(ctx, id)
		return wabi.ErrorCode(err) == wabi.ENotFound
	}))
	s.clock.Advance(2 * time.Hour)
	waitFor(t, "its bytes to go", tick(func() bool { return countBlobs(t, s) == 0 }))
}

func countBlobs(t testing.TB, s *stack) int {
	n := 0
	if err := s.blobs.Walk(func(string, int64, time.Time) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gjson reads a top-level string field of a JSON body.
func gjson(body []byte, key string) string {
	var m map[string]any
	json.Unmarshal(body, &m)
	s, _ := m[key].(string)
	return s
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
