package controlapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/wabihq/wabi/internal/live"
	"github.com/wabihq/wabi/internal/wabi"
)

// eventsPath is the live event stream. It alone takes the admin key in its URL
// (?key=), since a browser's EventSource cannot send headers.
const eventsPath = "/api/events"

// defaultHeartbeat is how often an idle event stream gets a comment.
const defaultHeartbeat = 15 * time.Second

func (a *API) heartbeat() time.Duration {
	if a.Heartbeat > 0 {
		return a.Heartbeat
	}
	return defaultHeartbeat
}

// handleEvents streams what changes as Server-Sent Events: "message" with a
// message as GET /api/messages/{id} shows it, "delivery" with a delivery as GET
// /api/deliveries/{id} shows it, and a last "overflow" when the client fell too
// far behind. Each event is flushed at once; a comment every Heartbeat keeps an
// idle stream open. The stream ends when the client goes, or the server stops.
func (a *API) handleEvents(w http.ResponseWriter, r *http.Request) error {
	if a.Live == nil {
		return wabi.Errorf(wabi.ENotFound, "Live events are not enabled on this server.")
	}
	ctx := r.Context()
	// Subscribed before the headers go out: a client that saw them misses
	// nothing published after.
	events := a.Live.Subscribe(ctx)
	rc := http.NewResponseController(w)
	// The stream outlives any write timeout of the server; not every writer
	// has one to lift.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies such as nginx must not hold events back
	w.WriteHeader(http.StatusOK)
	// A first comment completes the client's connect now, not at the first event.
	if _, err := io.WriteString(w, ": wabi live events\n\n"); err != nil || rc.Flush() != nil {
		return nil
	}
	beat := time.NewTicker(a.heartbeat())
	defer beat.Stop()
	for {
		var chunk []byte
		select {
		case <-ctx.Done():
			return nil
		case <-beat.C:
			chunk = []byte(": ping\n\n")
		case e, ok := <-events:
			if !ok {
				return nil
			}
			if chunk = a.frame(ctx, e); chunk == nil {
				continue
			}
		}
		// A failed write means the client is gone; there is no one to answer.
		if _, err := w.Write(chunk); err != nil || rc.Flush() != nil {
			return nil
		}
	}
}

// frame renders one event for the stream, or nil to skip it.
func (a *API) frame(ctx context.Context, e live.Event) []byte {
	var data any
	switch e.Type {
	case live.TypeMessage:
		data = e.Data
	case live.TypeDelivery:
		c, ok := e.Data.(*live.DeliveryChange)
		if !ok || c.Delivery == nil {
			return nil
		}
		dd, err := a.deliveryDetail(ctx, c)
		if err != nil {
			a.logger().Debug("controlapi: live delivery event", "delivery", c.Delivery.ID, "err", err)
			return nil
		}
		data = dd
	case live.TypeOverflow:
		data = map[string]string{"message": "This stream fell behind and ends here; reload what you show and reconnect."}
	default:
		return nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		a.logger().Error("controlapi: encode live event", "type", e.Type, "err", err)
		return nil
	}
	// Compact JSON has no newline, so the data is one "data:" line.
	return fmt.Appendf(nil, "event: %s\ndata: %s\n\n", e.Type, b)
}
