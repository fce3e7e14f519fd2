package cloudapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkSendText measures the text send path: HTTP request in, token and number
// checks, validation, window look-up, durable group commit, response out. The
// network takes the messages and does nothing, so no statuses or webhooks follow.
func BenchmarkSendText(b *testing.B) {
	s := mustStackOn(b, nopNetwork{})
	s.customerSays("hi")
	benchSend(b, s)
}

// BenchmarkSendTextFull is BenchmarkSendText with the simulated network: each send
// also gets sent, delivered and read statuses, each committed with its webhook, and
// three signed webhook POSTs to a receiver on the same machine.
func BenchmarkSendTextFull(b *testing.B) {
	s := mustStack(b)
	s.receiver.discard = true
	s.customerSays("hi")
	benchSend(b, s)
}

func benchSend(b *testing.B, s *stack) {
	url := s.api.URL + "/v23.0/" + s.demo.Phone.ID + "/messages"
	body := []byte(`{"messaging_product":"whatsapp","to":"15550002000","type":"text","text":{"body":"Your order has shipped."}}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+s.demo.Token.Value)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// BenchmarkBareJSONHandler is the yardstick for BenchmarkSendText: a net/http
// handler that decodes the same body and answers a same-sized JSON response, with
// no storage at all.
func BenchmarkBareJSONHandler(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp",
			"contacts": []any{map[string]string{"input": "15550002000", "wa_id": "15550002000"}},
			"messages": []any{map[string]string{"id": "wamid.HBgLMTU1NTAwMDIwMDAVAgARGBQxODhCOEVCRUU4NkMwMDAwQjIyNwA="}}})
	}))
	defer srv.Close()
	body := []byte(`{"messaging_product":"whatsapp","to":"15550002000","type":"text","text":{"body":"Your order has shipped."}}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// noisePNG is a PNG of random pixels, which does not compress: about size bytes.
func noisePNG(b *testing.B, size int) []byte {
	side := 1
	for side*side*4 < size {
		side++
	}
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	rand.Read(img.Pix)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkUpload1MB measures POST /{phone-number-id}/media of a 1 MB PNG:
// multipart parsing, hashing, fsync'd content-addressed storage, sniffing, the
// durable record. Each upload differs in its last bytes, so none is deduplicated.
func BenchmarkUpload1MB(b *testing.B) {
	s := mustStackOn(b, nopNetwork{})
	img := noisePNG(b, 1<<20)
	url := s.api.URL + "/v23.0/" + s.demo.Phone.ID + "/media"
	b.SetBytes(int64(len(img)))
	b.ResetTimer()
	for i := range b.N {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("messaging_product", "whatsapp")
		mw.WriteField("type", "image/png")
		part, _ := mw.CreateFormFile("file", "noise.png")
		part.Write(img)
		fmt.Fprintf(part, "%016d", i) // after IEND: ignored by decoders, new bytes for the store
		mw.Close()
		req, _ := http.NewRequest("POST", url, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+s.demo.Token.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkDownload1MB measures fetching a 1 MB file through its signed media URL
// with the Bearer token.
func BenchmarkDownload1MB(b *testing.B) {
	s := mustStackOn(b, nopNetwork{})
	img := noisePNG(b, 1<<20)
	id := s.mustUpload(img, "image/png")
	_, body := s.call("GET", "/v23.0/"+id, s.demo.Token.Value, "")
	url := gjson(body, "url")
	b.SetBytes(int64(len(img)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+s.demo.Token.Value)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || n != int64(len(img)) {
				b.Errorf("status %d, %d bytes", resp.StatusCode, n)
				return
			}
		}
	})
}
