package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

var _ wabi.FaultSource = (*Platform)(nil)

// topicFaults is the bus topic of fault changes: its notices carry nothing,
// and the nodes that hear one read the faults again.
const topicFaults = "faults"

// DefaultFaultPoll is how often RunFaults reads the faults again in case a
// notice from another node was lost: how stale a node's faults may be.
const DefaultFaultPoll = 2 * time.Second

// faultTries is how often a fault's counters are read and swapped when other
// nodes keep changing them, before the event is let through unfaulted.
const faultTries = 16

// faultState is what a node knows of the faults. Every event of a kind asks
// kinds first, an atomic load: with no fault armed that is all it costs. The
// armed faults themselves are a snapshot, replaced whole on every change;
// their counters live in the store, which a fault that fires reads and swaps.
type faultState struct {
	// kinds has the bit of a kind (kindBit) set while a fault of it is armed.
	kinds atomic.Uint32
	// armed holds the faults that may fire, oldest first.
	armed atomic.Pointer[[]*wabi.Fault]
	// mu serialises reloads, so that an older read never replaces a newer one.
	mu sync.Mutex
	// locks holds a mutex per fault id: this node's hits of one fault take
	// turns, so that only other nodes make its swaps retry.
	locks sync.Map
	// roll draws the probability of a hit. Default rand.Float64.
	roll func() float64
}

// kindBit is the bit of a kind in faultState.kinds; 0 for none.
func kindBit(k wabi.FaultKind) uint32 {
	switch k {
	case wabi.FaultDeliveryFailed:
		return 1 << 0
	case wabi.FaultStatusDelayed:
		return 1 << 1
	case wabi.FaultStatusDuplicated:
		return 1 << 2
	case wabi.FaultStatusDropped:
		return 1 << 3
	case wabi.FaultWebhookDuplicated:
		return 1 << 4
	case wabi.FaultWebhookReordered:
		return 1 << 5
	case wabi.FaultWebhookDelayed:
		return 1 << 6
	case wabi.FaultMediaURLExpired:
		return 1 << 7
	case wabi.FaultAPIError:
		return 1 << 8
	case wabi.FaultAPITimeout:
		return 1 << 9
	}
	return 0
}

// Armed reports whether a fault of kind may fire on this node.
func (p *Platform) Armed(kind wabi.FaultKind) bool {
	k := p.faults.kinds.Load()
	return k != 0 && k&kindBit(kind) != 0
}

// Fire decides whether a fault fires on ev: the faults of its kind that match
// it are tried oldest first, and the first that fires is counted and returned
// (a copy). A fault with a count uses up one of its events whether it fires or
// not. Faults whose counters cannot be read or written let the event through.
func (p *Platform) Fire(ctx context.Context, ev wabi.FaultEvent) *wabi.Fault {
	if !p.Armed(ev.Kind) {
		return nil
	}
	armed := p.faults.armed.Load()
	if armed == nil {
		return nil
	}
	for _, f := range *armed {
		if !faultMatches(f, ev) {
			continue
		}
		if hit := p.tryFault(ctx, f, ev); hit != nil {
			return hit
		}
	}
	return nil
}

// faultMatches reports whether f applies to ev.
func faultMatches(f *wabi.Fault, ev wabi.FaultEvent) bool {
	return f.Kind == ev.Kind &&
		(f.PhoneNumberID == "" || f.PhoneNumberID == ev.PhoneNumberID) &&
		(f.WaID == "" || f.WaID == ev.WaID) &&
		(f.Status == "" || f.Status == ev.Status)
}

// tryFault rolls f's probability on ev and counts the outcome in its record:
// one event less to try, one hit more if it fired. It returns the fault as it
// now is if it fired.
func (p *Platform) tryFault(ctx context.Context, f *wabi.Fault, ev wabi.FaultEvent) *wabi.Fault {
	fire := f.Probability == nil || p.roll() < *f.Probability
	if !fire && f.Count == nil {
		// Nothing to count: a fault without a count tries every event.
		return nil
	}
	mu, _ := p.faults.locks.LoadOrStore(f.ID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	for range faultTries {
		rec, err := p.store.Record(ctx, faultScope, recFault, f.ID)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			// Deleted on another node whose notice has not come yet.
			p.disarm(ctx, f.ID)
			return nil
		}
		if err != nil {
			p.logger().Error("faults: read a fault's counters; the event goes through", "fault", f.ID, "err", err)
			return nil
		}
		cur, err := decodeFault(rec.Value)
		if err != nil {
			p.logger().Error("faults: a fault's record does not parse", "fault", f.ID, "err", err)
			return nil
		}
		if cur.Exhausted() {
			p.disarm(ctx, f.ID)
			return nil
		}
		if cur.Remaining != nil {
			*cur.Remaining--
		}
		if fire {
			now := p.clock.Now().UTC()
			cur.Hits++
			hit := wabi.FaultHit{At: now, Where: ev.Where, What: faultWhat(cur, ev)}
			cur.Recent = append([]wabi.FaultHit{hit}, cur.Recent[:min(len(cur.Recent), maxFaultHits-1)]...)
		}
		v, err := json.Marshal(cur)
		if err != nil {
			return nil
		}
		err = p.store.SwapRecord(ctx, &wabi.Record{Scope: faultScope, Kind: recFault, Key: f.ID, Value: v, UpdatedAt: p.clock.Now()}, rec.Value)
		switch wabi.ErrorCode(err) {
		case wabi.EConflict:
			continue
		case wabi.ENotFound:
			p.disarm(ctx, f.ID)
			return nil
		case "":
		default:
			p.logger().Error("faults: count a fault's event; the event goes through", "fault", f.ID, "err", err)
			return nil
		}
		if cur.Exhausted() {
			p.disarm(ctx, f.ID)
		}
		if !fire {
			return nil
		}
		p.logger().Info("faults: injected", "fault", cur.ID, "kind", string(cur.Kind), "where", ev.Where, "what", cur.Recent[0].What)
		if cur.Kind == wabi.FaultDeliveryFailed {
			cur.Failure = faultFailure(cur)
		}
		return cur
	}
	p.logger().Warn("faults: a fault's counters kept changing under this node; the event goes through", "fault", f.ID)
	return nil
}

