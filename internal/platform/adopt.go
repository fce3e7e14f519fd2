package platform

import (
	"context"
	"errors"
	"math"
	"time"
)

// Every node plays out the messages sent through it on its own network, in
// memory. Each outbound message names its node in the store, and each node
// writes a heartbeat every few seconds; when a node stops (killed, crashed,
// cut off from the database), the living nodes find its heartbeat stale and
// adopt its unfinished messages: the store hands each to exactly one of them,
// whose network takes the message on from the status it has.

// The defaults of node liveness.
const (
	// DefaultHeartbeat is how often a node records that it is alive and looks
	// for the messages of dead nodes (RunAdoption's interval in wabi serve).
	DefaultHeartbeat = 2 * time.Second
	// DefaultNodeTimeout is how long a node may go without a heartbeat before
	// the others adopt its messages.
	DefaultNodeTimeout = 10 * time.Second
)

// adoptChunk caps how many messages one adoption takes in one write, so that
// taking over a large backlog never holds up other writes for long.
const adoptChunk = 500

// forever is a cut that every heartbeat is before.
var forever = time.Unix(0, math.MaxInt64)

// Recover makes this node's network finish what stopped nodes left unfinished,
// so that no acknowledged message misses its delivered, read or failed webhook.
// It records the node's first heartbeat, then adopts the unfinished messages of
// the nodes dead for NodeTimeout (of every other node if Alone: they were this
// node's earlier runs) and hands them to the network. Call it at start, before
// serving. It returns how many messages it adopted.
func (p *Platform) Recover(ctx context.Context) (int, error) {
	now := p.clock.Now()
	if err := p.store.Heartbeat(ctx, p.NodeID, now); err != nil {
		return 0, err
	}
	deadBefore := now.Add(-p.nodeTimeout())
	if p.Alone {
		deadBefore = forever
	}
	return p.adopt(ctx, now, deadBefore)
}

// RunAdoption keeps the node alive in the store's eyes and adopts the messages
// of nodes that are not, every interval of the platform's clock, until ctx
// ends. A pass that fails is logged and tried again at the next interval.
func (p *Platform) RunAdoption(ctx context.Context, every time.Duration) error {
	tick := make(chan struct{}, 1)
	schedule := func() {
		p.clock.AfterFunc(every, func() {
			select {
			case tick <- struct{}{}:
			default:
			}
		})
	}
	schedule()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			n, err := p.beat(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				p.logger().Error("node heartbeat and adoption", "node", p.NodeID, "adopted", n, "err", err)
			case n > 0:
				p.logger().Info("adopted the unfinished messages of a stopped node", "node", p.NodeID, "count", n)
			}
			schedule()
		}
	}
}

// beat is one pass of RunAdoption: a heartbeat, then the adoption of the
// messages of nodes dead for NodeTimeout. A node that could not record its
// heartbeat adopts nothing: it may be the one the others find dead.
func (p *Platform) beat(ctx context.Context) (int, error) {
	now := p.clock.Now()
	if err := p.store.Heartbeat(ctx, p.NodeID, now); err != nil {
		return 0, err
	}
	if err := p.renewIDNode(ctx); err != nil {
		return 0, err
	}
	return p.adopt(ctx, now, now.Add(-p.nodeTimeout()))
}

// adopt takes over the unfinished messages of the nodes without a heartbeat
// since deadBefore, a chunk at a time, and hands them to the network. Messages
// the store returns with an error were adopted all the same, so they are
// handed over too.
func (p *Platform) adopt(ctx context.Context, now, deadBefore time.Time) (int, error) {
	total := 0
	for {
		ms, err := p.store.AdoptMessages(ctx, p.NodeID, deadBefore, now.Add(-messageTTL), adoptChunk)
		for _, m := range ms {
			p.remember(m)
			if p.Relayed(ctx, m.PhoneNumberID) {
				continue // its upstream reports what follows
			}
			if derr := p.net.Deliver(ctx, m); derr != nil {
				err = errors.Join(err, derr)
			}
		}
		total += len(ms)
		if err != nil || len(ms) < adoptChunk {
			return total, err
		}
	}
}

func (p *Platform) nodeTimeout() time.Duration {
	if p.NodeTimeout > 0 {
		return p.NodeTimeout
	}
	return DefaultNodeTimeout
}

// messageTTL is how long an undelivered message is retried, as at Meta.
const messageTTL = 30 * 24 * time.Hour
