package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

const insertMessageSQL = "INSERT INTO messages (" + sqlrow.MessageCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`

// setStatusSQL moves a message to a status only if that raises its rank, so that
// late or reordered reports never move a message backwards. A change that does
// not raise the rank is no error, a message that does not exist is: the update
// runs whatever the outer query reads, and the outer query, which sees the
// messages as they were before it, fails if there is no such message.
const setStatusSQL = `WITH up AS (
		UPDATE messages SET status = $1, status_rank = $2, status_at = $3, error = $4
		WHERE id = $5 AND status_rank < $2)
	SELECT wabi_must_hit(count(*)) FROM messages WHERE id = $5`

const upsertWindowSQL = `INSERT INTO windows (phone_number_id, wa_id, last_inbound) VALUES ($1, $2, $3)
	ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET
		last_inbound = greatest(windows.last_inbound, excluded.last_inbound)`

// Commit writes the batch as one request of a group transaction: messages
// first, so that the batch may also change their statuses, then status changes,
// windows and deliveries. EConflict if a message or delivery id exists, ENotFound
// if a status change names no message; either way nothing of the batch is
// written.
func (s *Store) Commit(ctx context.Context, b *wabi.Batch) error {
	// Encoding happens here, in the caller's goroutine, to keep the one writer
	// goroutine doing nothing but I/O.
	ops := make([]op, 0, len(b.Messages)+len(b.Statuses)+len(b.Windows)+len(b.Deliveries))
	for _, m := range b.Messages {
		args, err := sqlrow.MessageArgs(m)
		if err != nil {
			return err
		}
		ops = append(ops, op{sql: insertMessageSQL, args: args, what: "message " + m.ID})
	}
	for _, c := range b.Statuses {
		errJSON, err := sqlrow.ErrorJSON(c.Error)
		if err != nil {
			return err
		}
		ops = append(ops, op{sql: setStatusSQL, what: "message " + c.MessageID,
			args: []any{string(c.Status), c.Status.Rank(), sqlrow.Nanos(c.At), errJSON, c.MessageID}})
	}
	for _, w := range b.Windows {
		ops = append(ops, op{sql: upsertWindowSQL, what: "window of " + w.WaID,
			args: []any{w.PhoneNumberID, w.WaID, sqlrow.Nanos(w.LastInbound)}})
	}
	for _, d := range b.Deliveries {
		ops = append(ops, op{sql: insertDeliverySQL, args: deliveryArgs(d), what: "delivery " + d.ID})
	}
	if len(ops) == 0 {
		return nil
	}
	return s.w.do(ctx, ops...)
}

// Message returns a message; ENotFound if there is none.
func (s *Store) Message(ctx context.Context, id string) (*wabi.Message, error) {
	m, err := sqlrow.ScanMessage(s.pool.QueryRow(ctx, "SELECT "+sqlrow.MessageCols+" FROM messages WHERE id = $1", id))
	if err != nil {
		return nil, readError(err, "message "+id)
	}
	return m, nil
}

// Messages lists the messages that match f, newest first. A BeforeID that names
// no message yields an empty page.
func (s *Store) Messages(ctx context.Context, f wabi.MessageFilter) ([]*wabi.Message, error) {
	var w where
	w.eq("phone_number_id", f.PhoneNumberID)
	w.eq("wa_id", f.WaID)
	w.eq("direction", string(f.Direction))
	w.eq("type", string(f.Type))
	w.eq("status", string(f.Status))
	if !f.Since.IsZero() {
		w.add("timestamp >= ?", sqlrow.Nanos(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("timestamp < ?", sqlrow.Nanos(f.Until))
	}
	if f.BeforeID != "" {
		w.add("seq < (SELECT seq FROM messages WHERE id = ?)", f.BeforeID)
	}
	lim, args := w.limit(limit(f.Limit))
	return list(ctx, s.pool, sqlrow.ScanMessage,
		"SELECT "+sqlrow.MessageCols+" FROM messages"+w.String()+" ORDER BY seq DESC"+lim, args...)
}

// Window returns when waID last wrote to the phone number; the zero time if
// never.
func (s *Store) Window(ctx context.Context, phoneNumberID, waID string) (time.Time, error) {
	var last int64
	err := s.pool.QueryRow(ctx,
		"SELECT last_inbound FROM windows WHERE phone_number_id = $1 AND wa_id = $2",
		phoneNumberID, waID).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: read window: %w", err)
	}
	return sqlrow.FromNanos(last), nil
}

// Unfinished returns the outbound messages newer than since that are still
// accepted, sent or delivered, oldest first.
func (s *Store) Unfinished(ctx context.Context, since time.Time) ([]*wabi.Message, error) {
	return list(ctx, s.pool, sqlrow.ScanMessage,
		"SELECT "+sqlrow.MessageCols+` FROM messages
		WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered') AND timestamp > $1
		ORDER BY seq`, sqlrow.Nanos(since)) // literals, so the partial index applies
}

// deleteChunk caps how many messages one writer request of DeleteMessages
// removes, so that collecting a large backlog never holds up other writes for
// long: each chunk is its own request and commit.
const deleteChunk = 1000

// deleteMessagesSQL deletes, oldest first, the next chunk of the number's
// messages that DeleteMessages removes: those older than before, except outbound
// ones the network still owes a status (they stay for Unfinished). It copies
// what analytics count of them to message_history in the same statement.
const deleteMessagesSQL = `WITH gone AS (
		DELETE FROM messages WHERE seq IN (
			SELECT seq FROM messages
			WHERE phone_number_id = $1 AND timestamp < $2
				AND NOT (direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered'))
			ORDER BY timestamp, seq LIMIT $3)
		RETURNING phone_number_id, wa_id, direction, timestamp, status, status_rank, category)
	INSERT INTO message_history (phone_number_id, wa_id, direction, timestamp, status, status_rank, category)
	SELECT phone_number_id, wa_id, direction, timestamp, status, status_rank, category FROM gone`

// DeleteMessages deletes the number's messages older than before, except
// outbound ones still accepted, sent or delivered, and returns how many it
// deleted. Windows and deliveries stay: windows are not messages, and
// deliveries keep their message id as plain text. What analytics count of each
// message is kept in message_history, so that counts of the past stay as they
// were.
func (s *Store) DeleteMessages(ctx context.Context, phoneNumberID string, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := s.w.do(ctx, op{sql: deleteMessagesSQL, args: []any{phoneNumberID, sqlrow.Nanos(before), deleteChunk},
			what: "messages of " + phoneNumberID, tag: func(t pgconn.CommandTag) { n = t.RowsAffected() }})
		if err != nil {
			return total, err // this chunk was rolled back; earlier ones stand
		}
		total += int(n)
		if n < deleteChunk {
			return total, nil
		}
	}
}
