package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// What the monitoring endpoints of an On-Premises deployment count, and its
// message garbage collection. The counts come from the store, so every node of a
// cluster reports the same ones.

// MessageGCAge is how old a message must be before the deployment's message
// garbage collection deletes it: the 30 days after which the client no longer
// needs a message.
const MessageGCAge = 30 * 24 * time.Hour

// CallbackQueueCap bounds the callback queue count: it is the size of the
// client's callback queue, beyond which the client refused new work.
const CallbackQueueCap = 100_000

// dbStatsPage is how many messages DBStats reads at a time.
const dbStatsPage = 1000

// AppStats are the live counts of a deployment (/v1/stats/app).
type AppStats struct {
	// CallbackQueue counts the deployment's webhook deliveries still pending,
	// at most CallbackQueueCap.
	CallbackQueue int
	// PendingMessages counts the outbound messages the network has accepted
	// but not yet sent.
	PendingMessages int
	// Sent, Delivered and Read count the stored outbound messages that reached
	// at least that status, Failed those that failed, Received the inbound ones.
	Sent, Delivered, Read, Failed, Received int
}

// DBStats are the counts of what the store holds for a deployment
// (/v1/stats/db).
type DBStats struct {
	// Messages counts the stored messages by type, in and out.
	Messages map[wabi.Type]int
	// Contacts counts the WhatsApp users the number has stored messages with.
	Contacts int
}

// AppStats counts the caller's deployment's queues and messages.
func (p *Platform) AppStats(ctx context.Context, c Caller) (*AppStats, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	var st AppStats
	ds, err := p.store.Deliveries(ctx, wabi.DeliveryFilter{AppID: pn.ID, State: wabi.DeliveryPending, Limit: CallbackQueueCap})
	if err != nil {
		return nil, err
	}
	// The filter matches the delivery's target, which is an app id for Cloud
	// API deliveries: only the deployment's own dialect counts.
	for _, d := range ds {
		if d.Dialect == wabi.DialectOnPrem {
			st.CallbackQueue++
		}
	}
	now := p.clock.Now()
	unfinished, err := p.store.Unfinished(ctx, now.Add(-messageTTL))
	if err != nil {
		return nil, err
	}
	for _, m := range unfinished {
		if m.PhoneNumberID == pn.ID && m.Status == wabi.StatusAccepted {
			st.PendingMessages++
		}
	}
	rows, err := p.allTimeStats(ctx, pn.ID, now)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		st.Sent += r.Sent
		st.Delivered += r.Delivered
		st.Read += r.Read
		st.Failed += r.Failed
		st.Received += r.Received
	}
	return &st, nil
}

// DBStats counts the caller's deployment's stored messages by type and its
// contacts. It reads every stored message of the number, so it is slow on a
// big store, as the client's database stats were.
func (p *Platform) DBStats(ctx context.Context, c Caller) (*DBStats, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	st := &DBStats{Messages: map[wabi.Type]int{}}
	f := wabi.MessageFilter{PhoneNumberID: pn.ID, Limit: dbStatsPage}
	for {
		ms, err := p.store.Messages(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			st.Messages[m.Type]++
		}
		if len(ms) < dbStatsPage {
			break
		}
		f.BeforeID = ms[len(ms)-1].ID
	}
	rows, err := p.allTimeStats(ctx, pn.ID, p.clock.Now())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.WaID] = true
	}
	st.Contacts = len(seen)
	return st, nil
}

// allTimeStats counts every stored message of a number in one time bucket,
// one row per consumer and pricing category.
func (p *Platform) allTimeStats(ctx context.Context, phoneNumberID string, now time.Time) ([]wabi.StatsRow, error) {
	return p.store.MessageStats(ctx, wabi.StatsQuery{
		PhoneNumberIDs: []string{phoneNumberID},
		Start:          time.Unix(0, 0),
		// A message stamped by a node whose clock runs ahead still counts.
		End:    now.Add(time.Hour),
		Bucket: time.Duration(1 << 62),
	})
}

// CollectMessages is the deployment's message garbage collection: it deletes
// the caller's number's messages older than MessageGCAge, except outbound ones
// still under way, and returns how many it deleted. It deletes nothing when the
// deployment's settings switch garbagecollector_enable.messages off. Either way
// it then tells the deployment's webhook, if it has one, how many went.
func (p *Platform) CollectMessages(ctx context.Context, c Caller) (int, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return 0, err
	}
	s, err := p.appSettings(ctx, pn.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	if s.GarbageCollector.Messages {
		if n, err = p.store.DeleteMessages(ctx, pn.ID, p.clock.Now().Add(-MessageGCAge)); err != nil {
			return n, err
		}
	}
	// Without a webhook URL the client drops its callbacks; so does wabi.
	if s.Webhooks.URL == "" {
		return n, nil
	}
	d, err := p.deploymentDelivery(pn, "", "gc", &wabi.Event{GC: &wabi.GCResult{MessagesDeleted: n}, Phone: pn})
	if err != nil {
		return n, err
	}
	ds := []*wabi.Delivery{d}
	if err := p.store.Commit(ctx, &wabi.Batch{Deliveries: ds}); err != nil {
		return n, fmt.Errorf("platform: queue gc webhook: %w", err)
	}
	p.enqueue(ds)
	return n, nil
}

// putRecordJSON saves v as a record of the number.
func (p *Platform) putRecordJSON(ctx context.Context, phoneNumberID, kind, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: kind, Key: key, Value: b, UpdatedAt: p.clock.Now()})
}

// getRecordJSON loads a record of the number into v; ENotFound if there is none.
func (p *Platform) getRecordJSON(ctx context.Context, phoneNumberID, kind, key string, v any) error {
	r, err := p.store.Record(ctx, phoneNumberID, kind, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.Value, v); err != nil {
		return fmt.Errorf("platform: %s record: %w", kind, err)
	}
	return nil
}
