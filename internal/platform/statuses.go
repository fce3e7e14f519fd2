package platform

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

var _ wabi.BatchSink = (*Platform)(nil)

// UpdateStatuses records status updates of outbound messages in one store write
// and queues their webhooks, in the order given: the webhooks of one chat are
// delivered in the order their statuses were recorded, so a network that reports
// a phone's statuses in order keeps them in order to the receiver. Each update is
// taken as UpdateStatus would take it alone (a status that would move a message
// backwards is ignored); an update that cannot be prepared gets its own error, and
// a failed write fails every update it carried. An update of a message after
// one of the same message that failed gets that error too: a network reports a
// message's statuses in the order they happen (sent, delivered and read of a
// phone with no delays come together), and a later one must not stand alone.
// The message row is written once per message, with its last status: each
// update only raises its rank, so that is what writing them in turn would leave.
func (p *Platform) UpdateStatuses(ctx context.Context, us []wabi.StatusUpdate) []error {
	errs := make([]error, len(us))
	b := &wabi.Batch{Statuses: make([]wabi.StatusChange, 0, len(us))}
	// staged holds each recorded update's message as it will be once written;
	// byID lets a later update of the same message see the earlier one.
	staged := make([]*wabi.Message, 0, len(us))
	var idx []int
	var byID map[string]*wabi.Message
	// last is the index in b.Statuses of each staged message's change; failed
	// is each refused message's first error.
	var last map[string]int
	var failed map[string]error
	fail := func(i int, id string, err error) {
		errs[i] = err
		if len(us) > 1 {
			if failed == nil {
				failed = map[string]error{}
			}
			failed[id] = err
		}
	}
	for i, u := range us {
		if err := failed[u.MessageID]; err != nil {
			errs[i] = err
			continue
		}
		m := byID[u.MessageID]
		if m == nil {
			var err error
			if m, err = p.message(ctx, u.MessageID); err != nil {
				fail(i, u.MessageID, err)
				continue
			}
		}
		if m.Direction != wabi.Outbound || u.Status.Rank() <= m.Status.Rank() {
			continue
		}
		if u.Timestamp.IsZero() {
			u.Timestamp = p.clock.Now()
		}
		c, ds, err := p.stageStatus(ctx, m, u)
		if err != nil {
			fail(i, u.MessageID, err)
			continue
		}
		change := wabi.StatusChange{MessageID: m.ID, Status: u.Status, At: u.Timestamp, Error: u.Error}
		if j, ok := last[m.ID]; ok {
			b.Statuses[j] = change
		} else {
			if len(us) > 1 {
				if last == nil {
					last = make(map[string]int, len(us))
				}
				last[m.ID] = len(b.Statuses)
			}
			b.Statuses = append(b.Statuses, change)
		}
		b.Deliveries = append(b.Deliveries, ds...)
		staged = append(staged, c)
		idx = append(idx, i)
		if len(us) > 1 {
			if byID == nil {
				byID = make(map[string]*wabi.Message, len(us))
			}
			byID[c.ID] = c
		}
	}
	if len(staged) == 0 {
		return errs
	}
	if err := p.store.Commit(ctx, b); err != nil {
		if wabi.ErrorCode(err) == wabi.ENotFound && len(idx) > 1 {
			// A message went meanwhile (retention): the others are recorded one by
			// one, in order, so that only its own update fails.
			for _, i := range idx {
				errs[i] = p.UpdateStatuses(ctx, us[i:i+1])[0]
			}
			return errs
		}
		for _, i := range idx {
			errs[i] = err
		}
		return errs
	}
	for _, m := range staged {
		p.remember(m)
		p.changed(m)
	}
	p.announce(staged)
	p.enqueue(b.Deliveries)
	return errs
}

// stageStatus prepares the recording of u, a status update of m that raises
// its rank: it renders the update's webhooks, with the status faults applied,
// and returns them with a copy of m as it stands once u is recorded. Both
// UpdateStatuses and a send that commits its first statuses with the message
// (see instant) record a status through it, so that either way a status gets
// the same webhooks.
func (p *Platform) stageStatus(ctx context.Context, m *wabi.Message, u wabi.StatusUpdate) (*wabi.Message, []*wabi.Delivery, error) {
	ds, err := p.statusWebhooks(ctx, m, u)
	if err != nil {
		return nil, nil, err
	}
	ds = p.statusFaults(ctx, m, u, ds)
	c := *m
	c.Status, c.StatusAt, c.Error = u.Status, u.Timestamp, u.Error
	return &c, ds, nil
}

// statusWebhooks renders the webhooks of a status update of m. Meta reports only
// "sent" (and "failed") for reactions.
func (p *Platform) statusWebhooks(ctx context.Context, m *wabi.Message, u wabi.StatusUpdate) ([]*wabi.Delivery, error) {
	if m.Type == wabi.TypeReaction && u.Status != wabi.StatusSent && u.Status != wabi.StatusFailed {
		return nil, nil
	}
	pn, err := p.phoneNumber(ctx, m.PhoneNumberID)
	if err != nil {
		return nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return nil, err
	}
	return p.statusDeliveries(ctx, pn, w, m, u)
}
