package metrics

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/httplog"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// nopNetwork takes messages and does nothing, so that a benchmark measures the
// send path alone.
type nopNetwork struct{}

func (nopNetwork) Deliver(context.Context, *wabi.Message) error { return nil }

// BenchmarkSendText measures the Cloud API's durable text send without and
// with metrics, in one run, so that their ns/op compare: with metrics,
// OnMessage counts the send, the store's writer reports its commits and the
// request log observes every request. Under info_log the request log writes a
// line per request (to nowhere), as wabi serve does by default, so metrics add
// only their hooks; under quiet_log it writes none and, without metrics, does
// not wrap requests at all, so metrics also add the wrapper: the worst case.
func BenchmarkSendText(b *testing.B) {
	for _, log := range []struct {
		name  string
		level slog.Level
	}{{"info_log", slog.LevelInfo}, {"quiet_log", slog.LevelWarn}} {
		for _, with := range []bool{false, true} {
			name := log.name + "/without_metrics"
			if with {
				name = log.name + "/with_metrics"
			}
			b.Run(name, func(b *testing.B) { benchSend(b, log.level, with) })
		}
	}
}

func benchSend(b *testing.B, level slog.Level, withMetrics bool) {
	w := wabitest.New(b, wabitest.Options{Network: nopNetwork{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := w.Net.Send(context.Background(), platform.DemoCustomerNumber, w.Demo.Phone.ID,
		&wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
		b.Fatal(err)
	}
	logs := &httplog.Logger{Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))}
	var m *Metrics
	if withMetrics {
		m = New()
		m.Number = func(ctx context.Context, id string) (string, bool) {
			_, err := w.Store.PhoneNumber(ctx, id)
			return wabi.DialectCloud, err == nil
		}
		w.P.OnMessage = m.Message
		w.Store.ObserveCommits(m.Commits("sqlite"))
		logs.Observe = m.Request
		m.API = func(string) string { return APICloud }
	}
	srv := httptest.NewServer(logs.Wrap(cloudapi.New(w.P)))
	b.Cleanup(srv.Close)

	url := srv.URL + "/v23.0/" + w.Demo.Phone.ID + "/messages"
	body := []byte(`{"messaging_product":"whatsapp","to":"15550002000","type":"text","text":{"body":"Your order has shipped."}}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.Cleanup(client.CloseIdleConnections)
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+w.Demo.Token.Value)
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
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sends/s")
	if m != nil {
		got := mustScrape(b, m.Handler())
		if n := got[`wabi_sends_total{dialect="cloud",outcome="accepted",phone_number_id="`+w.Demo.Phone.ID+`"}`]; n != float64(b.N) {
			b.Errorf("counted %v sends, want %d", n, b.N)
		}
	}
}

// BenchmarkHooks measures what metrics add to one send: the request counted
// with its latency, the accepted message, and a share of a group commit.
func BenchmarkHooks(b *testing.B) {
	m := New()
	m.API = func(string) string { return APICloud }
	r := httptest.NewRequest("POST", "/v23.0/100/messages", nil)
	msg := &wabi.Message{PhoneNumberID: "100", Direction: wabi.Outbound, Status: wabi.StatusAccepted}
	commit := m.Commits("sqlite")
	m.Message(msg) // the number's children are made once, at its first send
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request(r, http.StatusOK, "", time.Millisecond)
			m.Message(msg)
			commit(time.Millisecond, 1)
		}
	})
}
