package platform

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Retention defaults. Meta keeps message content 30 days; a webhook delivery is
// retried for 7 days, and its log is kept as long after it finished.
const (
	DefaultMessageRetention  = 30 * 24 * time.Hour
	DefaultDeliveryRetention = 7 * 24 * time.Hour
)

// retentionBatch is how many rows one write of a sweep deletes: on SQLite, 200
// texts of 3.5 KB take the writer about 2 ms. Each batch is one request to the
// store's writer, which takes it alongside the requests of everyone else; a sweep
// never has two in the queue, so sends keep committing while a backlog goes.
const retentionBatch = 200

// Sweep is what one retention sweep deleted.
type Sweep struct {
	Messages     int // messages older than MessageRetention
	MessageMedia int // media files that went with them
	Deliveries   int // deliveries finished longer ago than DeliveryRetention
	Media        int // expired media files
	Blobs        int // bytes nothing referred to any more
}

// Total is how many things the sweep deleted.
func (s Sweep) Total() int {
	return s.Messages + s.MessageMedia + s.Deliveries + s.Media + s.Blobs
}

// SweepRetention deletes what outlived its retention, on the platform's clock:
// messages older than MessageRetention (analytics keep counting them) with the
// media that came with them, deliveries that finished longer ago than
// DeliveryRetention (pending ones stay), then expired media and unreferenced
// bytes (SweepMedia). It stops at the first error, keeping what it did.
func (p *Platform) SweepRetention(ctx context.Context) (Sweep, error) {
	var s Sweep
	var err error
	if s.Messages, s.MessageMedia, err = p.sweepMessages(ctx); err != nil {
		return s, err
	}
	if s.Deliveries, err = p.sweepDeliveries(ctx); err != nil {
		return s, err
	}
	s.Media, s.Blobs, err = p.SweepMedia(ctx)
	return s, err
}

// sweepMessages deletes messages older than MessageRetention, a batch at a time,
// and the media each one brought.
func (p *Platform) sweepMessages(ctx context.Context) (messages, media int, err error) {
	if p.MessageRetention <= 0 {
		return 0, 0, nil
	}
	cut := p.clock.Now().Add(-p.MessageRetention)
	for ctx.Err() == nil {
		ms, err := p.store.ExpireMessages(ctx, cut, retentionBatch)
		if err != nil {
			return messages, media, err
		}
		messages += len(ms)
		n, err := p.dropMessageMedia(ctx, ms, cut)
		media += n
		if err != nil {
			return messages, media, err
		}
		if len(ms) < retentionBatch {
			break
		}
	}
	return messages, media, ctx.Err()
}

// dropMessageMedia deletes the media files that came with deleted messages: a
// consumer's media, and files wabi fetched from a link. Uploads are the
// business's and live out their own lifetime. A file fetched from a link within
// LinkCacheTTL of the cut may also serve a newer message from the link cache: it
// is left to expire.
func (p *Platform) dropMessageMedia(ctx context.Context, ms []*wabi.Message, cut time.Time) (int, error) {
	if p.Blobs == nil {
		return 0, nil
	}
	n := 0
	seen := map[string]bool{}
	for _, m := range ms {
		for _, r := range mediaRefs(m) {
			id := r.media.ID
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			mf, err := p.store.MediaFile(ctx, id)
			if wabi.ErrorCode(err) == wabi.ENotFound {
				continue // expired already
			} else if err != nil {
				return n, err
			}
			switch {
			case mf.Origin == wabi.OriginInbound:
			case mf.Origin == wabi.OriginLink && mf.CreatedAt.Add(LinkCacheTTL).Before(cut):
			default:
				continue
			}
			if err := p.store.DeleteMedia(ctx, mf.ID); err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
				return n, err
			}
			n++
			if err := p.dropBytes(ctx, mf.SHA256); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// sweepDeliveries deletes deliveries that finished longer ago than
// DeliveryRetention, with their attempts, a batch at a time.
func (p *Platform) sweepDeliveries(ctx context.Context) (int, error) {
	if p.DeliveryRetention <= 0 {
		return 0, nil
	}
	cut := p.clock.Now().Add(-p.DeliveryRetention)
	total := 0
	for ctx.Err() == nil {
		n, err := p.store.ExpireDeliveries(ctx, cut, retentionBatch)
		total += n
		if err != nil || n < retentionBatch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// RunRetention runs SweepRetention every interval until ctx ends, timed by the
// platform's clock. Each sweep deletes in batches of its own short writes, so it
// never holds up sends for long.
func (p *Platform) RunRetention(ctx context.Context, every time.Duration) error {
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
			s, err := p.SweepRetention(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				p.logger().Error("retention sweep", "err", err, "messages", s.Messages, "deliveries", s.Deliveries)
			case err == nil && s.Total() > 0:
				p.logger().Info("retention sweep", "messages", s.Messages, "message_media", s.MessageMedia,
					"deliveries", s.Deliveries, "media", s.Media, "blobs", s.Blobs)
			}
			schedule()
		}
	}
}
