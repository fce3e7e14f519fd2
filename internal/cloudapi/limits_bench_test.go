package cloudapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// BenchmarkSendTextLimits is BenchmarkSendText with the rate limits off and
// on, in one run, to 32 customers in turn: the cost of the limits on the send
// path. "on" takes from the number's throughput bucket and the customer's
// pair bucket on every send, with values raised so that none is refused (the
// bucket arithmetic is the same whatever the values).
func BenchmarkSendTextLimits(b *testing.B) {
	benchLimitsOnOff(b, func(b *testing.B, s *stack, on bool) [][]byte {
		bodies := make([][]byte, 32)
		for i := range bodies {
			c := fmt.Sprintf("155580000%02d", i)
			if _, err := s.p.Receive(context.Background(), &wabi.Message{PhoneNumberID: s.demo.Phone.ID, WaID: c, Type: wabi.TypeText,
				Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
				b.Fatal(err)
			}
			bodies[i] = []byte(`{"messaging_product":"whatsapp","to":"` + c + `","type":"text","text":{"body":"Your order has shipped."}}`)
		}
		return bodies
	})
}

// benchLimitsOnOff sends the bodies setup returns, in turn, from 16 clients a
// core, first with the limits off, then on: Meta's, with the number's rate
// limits raised so that none is refused. The manual clock follows the wall
// clock, so that the buckets refill.
func benchLimitsOnOff(b *testing.B, setup func(b *testing.B, s *stack, on bool) [][]byte) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			s := mustStackOn(b, nopNetwork{})
			if on {
				s.p.Limits = platform.MetaLimits()
				tput, burst, every := 100_000, 10_000, wabi.Duration(time.Millisecond)
				if _, err := s.p.SetNumberLimits(context.Background(), s.demo.Phone.ID, platform.LimitOverride{
					Throughput: &tput, PairBurst: &burst, PairInterval: &every}); err != nil {
					b.Fatal(err)
				}
			}
			bodies := setup(b, s, on)
			stop := followWallClock(s.clock)
			defer stop()
			url := s.api.URL + "/v23.0/" + s.demo.Phone.ID + "/messages"
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			var next atomic.Uint64
			b.SetParallelism(16)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := bodies[next.Add(1)%uint64(len(bodies))]
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
		})
	}
}

// followWallClock advances a manual clock with the wall clock, every
// millisecond, until stop is called.
func followWallClock(c *wabi.ManualClock) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				c.Advance(now.Sub(last))
				last = now
			}
		}
	}()
	return func() { close(done); <-finished }
}
