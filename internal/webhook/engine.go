package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

const (
	// maxResponse is how much of a receiver's answer the delivery log keeps.
	maxResponse = 4 << 10
	// maxDrain is how much more of an answer is read and dropped so that the
	// connection can be reused; longer answers cost a new connection instead.
	maxDrain = 64 << 10
	// maxBatch bounds one RecordAttempts call, to keep store transactions short.
	maxBatch = 1000
	// loadedGrace is how long the ids loaded at start are remembered; the platform
	// enqueues a delivery right after committing it, far sooner than this.
	loadedGrace = time.Minute
	// flushRetry is how long the collector waits after a failed store write.
	flushRetry = time.Second
)

// Run loads the pending deliveries from the store and sends them and everything
// enqueued until ctx is done. It then lets the POSTs in flight end, writes their
// outcome, and returns nil. It returns an error if the store cannot be read at
// start or the last writes fail, and if the engine is already running.
func (e *Engine) Run(ctx context.Context) error {
	if e.Store == nil || e.Resolver == nil || e.Clock == nil {
		return errors.New("webhook: engine needs a Store, a Resolver and a Clock")
	}
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("webhook: engine already running")
	}
	defer e.running.Store(false)
	cfg := e.config()

	// A shared engine trusts no list of pending deliveries: it claims them.
	var pending []*wabi.Delivery
	if !cfg.shared {
		var err error
		if pending, err = e.Store.PendingDeliveries(ctx); err != nil {
			return fmt.Errorf("webhook: load pending deliveries: %w", err)
		}
	}
	e.mu.Lock()
	e.cfg = cfg
	if !cfg.shared {
		e.load(pending)
	}
	for _, q := range e.keys {
		e.schedule(q)
	}
	e.mu.Unlock()
	defer e.stopTimers()
	if e.Client == nil {
		defer cfg.client.CloseIdleConnections()
	}
	forget := e.Clock.AfterFunc(loadedGrace, func() {
		e.mu.Lock()
		e.loaded = nil
		e.mu.Unlock()
	})
	defer forget.Stop()

	// POSTs and writes outlive ctx so that what was sent is also recorded.
	bg := context.WithoutCancel(ctx)
	var workers sync.WaitGroup
	for range cfg.workers {
		workers.Go(func() { e.work(ctx, bg, &cfg) })
	}
	collectCtx, stopCollect := context.WithCancel(bg)
	var collector sync.WaitGroup
	collector.Go(func() { e.collect(collectCtx) })
	var claimer sync.WaitGroup
	if cfg.shared {
		claimer.Go(func() { e.claimLoop(ctx, &cfg) })
		e.Wake()
	}

	<-ctx.Done()
	workers.Wait()
	claimer.Wait()
	if cfg.shared {
		e.release()
	}
	stopCollect()
	collector.Wait()
	if err := e.flush(bg); err != nil {
		return fmt.Errorf("webhook: record attempts: %w", err)
	}
	return nil
}

// stopTimers cancels the retry timers when Run ends; the next Run sets them again.
func (e *Engine) stopTimers() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, q := range e.keys {
		e.stopTimer(q)
	}
}

// work sends due heads until ctx is done.
func (e *Engine) work(ctx, bg context.Context, cfg *config) {
	for ctx.Err() == nil {
		ent := e.take()
		if ent == nil {
			select {
			case <-e.wake:
			case <-ctx.Done():
				return
			}
			continue
		}
		e.attempt(bg, cfg, ent)
	}
}

// attempt sends ent's delivery once and records the outcome, unless a fault
// holds it back.
func (e *Engine) attempt(ctx context.Context, cfg *config, ent *entry) {
	d := ent.d
	if cfg.faults != nil && e.holdBack(ctx, cfg, ent) {
		return
	}
	a := &wabi.Attempt{DeliveryID: d.ID, N: d.Attempts + 1, At: e.Clock.Now()}
	t, err := e.Resolver.Resolve(ctx, d)
	if err != nil {
		msg := err.Error()
		if we := wabi.AsError(err); we != nil {
			msg = we.Message
		}
		a.Error = "no target: " + msg
		// Without a target there is no retry policy: the engine's own applies.
		t = wabi.WebhookTarget{}
	} else {
		a.URL = t.URL
		post(ctx, cfg, d.Body, &t, a)
	}
	e.finish(ent, a, &t, e.duplicate(ctx, cfg, d, &t, a))
}

