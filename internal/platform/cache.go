package platform

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// cache keeps tenancy objects read on every send and status (numbers, WABAs, apps,
// tokens, subscriptions) for a short time, so the hot path reads the store once per
// message instead of six times. Writes through the platform drop the entry at once,
// on this node and, through Platform.Bus, on the others; CacheTTL bounds what a
// lost notice leaves stale.
type cache struct {
	mu      sync.RWMutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	v   any
	exp time.Time
}

func (c *cache) get(key string, now time.Time) (any, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || now.After(e.exp) {
		return nil, false
	}
	return e.v, true
}

func (c *cache) put(key string, v any, exp time.Time) {
	c.mu.Lock()
	if c.entries == nil || len(c.entries) > 100_000 {
		c.entries = map[string]cacheEntry{}
	}
	c.entries[key] = cacheEntry{v, exp}
	c.mu.Unlock()
}

func (c *cache) drop(keys ...string) {
	c.mu.Lock()
	for _, k := range keys {
		delete(c.entries, k)
	}
	c.mu.Unlock()
}

// dropPrefix drops every entry whose key starts with prefix.
func (c *cache) dropPrefix(prefix string) {
	c.mu.Lock()
	for k := range c.entries {
		if strings.HasPrefix(k, prefix) {
			delete(c.entries, k)
		}
	}
	c.mu.Unlock()
}

// Bus topics the platform publishes and hears.
const (
	// topicCache carries a cacheNotice: entries a node dropped after a write.
	topicCache = "cache"
	// topicMessages carries the ids, one a line, of messages whose status a
	// node changed, so that the others forget their copies in recent.
	topicMessages = "messages"
	// topicPhones carries the wa_id of a virtual phone a node changed, so that
	// the others tell their PhoneChanged: their networks may hold messages
	// for it, or have it cached.
	topicPhones = "phones"
)

// announcePhone tells the other nodes that a virtual phone changed.
func (p *Platform) announcePhone(waID string) {
	if p.Bus == nil {
		return
	}
	if err := p.Bus.Publish(context.Background(), topicPhones, []byte(waID)); err != nil {
		p.logger().Error("platform: publish a changed phone", "err", err)
	}
}

// phoneChangedElsewhere reads a phone another node changed and tells
// PhoneChanged. A lost notice leaves the network's cached copy stale for its
// own short lifetime, and what it held for the phone held until the next
// change or restart.
func (p *Platform) phoneChangedElsewhere(waID string) {
	if p.PhoneChanged == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	vp, err := p.store.VirtualPhone(ctx, waID)
	if err != nil {
		p.logger().Warn("platform: read a phone another node changed", "wa_id", waID, "err", err)
		return
	}
	p.PhoneChanged(vp)
}

// cacheNotice is what a node tells the others it dropped from its cache.
type cacheNotice struct {
	Keys     []string `json:"k,omitempty"`
	Prefixes []string `json:"p,omitempty"`
}

// drop forgets cache entries here and, through Bus, on the other nodes: every
// write the platform makes to what the cache holds calls it.
func (p *Platform) drop(keys ...string) {
	p.cache.drop(keys...)
	if p.Bus == nil {
		return
	}
	n := cacheNotice{}
	for _, k := range keys {
		if strings.HasPrefix(k, "tok:") {
			// A token is a secret: it is not sent, and the other nodes forget
			// every token they hold instead, which a revocation rarely costs.
			n.Prefixes = append(n.Prefixes, "tok:")
			continue
		}
		n.Keys = append(n.Keys, k)
	}
	p.tell(n)
}

// dropPrefix forgets the cache entries whose key starts with prefix, here and
// on the other nodes.
func (p *Platform) dropPrefix(prefix string) {
	p.cache.dropPrefix(prefix)
	if p.Bus != nil {
		p.tell(cacheNotice{Prefixes: []string{prefix}})
	}
}

