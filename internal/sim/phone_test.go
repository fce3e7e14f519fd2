package sim_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/sim"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestOfflinePhoneHolds checks that an offline phone keeps messages at sent, that
// news of a change that leaves it offline releases nothing, and that coming online
// delivers what was held.
func TestOfflinePhoneHolds(t *testing.T) {
	st := mustStore(t)
	for _, c := range []struct {
		name     string
		autoRead bool
		want     []wabi.Status
	}{
		{"auto-read phone", true, []wabi.Status{sent, delivered, read}},
		{"phone that waits to be told to read", false, []wabi.Status{sent, delivered}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := wabi.Behaviour{Offline: true, AutoRead: c.autoRead}
			h := mustRunning(t, st, phone("1001", b))
			h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
			h.mustDeliver(t, "wamid.2", "1001", wabi.StatusSent)
			h.waitUpdates(t, 1)
			waitFor(t, "both messages to be held", func() bool { return h.net.Held("1001") == 2 })

			b.ReadDelay = wabi.Duration(time.Second) // a change, but still offline
			h.mustChange(t, phone("1001", b))
			if n, held := h.sink.count(), h.net.Held("1001"); n != 1 || held != 2 {
				t.Fatalf("after a change that stays offline: %d updates, %d held; want 1 and 2", n, held)
			}

			b.Offline, b.ReadDelay = false, 0
			h.mustChange(t, phone("1001", b))
			h.waitUpdates(t, 2*len(c.want)-1)
			h.stop(t)
			h.wantStatuses(t, "wamid.1", c.want...)
			h.wantStatuses(t, "wamid.2", c.want[1:]...)
			if n := h.net.Held("1001"); n != 0 {
				t.Errorf("Held = %d after coming online, want 0", n)
			}
		})
	}
}

// TestGoesOfflineBeforeDelivery checks that a phone that goes offline during the
// delivery delay holds the message instead of receiving it, whether the network
// was told or finds out when its cached phone expires.
func TestGoesOfflineBeforeDelivery(t *testing.T) {
	st := mustStore(t)
	for _, tell := range []bool{true, false} {
		name := map[bool]string{true: "told", false: "found out"}[tell]
		t.Run(name, func(t *testing.T) {
			b := wabi.Behaviour{DeliveryDelay: wabi.Duration(5 * time.Second)}
			h := mustRunning(t, st, phone("1001", b))
			h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
			h.waitUpdates(t, 1)
			h.waitPending(t, 1)

			b.Offline = true
			if tell {
				h.mustChange(t, phone("1001", b))
			} else {
				h.mustPut(t, phone("1001", b))
			}
			h.clock.Advance(5 * time.Second)
			waitFor(t, "the message to be held", func() bool { return h.net.Held("1001") == 1 })

			b.Offline = false
			h.mustChange(t, phone("1001", b))
			h.waitUpdates(t, 2)
			h.stop(t)
			h.wantStatuses(t, "wamid.1", sent, delivered)
		})
	}
}

// TestLeavesWhatsApp checks that a message already sent fails, rather than
// arriving, when its phone leaves WhatsApp before delivery.
func TestLeavesWhatsApp(t *testing.T) {
	st := mustStore(t)
	for _, c := range []struct {
		name string
		b    wabi.Behaviour // the phone's behaviour when the message was sent
	}{
		{"during the delivery delay", wabi.Behaviour{DeliveryDelay: wabi.Duration(5 * time.Second)}},
		{"while held offline", wabi.Behaviour{Offline: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := mustRunning(t, st, phone("1001", c.b))
			h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
			h.waitUpdates(t, 1)
			waitFor(t, "the message to wait", func() bool { return h.clock.Pending()+h.net.Held("1001") == 1 })

			h.mustChange(t, phone("1001", wabi.Behaviour{NotOnWhatsApp: true}))
			h.clock.Advance(5 * time.Second)
			h.waitUpdates(t, 2)
			h.stop(t)
			h.wantStatuses(t, "wamid.1", sent, failed)
			if u := h.sink.all()[1]; u.Error == nil || u.Error.Code != wabi.ENotOnWhatsApp {
				t.Errorf("failed with %v, want code %s", u.Error, wabi.ENotOnWhatsApp)
			}
		})
	}
}

