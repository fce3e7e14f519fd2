package cloudapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
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
// three signed webhook POSTs to a receiver on the same machine. ns/op is the send
// alone; sends/s counts until the receiver has every webhook, so a backlog that
// grows during the run shows as a lower figure, not as a faster send.
func BenchmarkSendTextFull(b *testing.B) {
	s := mustStack(b)
	s.receiver.discard = true
	s.customerSays("hi")
	start, cpu := time.Now(), cpuTime()
	benchSend(b, s)
	b.StopTimer()
	waitHooks(b, s, 1+3*b.N, start, cpu)
}

// BenchmarkSendTextFullPhones is BenchmarkSendTextFull spread over 64 virtual
// phones, as a campaign is: the webhooks of different chats go out concurrently,
// those of one chat in order.
func BenchmarkSendTextFullPhones(b *testing.B) {
	const phones = 64
	s := mustStack(b)
	s.receiver.discard = true
	bodies := make([][]byte, phones)
	for i := range phones {
		waID := fmt.Sprintf("1555100%04d", i)
		if _, err := s.p.PutVirtualPhone(context.Background(), &wabi.VirtualPhone{WaID: waID,
			Behaviour: wabi.Behaviour{AutoRead: true}}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.net.Send(context.Background(), waID, s.demo.Phone.ID,
			&wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
			b.Fatal(err)
		}
		bodies[i] = []byte(`{"messaging_product":"whatsapp","to":"` + waID + `","type":"text","text":{"body":"Your order has shipped."}}`)
	}
	url := s.api.URL + "/v23.0/" + s.demo.Phone.ID + "/messages"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var next atomic.Uint64
	start, cpu := time.Now(), cpuTime()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[next.Add(1)%phones]))
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
	b.StopTimer()
	waitHooks(b, s, phones+3*b.N, start, cpu)
}

// waitHooks waits until the receiver has n webhooks and reports the sends of the
// run per second of wall time from start until then, how many webhooks were
// still to come when the last send was answered, and the CPU time the process
// (load generator and receiver included) spent per send since cpu0: the figure
// that other work on a shared machine disturbs least.
func waitHooks(b *testing.B, s *stack, n int, start time.Time, cpu0 time.Duration) {
	b.Helper()
	count := func() int {
		s.receiver.mu.Lock()
		defer s.receiver.mu.Unlock()
		return s.receiver.count
	}
	backlog := n - count()
	deadline := time.Now().Add(time.Minute)
	for count() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d webhooks of %d after a minute", count(), n)
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sends/s")
	b.ReportMetric(float64(backlog), "backlog")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/send")
}

// reportCPU reports the CPU time the process (clients included) spent per
// operation since cpu0. On a shared machine it is steadier than ns/op: the
// ratio of two benchmarks' CPU per request is what their throughputs would be
// on cores of their own, as long as no single goroutine is the limit.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchSend(b *testing.B, s *stack) {
	url := s.api.URL + "/v23.0/" + s.demo.Phone.ID + "/messages"
	body := []byte(`{"messaging_product":"whatsapp","to":"15550002000","type":"text","text":{"body":"Your order has shipped."}}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
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
	defer reportCPU(b, cpuTime())
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
