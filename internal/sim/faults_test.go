package sim_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// faults fires a fault of one kind once on each (wamid, status) it is given.
type faults struct {
	kind  wabi.FaultKind
	delay time.Duration

	mu sync.Mutex
	on map[string]bool
}

func (f *faults) Armed(k wabi.FaultKind) bool { return k == f.kind }

func (f *faults) Fire(_ context.Context, ev wabi.FaultEvent) *wabi.Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := ev.Where + "/" + string(ev.Status)
	if ev.Kind != f.kind || !f.on[key] || ev.PhoneNumberID != "pn1" {
		return nil
	}
	delete(f.on, key)
	return &wabi.Fault{ID: "f1", Kind: f.kind, Delay: wabi.Duration(f.delay),
		Failure: wabi.Errorf(wabi.EMarketingCap, "injected by wabi fault f1")}
}

// A message a delivery_failed fault hits fails at once, with the fault's
// error, and is never sent; the next goes through.
func TestFaultDeliveryFailed(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("15550001", wabi.Behaviour{AutoRead: true}))
	h.net.Faults = &faults{kind: wabi.FaultDeliveryFailed, on: map[string]bool{"m1/": true}}
	h.mustDeliver(t, "m1", "15550001", wabi.StatusAccepted)
	h.mustDeliver(t, "m2", "15550001", wabi.StatusAccepted)
	h.waitUpdates(t, 4)
	h.wantStatuses(t, "m1", failed)
	h.wantStatuses(t, "m2", sent, delivered, read)
	for _, u := range h.sink.all() {
		if u.MessageID == "m1" && (u.Error == nil || u.Error.Code != wabi.EMarketingCap) {
			t.Errorf("m1 failed with %+v, want the fault's error", u.Error)
		}
	}
}

// A delayed status comes late, and its message's later statuses after it;
// another message of the phone overtakes it.
func TestFaultStatusDelayed(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("15550001", wabi.Behaviour{AutoRead: true}))
	h.net.Faults = &faults{kind: wabi.FaultStatusDelayed, delay: 30 * time.Second, on: map[string]bool{"m1/delivered": true}}
	h.mustDeliver(t, "m1", "15550001", wabi.StatusAccepted)
	h.waitUpdates(t, 1)
	h.waitPending(t, 1)
	h.mustDeliver(t, "m2", "15550001", wabi.StatusAccepted)
	h.waitUpdates(t, 4)
	h.clock.Advance(30 * time.Second)
	h.waitUpdates(t, 6)
	var order []string
	for _, u := range h.sink.all() {
		order = append(order, u.MessageID+" "+string(u.Status))
		if u.MessageID == "m1" && u.Status != sent && !u.Timestamp.Equal(start.Add(30*time.Second)) {
			t.Errorf("m1 %s at %v, want when the delay was over", u.Status, u.Timestamp)
		}
	}
	want := []string{"m1 sent", "m2 sent", "m2 delivered", "m2 read", "m1 delivered", "m1 read"}
	if len(order) != len(want) {
		t.Fatalf("updates %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("updates %v, want %v", order, want)
		}
	}
}

// A phone told to read reads at once, but a delayed read is reported late.
func TestFaultReadDelayed(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("15550001", wabi.Behaviour{}))
	h.net.Faults = &faults{kind: wabi.FaultStatusDelayed, delay: time.Minute, on: map[string]bool{"m1/read": true}}
	m := &wabi.Message{ID: "m1", PhoneNumberID: "pn1", WaID: "15550001", Direction: wabi.Outbound, Type: wabi.TypeText,
		Status: wabi.StatusDelivered, Timestamp: start, StatusAt: start, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	if err := h.store.Commit(context.Background(), &wabi.Batch{Messages: []*wabi.Message{m}}); err != nil {
		t.Fatal(err)
	}
	n, err := h.net.Read(context.Background(), "15550001", "pn1", nil)
	if err != nil || n != 1 {
		t.Fatalf("Read = %d, %v; want 1 read", n, err)
	}
	h.waitPending(t, 1)
	if c := h.sink.count(); c != 0 {
		t.Fatalf("%d updates before the delay is over", c)
	}
	h.clock.Advance(time.Minute)
	h.waitUpdates(t, 1)
	h.wantStatuses(t, "m1", read)
}