// post POSTs body to t and fills in a.
func post(ctx context.Context, cfg *config, body []byte, t *wabi.WebhookTarget, a *wabi.Attempt) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		a.Error = err.Error()
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if t.Secret != "" {
		// On-Premises receivers get no signature at all, not one under an empty key.
		req.Header.Set("X-Hub-Signature-256", Sign(t.Secret, body))
	}
	req.Header.Set("User-Agent", cfg.userAgent)
	// Latency is real elapsed time, not the injected clock's: it measures the
	// receiver, which lives in real time even when the clock is simulated.
	start := time.Now()
	resp, err := cfg.client.Do(req)
	if err != nil {
		a.Latency = time.Since(start)
		a.Error = err.Error()
		return
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	a.Latency = time.Since(start)
	a.StatusCode = resp.StatusCode
	a.Response = strings.ToValidUTF8(string(head), "\uFFFD")
	if !delivered(t, resp.StatusCode) {
		a.Error = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
}

// delivered reports whether status means the receiver took the delivery: any 2xx,
// or only 200 for targets that say so.
func delivered(t *wabi.WebhookTarget, status int) bool {
	if t.OnlyOK {
		return status == http.StatusOK
	}
	return status >= 200 && status <= 299
}

// finish applies an attempt's outcome, made with target t: delivered or given up
// deliveries leave the queue, others wait for their retry at the head of their key.
// dup, when not nil, is a second POST of a delivered attempt a fault made; it is
// logged after a and changes nothing else.
func (e *Engine) finish(ent *entry, a *wabi.Attempt, t *wabi.WebhookTarget, dup *wabi.Attempt) {
	e.mu.Lock()
	q, d := ent.q, ent.d
	q.inflight = false
	e.active--
	ent.step, ent.limit = t.RetryStep, t.RetryCap
	now := e.Clock.Now()
	d.Attempts = a.N
	d.UpdatedAt = now
	d.LastStatus = a.StatusCode
	d.LastError = a.Error
	done := true
	if a.Error == "" {
		d.State = wabi.DeliveryDelivered
	} else if next := now.Add(e.backoff(ent, a.N)); next.After(d.CreatedAt.Add(e.cfg.retryFor)) {
		d.State = wabi.DeliveryFailed
	} else {
		d.NextAttemptAt = next
		done = false
	}
	requeue := ent.requeue
	switch {
	case e.cfg.shared:
		// The write ends the lease. The rest of the key's run goes on only
		// after a head that is done; else the store says what of the key goes
		// next, and who sends it.
		ent.requeue = false
		if requeue {
			d.State, d.NextAttemptAt = wabi.DeliveryPending, now
		} else if !done {
			e.wakeAt(d.ID, d.NextAttemptAt)
		}
		e.remove(ent)
		if requeue || !done {
			e.giveBack(q)
		}
	case ent.requeue:
		ent.requeue = false
		d.State, d.NextAttemptAt = wabi.DeliveryPending, now
		e.remove(ent)
		q = e.queue(q.key)
		ent.q = q
		q.entries = append(q.entries, ent)
		e.byID[d.ID] = ent
	case done:
		e.remove(ent)
	}
	if dup != nil {
		d.Attempts = dup.N
	}
	snap := *d
	if dup != nil {
		e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap, Attempt: a}, wabi.DeliveryUpdate{Delivery: &snap, Attempt: dup, Requeue: requeue})
	} else {
		e.writes = append(e.writes, wabi.DeliveryUpdate{Delivery: &snap, Attempt: a, Requeue: requeue})
	}
	e.signal(e.flushSig)
	e.schedule(q)
	hook := e.cfg.onAttempt
	e.mu.Unlock()
	if a.Error != "" {
		e.logFailure(&snap, a)
	}
	if hook != nil {
		dc, ac := snap, *a
		hook(&dc, &ac)
		if dup != nil {
			dc, ac := snap, *dup
			hook(&dc, &ac)
		}
	}
}