// TestPhoneCache checks how soon a changed phone takes effect: at once when the
// network is told, within a second of the clock when it is not.
func TestPhoneCache(t *testing.T) {
	st := mustStore(t)
	fine := []wabi.Status{sent, delivered, read}
	gone := []wabi.Status{failed}
	for _, c := range []struct {
		name string
		tell bool
		// wait is how far the clock moves after the change; within is whether
		// that is still inside the second the old phone may be trusted.
		wait   time.Duration
		within bool
	}{
		{"told", true, 0, false},
		{"not told, same instant", false, 0, true},
		{"not told, just under a second", false, time.Second - time.Millisecond, true},
		{"not told, over a second", false, time.Second + time.Millisecond, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := mustRunning(t, st, phone("1001", wabi.Behaviour{AutoRead: true}))
			h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
			h.waitUpdates(t, 3)

			left := phone("1001", wabi.Behaviour{NotOnWhatsApp: true})
			if c.tell {
				h.mustChange(t, left)
			} else {
				h.mustPut(t, left)
			}
			h.clock.Advance(c.wait)
			h.mustDeliver(t, "wamid.2", "1001", wabi.StatusAccepted)
			waitFor(t, "wamid.2 to end", func() bool {
				ss := h.sink.statuses("wamid.2")
				return slices.Equal(ss, fine) || slices.Equal(ss, gone)
			})
			h.stop(t)
			got := h.sink.statuses("wamid.2")
			if !c.within && !slices.Equal(got, gone) {
				t.Errorf("statuses of wamid.2 = %v, want the new behaviour %v", got, gone)
			}
		})
	}
}

// gatedPhones is the store's phone book with a gate: while armed, the next phone
// read pauses after reading until the test opens the gate, so a test can change
// the phone between the network's read and its use of what it read.
type gatedPhones struct {
	sim.Phones
	mu    sync.Mutex
	gate  chan struct{}
	ready chan struct{}
}

func (g *gatedPhones) VirtualPhone(ctx context.Context, waID string) (*wabi.VirtualPhone, error) {
	vp, err := g.Phones.VirtualPhone(ctx, waID)
	g.mu.Lock()
	gate := g.gate
	g.gate = nil
	g.mu.Unlock()
	if gate != nil {
		g.ready <- struct{}{}
		<-gate
	}
	return vp, err
}

// TestChangeDuringRead checks that a phone change racing with the network's read of
// the phone is not lost: a phone that comes online while the network still holds
// the offline copy must get its message, and a change to another phone must not
// release or lose anything.
func TestChangeDuringRead(t *testing.T) {
	st := mustStore(t)
	for _, c := range []struct {
		name    string
		changed *wabi.VirtualPhone
		want    []wabi.Status
		held    int
	}{
		{"the phone comes online", phone("1001", wabi.Behaviour{}), []wabi.Status{sent, delivered}, 0},
		{"another phone changes", phone("1002", wabi.Behaviour{}), []wabi.Status{sent}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(st)
			h.mustPut(t, phone("1001", wabi.Behaviour{Offline: true}))
			gate := make(chan struct{})
			g := &gatedPhones{Phones: h.store, gate: gate, ready: make(chan struct{})}
			h.phones = g
			h.run(t)

			h.mustDeliver(t, "wamid.1", "1001", wabi.StatusAccepted)
			<-g.ready // the network has read the phone offline
			h.mustChange(t, c.changed)
			close(gate)

			h.waitUpdates(t, len(c.want))
			waitFor(t, "the held count to settle", func() bool { return h.net.Held("1001") == c.held })
			h.stop(t)
			h.wantStatuses(t, "wamid.1", c.want...)
		})
	}
}
