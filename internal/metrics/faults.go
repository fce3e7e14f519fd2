package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wabihq/wabi/internal/wabi"
)

// faultScrapeTimeout bounds the read of the faults at a scrape.
const faultScrapeTimeout = 2 * time.Second

// faultCollector counts the faults fired, by kind, from the hit counts the
// faults keep in the store: the platform counts every hit there, on whichever
// node it fired, so a scrape reads a handful of records and no hot path pays.
// A fault deleted or used up leaves the list: the hits it had at the last
// scrape are kept, so the counter never goes back.
type faultCollector struct {
	m    *Metrics
	desc *prometheus.Desc

	mu   sync.Mutex
	seen map[string]seenFault   // the faults listed at the last scrape, by id
	gone map[wabi.FaultKind]int // hits of the faults no longer listed
}

type seenFault struct {
	kind wabi.FaultKind
	hits int
}

func (c *faultCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *faultCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.Faults == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), faultScrapeTimeout)
	defer cancel()
	fs, err := c.m.Faults(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := make(map[string]seenFault, len(fs))
	for _, f := range fs {
		hits := f.Hits
		if prev, ok := c.seen[f.ID]; ok && prev.hits > hits {
			hits = prev.hits // a stale read must not take hits back
		}
		now[f.ID] = seenFault{f.Kind, hits}
	}
	for id, f := range c.seen {
		if _, ok := now[id]; !ok {
			c.gone[f.kind] += f.hits
		}
	}
	c.seen = now
	total := make(map[wabi.FaultKind]int, len(c.gone)+len(now))
	for k, n := range c.gone {
		total[k] += n
	}
	for _, f := range now {
		total[f.kind] += f.hits
	}
	for k, n := range total {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), string(k))
	}
}
