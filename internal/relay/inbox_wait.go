package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// An upstream may report a message's first status before wabi has stored the
// message: the upstream commits "sent" with the message and posts its webhook
// while its answer to wabi's send is still on the way. Such a status waits,
// as a record of its message (empty scope, kind recStatusWait, key the
// wamid), and so does every later status of that message, in order, until
// the message is stored or StatusWait has passed; then they are recorded in
// turn, or, for a message sent around wabi, dropped with a log line.

const (
	recStatusWait = "relay_status_wait"
	// DefaultStatusWait is how long statuses of a message wabi does not hold
	// wait for it.
	DefaultStatusWait = 30 * time.Second
	// waitRetry is how soon the inbox looks again while statuses wait.
	waitRetry = 250 * time.Millisecond
)

// statusWait is the value of a waiting message's record. Done marks a wait
// that ended (finishWait): its statuses are recorded, and a status that finds
// it is recorded at once.
type statusWait struct {
	PhoneNumberID string              `json:"phone_number_id"`
	Since         time.Time           `json:"since"`
	Statuses      []wabi.StatusUpdate `json:"statuses"`
	Done          bool                `json:"done,omitempty"`
}

// queueBehind returns the statuses of us that can be recorded now, and adds
// those of messages whose earlier statuses wait to their message's record, so
// that a message's statuses are recorded in the order they came.
func (in *Inbox) queueBehind(ctx context.Context, pn string, us []wabi.StatusUpdate) ([]wabi.StatusUpdate, error) {
	now := make([]wabi.StatusUpdate, 0, len(us))
	for _, u := range us {
		waiting, err := in.wait(ctx, pn, u, false)
		if err != nil {
			return nil, err
		}
		if !waiting {
			now = append(now, u)
		}
	}
	return now, nil
}

// wait adds u to the record of its message's waiting statuses. Unless create
// is set, it adds u only if the record exists, and reports whether it did.
func (in *Inbox) wait(ctx context.Context, pn string, u wabi.StatusUpdate, create bool) (bool, error) {
	st := in.P.Store()
	for {
		rec, err := st.Record(ctx, "", recStatusWait, u.MessageID)
		var old []byte
		w := statusWait{PhoneNumberID: pn, Since: in.P.Clock().Now()}
		switch {
		case wabi.ErrorCode(err) == wabi.ENotFound:
			if !create {
				return false, nil
			}
		case err != nil:
			return false, fmt.Errorf("relay: read the waiting statuses of %s: %w", u.MessageID, err)
		default:
			old = rec.Value
			if err := json.Unmarshal(rec.Value, &w); err != nil {
				return false, fmt.Errorf("relay: the waiting statuses of %s do not parse: %w", u.MessageID, err)
			}
			if w.Done {
				if !create {
					return false, nil
				}
				w = statusWait{PhoneNumberID: pn, Since: in.P.Clock().Now()}
			}
		}
		w.Statuses = append(w.Statuses, u)
		v, err := json.Marshal(w)
		if err != nil {
			return false, err
		}
		err = st.SwapRecord(ctx, &wabi.Record{Kind: recStatusWait, Key: u.MessageID, Value: v, UpdatedAt: in.P.Clock().Now()}, old)
		if wabi.ErrorCode(err) == wabi.EConflict {
			continue // changed meanwhile: read it again
		}
		if err != nil {
			return false, fmt.Errorf("relay: keep a waiting status of %s: %w", u.MessageID, err)
		}
		return true, nil
	}
}

// retryWaiting records the waiting statuses of every message that is now
// stored, drops those that waited StatusWait in vain, and returns how many
// messages still have statuses waiting.
func (in *Inbox) retryWaiting(ctx context.Context) (int, error) {
	recs, err := in.P.Store().Records(ctx, "", recStatusWait, "")
	if err != nil {
		return 0, fmt.Errorf("relay: read the waiting statuses: %w", err)
	}
	limit := in.StatusWait
	if limit <= 0 {
		limit = DefaultStatusWait
	}
	left := 0
	for _, rec := range recs {
		var w statusWait
		if err := json.Unmarshal(rec.Value, &w); err != nil || w.Done {
			if err != nil {
				in.logger().Error("relay: waiting statuses do not parse; dropped", "message_id", rec.Key, "err", err)
			}
			if err := in.dropWait(ctx, rec.Key); err != nil {
				return left, err
			}
			continue
		}
		errs := in.P.UpdateStatuses(ctx, w.Statuses)
		missing, failed := false, false
		for i, err := range errs {
			switch {
			case err == nil:
			case wabi.ErrorCode(err) == wabi.ENotFound:
				missing = true
			default:
				in.logger().Warn("relay: record a waiting upstream status", "phone_number_id", w.PhoneNumberID,
					"message_id", w.Statuses[i].MessageID, "err", err)
				failed = failed || transient(err)
			}
		}
		if (missing || failed) && in.P.Clock().Now().Sub(w.Since) < limit {
			left++
			continue
		}
		if missing {
			// Sent around wabi, or gone by retention.
			in.logger().Info("relay: statuses of a message wabi does not hold; skipped", "phone_number_id", w.PhoneNumberID,
				"message_id", rec.Key, "statuses", len(w.Statuses))
		}
		ended, err := in.finishWait(ctx, rec)
		if err != nil {
			return left, err
		}
		if !ended {
			left++
		}
	}
	return left, nil
}

// finishWait ends the wait of rec's message once the statuses it held are
// recorded or dropped, and reports whether it did. The record first becomes a
// tombstone (Done), swapped against the value whose statuses were recorded: a
// status added meanwhile makes the swap fail, and the next look records it
// (recording the others again changes nothing, since a status never moves a
// message back). A status that finds the tombstone is recorded at once; then
// the tombstone goes.
func (in *Inbox) finishWait(ctx context.Context, rec *wabi.Record) (bool, error) {
	now := in.P.Clock().Now()
	done, err := json.Marshal(statusWait{Done: true, Since: now})
	if err != nil {
		return false, err
	}
	err = in.P.Store().SwapRecord(ctx, &wabi.Record{Kind: recStatusWait, Key: rec.Key, Value: done, UpdatedAt: now}, rec.Value)
	if wabi.ErrorCode(err) == wabi.EConflict {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("relay: end the wait of %s: %w", rec.Key, err)
	}
	return true, in.dropWait(ctx, rec.Key)
}

// dropWait deletes a message's waiting statuses; gone already is no error.
func (in *Inbox) dropWait(ctx context.Context, messageID string) error {
	err := in.P.Store().DeleteRecord(ctx, "", recStatusWait, messageID)
	if err != nil && wabi.ErrorCode(err) != wabi.ENotFound {
		return fmt.Errorf("relay: delete the waiting statuses of %s: %w", messageID, err)
	}
	return nil
}
