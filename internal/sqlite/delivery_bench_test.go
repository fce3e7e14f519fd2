package sqlite_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// BenchmarkRecordAttempts measures what the webhook engine writes after its
// POSTs: each delivery's new state and its attempt, a few or many deliveries a
// call, as the engine's collector gathers them. ns/op is per delivery, and so
// is cpu-µs (the process's CPU time, which waiting for the disk does not count).
func BenchmarkRecordAttempts(b *testing.B) {
	for _, batch := range []int{1, 8, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchRecordAttempts(b, batch) })
	}
}

func benchRecordAttempts(b *testing.B, batch int) {
	s := mustOpen(b)
	ctx := context.Background()
	ids := wabi.NewIDGen(wabi.SystemClock{})
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages"}]}]}`)
	now := time.Now()
	ds := make([]*wabi.Delivery, b.N)
	for i := 0; i < b.N; i += batch {
		var nb wabi.Batch
		for j := i; j < min(i+batch, b.N); j++ {
			ds[j] = &wabi.Delivery{ID: ids.NewID(), Dialect: wabi.DialectCloud, TargetID: "app1",
				PhoneNumberID: "phone1", WaID: "15550002000", MessageID: "wamid.1", Event: "status.sent", Body: body,
				State: wabi.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
			nb.Deliveries = append(nb.Deliveries, ds[j])
		}
		if err := s.Commit(ctx, &nb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op") }()
	for i := 0; i < b.N; i += batch {
		us := make([]wabi.DeliveryUpdate, 0, batch)
		for _, d := range ds[i:min(i+batch, b.N)] {
			c := *d
			c.State, c.Attempts, c.LastStatus, c.UpdatedAt = wabi.DeliveryDelivered, 1, 200, now
			us = append(us, wabi.DeliveryUpdate{Delivery: &c, Attempt: &wabi.Attempt{DeliveryID: c.ID, N: 1, At: now,
				URL: "http://127.0.0.1:9/hook", StatusCode: 200, Latency: time.Millisecond}})
		}
		if err := s.RecordAttempts(ctx, us); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
