package cloudapi_test

import (
	"bytes"
	"encoding/json"
	"io"
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