func (p *Platform) roll() float64 {
	if p.faults.roll != nil {
		return p.faults.roll()
	}
	return rand.Float64()
}

// faultFailure is the error a delivery_failed fault fails a message with: its
// code, and details that say it was injected and by which fault.
func faultFailure(f *wabi.Fault) *wabi.Error {
	code := faultCodes[f.Code]
	title := faultTitles[code]
	if title == "" {
		title = string(code)
	}
	return wabi.Errorf(code, "%s: injected by wabi fault %s (delivery_failed %d).", title, f.ID, f.Code)
}

// faultWhat says what a fault did to an event, for its hits.
func faultWhat(f *wabi.Fault, ev wabi.FaultEvent) string {
	switch f.Kind {
	case wabi.FaultDeliveryFailed:
		return fmt.Sprintf("message failed with %d", f.Code)
	case wabi.FaultStatusDelayed:
		return fmt.Sprintf("%s status reported %s late", ev.Status, time.Duration(f.Delay))
	case wabi.FaultStatusDuplicated:
		return fmt.Sprintf("%s status webhook sent twice", ev.Status)
	case wabi.FaultStatusDropped:
		return fmt.Sprintf("%s status recorded, its webhook dropped", ev.Status)
	case wabi.FaultWebhookDuplicated:
		return "webhook POSTed a second time"
	case wabi.FaultWebhookReordered:
		return "webhook held back behind the next one of its chat"
	case wabi.FaultWebhookDelayed:
		return fmt.Sprintf("webhook held back %s", time.Duration(f.Delay))
	case wabi.FaultMediaURLExpired:
		return fmt.Sprintf("media URL valid for %s", time.Duration(f.TTL))
	case wabi.FaultAPIError:
		return fmt.Sprintf("answered HTTP %d", f.HTTPStatus)
	case wabi.FaultAPITimeout:
		return fmt.Sprintf("held %s, then the connection dropped", time.Duration(f.Delay))
	}
	return string(f.Kind)
}

// LoadFaults reads the faults from the store and arms those that may fire.
// Call it once before serving; after that, changes made through this platform
// arm and disarm at once, and RunFaults keeps up with the other nodes.
func (p *Platform) LoadFaults(ctx context.Context) error {
	p.faults.mu.Lock()
	defer p.faults.mu.Unlock()
	all, err := p.storedFaults(ctx)
	if err != nil {
		return err
	}
	p.arm(all)
	return nil
}

// arm installs the faults that may fire; called with faults.mu held.
func (p *Platform) arm(all []*wabi.Fault) {
	armed := make([]*wabi.Fault, 0, len(all))
	var kinds uint32
	for _, f := range all {
		if f.Exhausted() {
			continue
		}
		armed = append(armed, f)
		kinds |= kindBit(f.Kind)
	}
	p.faults.armed.Store(&armed)
	p.faults.kinds.Store(kinds)
}

// disarm stops a fault that is gone or used up from firing on this node, and
// tells the other nodes to read the faults again.
func (p *Platform) disarm(ctx context.Context, id string) {
	p.faults.mu.Lock()
	var keep []*wabi.Fault
	if armed := p.faults.armed.Load(); armed != nil {
		for _, f := range *armed {
			if f.ID != id {
				keep = append(keep, f)
			}
		}
	}
	p.arm(keep)
	p.faults.mu.Unlock()
	p.faults.locks.Delete(id)
	p.publishFaults(ctx)
}

// faultsChanged reads the faults again after this node changed them, and tells
// the other nodes to do the same.
func (p *Platform) faultsChanged(ctx context.Context) {
	if err := p.LoadFaults(ctx); err != nil {
		p.logger().Error("faults: read the faults after a change", "err", err)
	}
	p.publishFaults(ctx)
}

func (p *Platform) publishFaults(ctx context.Context) {
	if p.Bus == nil {
		return
	}
	if err := p.Bus.Publish(context.WithoutCancel(ctx), topicFaults, nil); err != nil {
		p.logger().Error("faults: publish a change", "err", err)
	}
}

// RunFaults keeps this node's faults in step with the other nodes sharing the
// store until ctx ends: it reads them again when a node says they changed
// (through Bus), and every poll in case a notice was lost. Without a Bus there
// is no other node and it only waits for ctx.
func (p *Platform) RunFaults(ctx context.Context, poll time.Duration) error {
	if p.Bus == nil {
		<-ctx.Done()
		return nil
	}
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	defer p.Bus.Subscribe(topicFaults, func([]byte) { signal() })()
	for {
		t := p.clock.AfterFunc(poll, signal)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-wake:
		}
		t.Stop()
		if err := p.LoadFaults(ctx); err != nil && ctx.Err() == nil {
			p.logger().Error("faults: read the faults", "err", err)
		}
	}
}
