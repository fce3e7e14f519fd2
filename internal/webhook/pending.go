package webhook

// Pending reports how many deliveries the engine holds, queued or in flight:
// the webhook backlog of a node that owns its store's outbox. A Shared engine
// holds only the deliveries it claimed, so on nodes sharing a store this is
// each node's share of the work at hand, not the whole outbox. It costs one
// lock, no store read, so metrics may call it on every scrape.
func (e *Engine) Pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.byID)
}
