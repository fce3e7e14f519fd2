package platform

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres"
	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

type nopNet struct{}

func (nopNet) Deliver(context.Context, *wabi.Message) error { return nil }

// BenchmarkAdmitRate measures what the rate limits add to a send, on SQLite
// and (with WABI_TEST_POSTGRES) on PostgreSQL: off, two cached override
// reads; on, those and one take from the number's and the customer's
// buckets. The values are raised so that nothing is refused while the clock
// moves a millisecond a send; the arithmetic is the same whatever they are.
func BenchmarkAdmitRate(b *testing.B) {
	for _, tc := range []struct {
		name string
		on   bool
		pg   bool
	}{{"sqlite/off", false, false}, {"sqlite/on", true, false}, {"postgres/off", false, true}, {"postgres/on", true, true}} {
		on := tc.on
		b.Run(tc.name, func(b *testing.B) {
			var store wabi.Store
			var err error
			if tc.pg {
				store, err = postgres.Open(context.Background(), pgtest.Schema(b))
			} else {
				store, err = sqlite.Open(filepath.Join(b.TempDir(), "wabi.db"))
			}
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			clock := wabi.NewManualClock(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
			p := New(store, nopNet{}, clock, wabi.NewIDGen(clock))
			ctx := context.Background()
			demo, _, err := p.EnsureDemo(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if on {
				p.Limits = MetaLimits()
				tput, burst, every := maxThroughput, maxPairBurst, wabi.Duration(time.Millisecond)
				if _, err := p.SetNumberLimits(ctx, demo.Phone.ID, LimitOverride{Throughput: &tput, PairBurst: &burst, PairInterval: &every}); err != nil {
					b.Fatal(err)
				}
			}
			ms := make([]*wabi.Message, 32)
			for i := range ms {
				ms[i] = &wabi.Message{WaID: fmt.Sprintf("155580000%02d", i)}
			}
			a := &admission{pn: demo.Phone, w: demo.WABA, now: clock.Now()}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				a.m = ms[i%len(ms)]
				a.now = a.now.Add(time.Millisecond)
				if err := p.admitRate(ctx, a); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
