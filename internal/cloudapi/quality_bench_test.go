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

// BenchmarkSendTemplateLimits sends templates to 32 customers in turn, whose
// windows are closed, with the limits off and on, in one run: the cost of the
// messaging limit on business-initiated sends. "on" also checks the blocks,
// the throughput upgrade, the restriction and the rating (cache reads), and
// records each customer reached in the store, under TIER_100K; the rate
// limits are raised so that none is refused.
func BenchmarkSendTemplateLimits(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			s := mustStackOn(b, nopNetwork{})
			ctx := context.Background()
			if on {
				s.p.Limits = platform.MetaLimits()
				tput, burst, every := 100_000, 10_000, wabi.Duration(time.Millisecond)
				if _, err := s.p.SetNumberLimits(ctx, s.demo.Phone.ID, platform.LimitOverride{
					Throughput: &tput, PairBurst: &burst, PairInterval: &every}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.p.SetMessagingLimit(ctx, s.demo.Business.ID, wabi.Tier100K); err != nil {
					b.Fatal(err)
				}
			}
			stop := followWallClock(s.clock)
			defer stop()
			url := s.api.URL + "/v23.0/" + s.demo.Phone.ID + "/messages"
			bodies := make([][]byte, 32)
			for i := range bodies {
				bodies[i] = []byte(fmt.Sprintf(`{"messaging_product":"whatsapp","to":"155580000%02d","type":"template",`+
					`"template":{"name":"hello_world","language":{"code":"en_US"}}}`, i))
			}
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
