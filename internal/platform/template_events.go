package platform

import (
	"context"
	"strings"
	"sync"

	"github.com/wabihq/wabi/internal/wabi"
)

// templateState serialises template changes and keeps the review timers. Its
// zero value is ready to use.
type templateState struct {
	// mu is held while a template is read, changed and written, so that a review
	// never overwrites an edit (or the other way round).
	mu sync.Mutex

	// rmu guards the review timers below; it is never held while mu is taken.
	rmu     sync.Mutex
	running bool
	runCtx  context.Context
	timers  map[string]*reviewTimer
	// inflight counts timers that are scheduled or running, for RunReviews to
	// wait on when it stops.
	inflight sync.WaitGroup
}

// reviewTimer is one scheduled review; its identity tells a timer that fired
// from one that replaced it.
type reviewTimer struct{ t wabi.Timer }

// templateEvent is one webhook about a template: the field it goes to and what
// happened.
type templateEvent struct {
	field  string
	change wabi.TemplateChange
}

// statusEvent is a message_template_status_update.
func statusEvent(ch wabi.TemplateChange) templateEvent {
	if ch.Reason == "" {
		ch.Reason = "NONE"
	}
	return templateEvent{field: wabi.FieldMessageTemplateStatusUpdate, change: ch}
}

// saveTemplate writes a changed template and queues its webhooks. The store's
// batch has no room for templates, so the template is written first and its
// deliveries committed right after: a crash between the two loses the webhooks
// of a change that happened, and never tells receivers of a change that did not.
// The caller holds p.tpl.mu.
func (p *Platform) saveTemplate(ctx context.Context, t *wabi.Template, events ...templateEvent) error {
	t.UpdatedAt = p.clock.Now()
	if err := p.store.UpdateTemplate(ctx, t); err != nil {
		return err
	}
	p.drop("tpl:" + t.WABAID)
	return p.emitTemplateEvents(ctx, t, events...)
}

// emitTemplateEvents renders the webhooks of a template's events for every app
// subscribed to its WABA with the event's field, and commits them. Template
// events are about the WABA, not a chat: their deliveries have no phone number
// or wa_id, so they are delivered in order per app.
func (p *Platform) emitTemplateEvents(ctx context.Context, t *wabi.Template, events ...templateEvent) error {
	if len(events) == 0 {
		return nil
	}
	w, err := p.waba(ctx, t.WABAID)
	if err != nil {
		return err
	}
	snapshot := *t
	var ds []*wabi.Delivery
	for _, ev := range events {
		change := ev.change
		name := "template." + strings.ToLower(change.Event)
		switch ev.field {
		case wabi.FieldTemplateCategoryUpdate:
			name = "template.category"
		case wabi.FieldMessageTemplateQualityUpdate:
			name = "template.quality"
		}
		out, err := p.fanout(ctx, w, ev.field, "", "", func(app *wabi.App) (*wabi.Event, string) {
			return &wabi.Event{Field: ev.field, App: app, WABA: w, Template: &snapshot, Change: &change}, name
		})
		if err != nil {
			return err
		}
		ds = append(ds, out...)
	}
	if len(ds) == 0 {
		return nil
	}
	if err := p.store.Commit(ctx, &wabi.Batch{Deliveries: ds}); err != nil {
		return err
	}
	p.enqueue(ds)
	return nil
}
