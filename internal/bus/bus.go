// Package bus carries notices between wabi nodes that run in one process: the
// in-process implementation of wabi.Bus. A deployment of several processes
// uses the PostgreSQL bus (internal/postgres) instead; a single node needs no
// bus at all. Local serves tests and embedders that run several platforms over
// one store in one process.
package bus

import (
	"context"
	"slices"
	"sync"

	"github.com/wabihq/wabi/internal/wabi"
)

// Local links the nodes of one process. The zero value is ready to use; each
// call of Node joins one more node.
type Local struct {
	mu    sync.RWMutex
	nodes []*node
}

// node is one member of a Local: its subscriptions by topic.
type node struct {
	l    *Local
	mu   sync.RWMutex
	subs map[string][]*subscription
}

// subscription is one Subscribe call. Its own lock lets cancel wait for a
// call of fn that is running, so that none starts after cancel returns.
type subscription struct {
	mu     sync.RWMutex
	fn     func([]byte)
	cancel bool
}

var _ wabi.Bus = (*node)(nil)

// Node returns the bus of a new node: what it publishes reaches the
// subscribers of every other node of l, before Publish returns (which makes
// tests deterministic), and never its own.
func (l *Local) Node() wabi.Bus {
	n := &node{l: l, subs: map[string][]*subscription{}}
	l.mu.Lock()
	l.nodes = append(l.nodes, n)
	l.mu.Unlock()
	return n
}

// Publish hands a copy of payload to the subscribers of topic on the other
// nodes, in this goroutine.
func (n *node) Publish(ctx context.Context, topic string, payload []byte) error {
	if err := wabi.CheckNotice(topic, payload); err != nil {
		return err
	}
	n.l.mu.RLock()
	others := slices.Clone(n.l.nodes)
	n.l.mu.RUnlock()
	for _, o := range others {
		if o == n {
			continue
		}
		o.mu.RLock()
		subs := slices.Clone(o.subs[topic])
		o.mu.RUnlock()
		for _, s := range subs {
			s.call(payload)
		}
	}
	return nil
}

// call runs fn with a copy of payload unless the subscription was cancelled.
func (s *subscription) call(payload []byte) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.cancel {
		s.fn(slices.Clone(payload))
	}
}

// Subscribe calls fn with every notice other nodes publish on topic. cancel
// waits for a call of fn in progress, so fn itself must not call it.
func (n *node) Subscribe(topic string, fn func([]byte)) (cancel func()) {
	s := &subscription{fn: fn}
	n.mu.Lock()
	n.subs[topic] = append(n.subs[topic], s)
	n.mu.Unlock()
	return func() {
		// Taking the write lock waits for calls in progress to end.
		s.mu.Lock()
		s.cancel = true
		s.mu.Unlock()
		n.mu.Lock()
		n.subs[topic] = slices.DeleteFunc(n.subs[topic], func(x *subscription) bool { return x == s })
		n.mu.Unlock()
	}
}
