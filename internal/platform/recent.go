package platform

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// recentSize is how many messages the platform remembers. A message's statuses
// usually arrive within seconds of the send, so this covers every message in flight
// at tens of thousands of sends a second.
const recentSize = 1 << 16

// recent remembers the latest messages so that a status update needs no store read.
// It keeps copies: callers never share a *wabi.Message with it.
//
// On a node that shares its store (Platform.Bus set) another node may change a
// message too: it publishes the message's id, which makes this node forget its
// copy, and, should that notice be lost, a copy is trusted for CacheTTL only.
type recent struct {
	mu   sync.Mutex
	byID map[string]recentEntry
	ring []string
	next int
}

// recentEntry is a remembered message and when it was remembered; the time is
// zero on a node that shares nothing.
type recentEntry struct {
	m  wabi.Message
	at time.Time
}

func (r *recent) put(m *wabi.Message, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = make(map[string]recentEntry, recentSize)
		r.ring = make([]string, recentSize)
	}
	if _, ok := r.byID[m.ID]; !ok {
		if old := r.ring[r.next]; old != "" {
			delete(r.byID, old)
		}
		r.ring[r.next] = m.ID
		r.next = (r.next + 1) % recentSize
	}
	r.byID[m.ID] = recentEntry{*m, at}
}

// get returns a copy of the message remembered no earlier than since.
func (r *recent) get(id string, since time.Time) (*wabi.Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.byID[id]
	if !ok || e.at.Before(since) {
		return nil, false
	}
	return &e.m, true
}

// forget drops messages another node changed. Their ring slots stay; when one
// comes round, it drops nothing or, at worst, a newer copy early.
func (r *recent) forget(ids ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		delete(r.byID, id)
	}
}

// remember keeps a copy of m, just committed, in recent.
func (p *Platform) remember(m *wabi.Message) {
	var at time.Time
	if p.Bus != nil {
		at = p.clock.Now()
	}
	p.recent.put(m, at)
}

// message returns a message from memory, or from the store.
func (p *Platform) message(ctx context.Context, id string) (*wabi.Message, error) {
	var since time.Time
	if p.Bus != nil {
		since = p.clock.Now().Add(-p.CacheTTL)
	}
	if m, ok := p.recent.get(id, since); ok {
		return m, nil
	}
	return p.store.Message(ctx, id)
}

// announce tells the other nodes that these messages changed, so that they
// forget their copies: one notice of ids, one a line, per MaxNotice bytes.
func (p *Platform) announce(ms []*wabi.Message) {
	if p.Bus == nil || len(ms) == 0 {
		return
	}
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		if err := p.Bus.Publish(context.Background(), topicMessages, []byte(b.String())); err != nil {
			p.logger().Error("platform: publish changed messages", "err", err)
		}
		b.Reset()
	}
	for _, m := range ms {
		if b.Len() > 0 && b.Len()+1+len(m.ID) > wabi.MaxNotice {
			flush()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(m.ID)
	}
	flush()
}
