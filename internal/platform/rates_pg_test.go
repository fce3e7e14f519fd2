package platform_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/postgres"
	"github.com/wabihq/wabi/internal/postgres/pgtest"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestThroughputAcrossNodes: two nodes on one PostgreSQL database, each with
// its own store and platform, share a number's throughput: sends racing
// through both at one instant get exactly the number's limit between them,
// and one more when a token is back, whichever node asks.
func TestThroughputAcrossNodes(t *testing.T) {
	db := pgtest.Schema(t)
	ctx := context.Background()
	clock := wabi.NewManualClock(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	node := func(n uint64) *platform.Platform {
		s, err := postgres.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ids := wabi.NewIDGen(clock)
		ids.Node = n
		p := platform.New(s, idleNetwork{}, clock, ids)
		p.Logger = slog.New(slog.DiscardHandler)
		p.Limits = platform.MetaLimits()
		return p
	}
	a, b := node(1), node(2)
	demo, _, err := a.EnsureDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pn := demo.Phone.ID
	five := 5
	if _, err := a.SetNumberLimits(ctx, pn, platform.LimitOverride{Throughput: &five}); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	send := func(p *platform.Platform, to string) error {
		_, err := p.Send(ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: pn, To: to,
			Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}})
		switch wabi.ErrorCode(err) {
		case "":
			sent.Add(1)
		case wabi.ERateLimit:
		default:
			return err
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		p := a
		if i%2 == 1 {
			p = b
		}
		wg.Go(func() {
			for j := range 3 {
				if err := send(p, fmt.Sprintf("1555700%02d%02d", i, j)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := sent.Load(); n != 5 {
		t.Fatalf("48 sends through two nodes at one instant: %d accepted, want the number's 5", n)
	}
	clock.Advance(200 * time.Millisecond)
	if err := send(b, "15557009900"); err != nil || sent.Load() != 6 {
		t.Fatalf("a send through B when a token is back: %v, %d accepted in all", err, sent.Load())
	}
	if err := send(a, "15557009901"); err != nil || sent.Load() != 6 {
		t.Fatalf("then one through A at once: %v, %d accepted in all, want it refused", err, sent.Load())
	}
}
