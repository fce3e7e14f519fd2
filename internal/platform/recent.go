package platform

import (
	"context"
	"sync"

	"github.com/wabihq/wabi/internal/wabi"
)

// recentSize is how many messages the platform remembers. A message's statuses
// usually arrive within seconds of the send, so this covers every message in flight
// at tens of thousands of sends a second.
const recentSize = 1 << 16

// recent remembers the latest messages so that a status update needs no store read.
// It keeps copies: callers never share a *wabi.Message with it.
type recent struct {
	mu   sync.Mutex
	byID map[string]wabi.Message
	ring []string
	next int
}

func (r *recent) put(m *wabi.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID == nil {
		r.byID = make(map[string]wabi.Message, recentSize)
		r.ring = make([]string, recentSize)
	}
	if _, ok := r.byID[m.ID]; !ok {
		if old := r.ring[r.next]; old != "" {
			delete(r.byID, old)
		}
		r.ring[r.next] = m.ID
		r.next = (r.next + 1) % recentSize
	}
	r.byID[m.ID] = *m
}

func (r *recent) get(id string) (*wabi.Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.byID[id]
	if !ok {
		return nil, false
	}
	return &m, true
}

// message returns a message from memory, or from the store.
func (p *Platform) message(ctx context.Context, id string) (*wabi.Message, error) {
	if m, ok := p.recent.get(id); ok {
		return m, nil
	}
	return p.store.Message(ctx, id)
}
