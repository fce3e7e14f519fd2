package platform

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// cache keeps tenancy objects read on every send and status (numbers, WABAs, apps,
// tokens, subscriptions) for a short time, so the hot path reads the store once per
// message instead of six times. Writes through the platform drop the entry at once.
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
// CacheTTL old; Receive on this node drops it at once.
func (p *Platform) window(ctx context.Context, phoneNumberID, waID string) (time.Time, error) {
	return cached(ctx, p, "win:"+chatKey(phoneNumberID, waID), func(ctx context.Context) (time.Time, error) {
		return p.store.Window(ctx, phoneNumberID, waID)
	})
}