// logFailure tells the operator that an attempt failed and what comes next.
// The URL is shown without its query, which may hold the receiver's key.
func (e *Engine) logFailure(d *wabi.Delivery, a *wabi.Attempt) {
	target, msg := a.URL, a.Error
	if i := strings.IndexByte(target, '?'); i >= 0 {
		target = target[:i] + "?REDACTED"
		msg = strings.ReplaceAll(msg, a.URL, target)
	}
	attrs := []any{"delivery", d.ID, "attempt", a.N, "url", target, "status", a.StatusCode, "err", msg}
	if d.State == wabi.DeliveryFailed {
		e.logger().Warn("webhook: delivery failed for good; redeliver it from the console or the control API", attrs...)
		return
	}
	e.logger().Warn("webhook: delivery attempt failed; will retry", append(attrs, "next_attempt", d.NextAttemptAt)...)
}

// backoff returns the delay after ent's nth attempt. With the linear policy of the
// target last resolved, it is n × its step, at most its cap (or RetryCap), and
// exact, as the On-Premises client waits. Otherwise it is RetryBase doubled n-1
// times, at most RetryCap, give or take 20%, and never more than RetryCap.
func (e *Engine) backoff(ent *entry, n int) time.Duration {
	if ent.step > 0 {
		limit := ent.limit
		if limit <= 0 {
			limit = e.cfg.retryCap
		}
		// Compared by division, so that no attempt count can overflow n × step.
		if time.Duration(n) > limit/ent.step {
			return limit
		}
		return time.Duration(n) * ent.step
	}
	d := e.cfg.retryBase
	for i := 1; i < n && d < e.cfg.retryCap; i++ {
		d *= 2
	}
	d = min(d, e.cfg.retryCap)
	jittered := time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return min(jittered, e.cfg.retryCap)
}

// collect writes the accumulated updates whenever there are some, so that many
// attempts ending together share one store transaction.
func (e *Engine) collect(ctx context.Context) {
	for {
		select {
		case <-e.flushSig:
		case <-ctx.Done():
			return
		}
		err := e.flush(ctx)
		if err == nil || ctx.Err() != nil {
			continue
		}
		e.logger().Error("webhook: recording delivery attempts failed; will retry", "err", err)
		retry := make(chan struct{})
		t := e.Clock.AfterFunc(flushRetry, func() { close(retry) })
		select {
		case <-retry:
			e.signal(e.flushSig)
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// flush writes every accumulated update, in order, in batches of at most
// maxBatch. On error the unwritten updates stay queued, ahead of newer ones.
func (e *Engine) flush(ctx context.Context) error {
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	for {
		e.mu.Lock()
		n := min(len(e.writes), maxBatch)
		if n == 0 {
			e.writes = nil
			e.flushing = false
			e.mu.Unlock()
			return nil
		}
		batch := e.writes[:n:n]
		e.writes = e.writes[n:]
		e.flushing = true
		e.mu.Unlock()
		err := e.Store.RecordAttempts(ctx, batch)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			batch, err = e.writeEach(ctx, batch)
		}
		if err != nil {
			e.mu.Lock()
			e.writes = append(batch, e.writes...)
			e.flushing = false
			e.mu.Unlock()
			return err
		}
		if e.Shared {
			// The write ended leases and may have freed the next of their keys.
			e.Wake()
		}
	}
}

// writeEach writes updates one at a time and drops those of deliveries the store
// does not have (enqueued but never committed), so that one stray row cannot
// hold back the whole log. It returns what is left after another error.
func (e *Engine) writeEach(ctx context.Context, us []wabi.DeliveryUpdate) ([]wabi.DeliveryUpdate, error) {
	for i := range us {
		err := e.Store.RecordAttempts(ctx, us[i:i+1])
		switch wabi.ErrorCode(err) {
		case "":
		case wabi.ENotFound:
			e.logger().Error("webhook: delivery missing from the store; its attempt is not recorded",
				"delivery", us[i].Delivery.ID, "err", err)
		default:
			return us[i:], err
		}
	}
	return nil, nil
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}