// tell publishes a cache notice. One too large for the bus (no key the
// platform makes comes near) is sent as the kinds of its keys: the other nodes
// then forget a little more than they need to.
func (p *Platform) tell(n cacheNotice) {
	b, _ := json.Marshal(n)
	if len(b) > wabi.MaxNotice {
		kinds := cacheNotice{}
		for _, k := range append(n.Keys, n.Prefixes...) {
			kind, _, _ := strings.Cut(k, ":")
			kinds.Prefixes = append(kinds.Prefixes, kind+":")
		}
		b, _ = json.Marshal(kinds)
	}
	if err := p.Bus.Publish(context.Background(), topicCache, b); err != nil {
		p.logger().Error("platform: publish dropped cache entries", "err", err)
	}
}

// JoinBus makes the platform act on what the other nodes publish on Bus: it
// drops the cache entries they dropped, forgets the messages whose status they
// changed and tells PhoneChanged about the phones they changed. Call it once, after setting Bus and before serving; leave
// stops it. Without a Bus it does nothing.
func (p *Platform) JoinBus() (leave func()) {
	if p.Bus == nil {
		return func() {}
	}
	stopCache := p.Bus.Subscribe(topicCache, func(payload []byte) {
		var n cacheNotice
		if err := json.Unmarshal(payload, &n); err != nil {
			p.logger().Warn("platform: a cache notice from another node does not parse", "err", err)
			return
		}
		p.cache.drop(n.Keys...)
		for _, prefix := range n.Prefixes {
			p.cache.dropPrefix(prefix)
		}
	})
	stopMessages := p.Bus.Subscribe(topicMessages, func(payload []byte) {
		p.recent.forget(strings.Split(string(payload), "\n")...)
	})
	stopPhones := p.Bus.Subscribe(topicPhones, func(payload []byte) {
		p.phoneChangedElsewhere(string(payload))
	})
	return func() { stopCache(); stopMessages(); stopPhones() }
}

// cached returns the value under key, loading and caching it on a miss. Errors
// are not cached.
func cached[T any](ctx context.Context, p *Platform, key string, load func(context.Context) (T, error)) (T, error) {
	now := p.clock.Now()
	if v, ok := p.cache.get(key, now); ok {
		return v.(T), nil
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	p.cache.put(key, v, now.Add(p.CacheTTL))
	return v, nil
}

func (p *Platform) phoneNumber(ctx context.Context, id string) (*wabi.PhoneNumber, error) {
	return cached(ctx, p, "pn:"+id, func(ctx context.Context) (*wabi.PhoneNumber, error) { return p.store.PhoneNumber(ctx, id) })
}

func (p *Platform) waba(ctx context.Context, id string) (*wabi.WABA, error) {
	return cached(ctx, p, "waba:"+id, func(ctx context.Context) (*wabi.WABA, error) { return p.store.WABA(ctx, id) })
}

func (p *Platform) app(ctx context.Context, id string) (*wabi.App, error) {
	return cached(ctx, p, "app:"+id, func(ctx context.Context) (*wabi.App, error) { return p.store.App(ctx, id) })
}

func (p *Platform) subscriptions(ctx context.Context, wabaID string) ([]*wabi.Subscription, error) {
	return cached(ctx, p, "subs:"+wabaID, func(ctx context.Context) ([]*wabi.Subscription, error) { return p.store.Subscriptions(ctx, wabaID) })
}

func (p *Platform) token(ctx context.Context, value string) (*wabi.Token, error) {
	return cached(ctx, p, "tok:"+value, func(ctx context.Context) (*wabi.Token, error) { return p.store.Token(ctx, value) })
}

func (p *Platform) templates(ctx context.Context, wabaID string) ([]*wabi.Template, error) {
	return cached(ctx, p, "tpl:"+wabaID, func(ctx context.Context) ([]*wabi.Template, error) { return p.store.Templates(ctx, wabaID) })
}

// window returns when the consumer last wrote to the number. A cached time can only
// be older than the truth (a newer message on another node), never newer, and at most
// CacheTTL old; Receive drops it at once, on this node and, through Bus, on the others.
func (p *Platform) window(ctx context.Context, phoneNumberID, waID string) (time.Time, error) {
	return cached(ctx, p, "win:"+chatKey(phoneNumberID, waID), func(ctx context.Context) (time.Time, error) {
		return p.store.Window(ctx, phoneNumberID, waID)
	})
}
