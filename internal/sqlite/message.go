package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

const insertMessageSQL = "INSERT INTO messages (" + sqlrow.MessageCols + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// setStatusSQL moves a message to a status only if that raises its rank, so that
// late or reordered reports never move a message backwards.
const setStatusSQL = `UPDATE messages SET status = ?, status_rank = ?, status_at = ?, error = ?
	WHERE id = ? AND status_rank < ?`

const upsertWindowSQL = `INSERT INTO windows (phone_number_id, wa_id, last_inbound) VALUES (?, ?, ?)
	ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET
		last_inbound = max(last_inbound, excluded.last_inbound)`

// statusArgs is a status change ready for setStatusSQL.
type statusArgs struct {
	messageID string
	args      []any
}

// Commit writes the batch in one savepoint of a group transaction: messages
// first, so that the batch may also change their statuses, then status changes,
// windows and deliveries. EConflict if a message or delivery id exists, ENotFound
// if a status change names no message; either way nothing of the batch is
// written.
func (s *Store) Commit(ctx context.Context, b *wabi.Batch) error {
	// Encoding happens here, in the caller's goroutine, to keep the one writer
	// goroutine doing nothing but SQL.
	msgs := make([][]any, len(b.Messages))
	for i, m := range b.Messages {
		args, err := sqlrow.MessageArgs(m)
		if err != nil {
			return err
		}
		msgs[i] = args
	}
	statuses := make([]statusArgs, len(b.Statuses))
	for i, c := range b.Statuses {
		errJSON, err := sqlrow.ErrorJSON(c.Error)
		if err != nil {
			return err
		}
		rank := c.Status.Rank()
		statuses[i] = statusArgs{c.MessageID, []any{string(c.Status), rank, sqlrow.Nanos(c.At), errJSON, c.MessageID, rank}}
	}
	windows := make([][]any, len(b.Windows))
	for i, w := range b.Windows {
		windows[i] = []any{w.PhoneNumberID, w.WaID, sqlrow.Nanos(w.LastInbound)}
	}
	deliveries := make([][]any, len(b.Deliveries))
	for i, d := range b.Deliveries {
		deliveries[i] = deliveryArgs(d)
	}
	if len(msgs)+len(statuses)+len(windows)+len(deliveries) == 0 {
		return nil
	}
	// The function only executes statements on arguments ready beforehand, so
	// it may run again: it needs no savepoint of its own.
	return s.w.doRerun(ctx, func(t *wtx) error {
		for _, args := range msgs {
			if _, err := t.st.insertMessage.ExecContext(t.ctx, args...); err != nil {
				return writeError(err, "message "+args[0].(string), "")
			}
		}
		for _, c := range statuses {
			if err := setStatus(t, c); err != nil {
				return err
			}
		}
		for _, args := range windows {
			if _, err := t.st.upsertWindow.ExecContext(t.ctx, args...); err != nil {
				return fmt.Errorf("sqlite: write window: %w", err)
			}
		}
		for _, args := range deliveries {
			if _, err := t.st.insertDelivery.ExecContext(t.ctx, args...); err != nil {
				return writeError(err, "delivery "+args[0].(string), "")
			}
		}
		return nil
	})
}

// setStatus applies one status change. A change that would not raise the rank
// touches no row; only then is it worth asking whether the message exists.
func setStatus(t *wtx, c statusArgs) error {
	what := "message " + c.messageID
	res, err := t.st.setStatus.ExecContext(t.ctx, c.args...)
	if err != nil {
		return writeError(err, what, "")
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var one int
	err = t.st.messageExists.QueryRowContext(t.ctx, c.messageID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return err
}

// Message returns a message; ENotFound if there is none.
func (s *Store) Message(ctx context.Context, id string) (*wabi.Message, error) {
	m, err := sqlrow.ScanMessage(s.rdb.QueryRowContext(ctx, "SELECT "+sqlrow.MessageCols+" FROM messages WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "message "+id)
	}
	return m, nil
}

// Messages lists the messages that match f, newest first. A BeforeID that names
// no message yields an empty page.
//
// The planner reads a number's messages (or only those of the time range)
// through messages_time, a chat's through messages_chat, and sorts what it
// read. The other filters (contact alone, direction, type, status, a time range
// without a number) have no index of their own: they are tested along the
// primary key, newest first, which stops as soon as the page is full. Indexes
// for them would cost every write for the sake of a view.
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
	return list(ctx, s.rdb, sqlrow.ScanMessage,
		"SELECT "+sqlrow.MessageCols+" FROM messages"+w.String()+" ORDER BY seq DESC LIMIT ?",
		append(w.args, limit(f.Limit))...)
}

// Window returns when waID last wrote to the phone number; the zero time if
// never.
func (s *Store) Window(ctx context.Context, phoneNumberID, waID string) (time.Time, error) {
	var last int64
	err := s.rdb.QueryRowContext(ctx,
		"SELECT last_inbound FROM windows WHERE phone_number_id = ? AND wa_id = ?",
		phoneNumberID, waID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: read window: %w", err)
	}
	return sqlrow.FromNanos(last), nil
}

// Unfinished returns the outbound messages newer than since that are still
// accepted, sent or delivered, oldest first.
func (s *Store) Unfinished(ctx context.Context, since time.Time) ([]*wabi.Message, error) {
	// The literals are those of the partial index messages_unfinished, so that
	// it applies. Its entries are in node order; without the hint the planner,
	// to avoid the sort, would rather read every message in seq order.
	return list(ctx, s.rdb, sqlrow.ScanMessage,
		"SELECT "+sqlrow.MessageCols+` FROM messages INDEXED BY messages_unfinished
		WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered') AND timestamp > ?
		ORDER BY seq`, sqlrow.Nanos(since))
}

// deleteChunk caps how many messages one writer request of DeleteMessages
// removes, so that collecting a large backlog never holds up other writes for
// long: each chunk is its own request and commit.
const deleteChunk = 1000

// deletableSQL selects, oldest first, the next chunk of the number's messages
// that DeleteMessages removes: those older than before, except outbound ones
// the network still owes a status (they stay for Unfinished). The order is that
// of the index messages_time, whose entries end with seq, so no sort is needed.
const deletableSQL = ` FROM messages
	WHERE phone_number_id = ?1 AND timestamp < ?2
		AND NOT (direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered'))
	ORDER BY timestamp, seq LIMIT ?3`

// DeleteMessages deletes the number's messages older than before, except
// outbound ones still accepted, sent or delivered, and returns how many it
// deleted. Windows and deliveries stay: windows are not messages, and
// deliveries keep their message id as plain text. What analytics count of each
// message is first copied to message_history, so that counts of the past can
// stay as they were.
func (s *Store) DeleteMessages(ctx context.Context, phoneNumberID string, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := s.w.do(ctx, func(t *wtx) error {
			// Both statements select the same chunk: they run back to back in
			// one savepoint of the only writer.
			args := []any{phoneNumberID, sqlrow.Nanos(before), deleteChunk}
			if _, err := t.exec(`INSERT INTO message_history
				(phone_number_id, wa_id, direction, timestamp, status, status_rank, category)
				SELECT phone_number_id, wa_id, direction, timestamp, status, status_rank, category`+deletableSQL,
				args...); err != nil {
				return fmt.Errorf("sqlite: keep history of messages: %w", err)
			}
			res, err := t.exec("DELETE FROM messages WHERE seq IN (SELECT seq"+deletableSQL+")", args...)
			if err != nil {
				return fmt.Errorf("sqlite: delete messages: %w", err)
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err // this chunk was rolled back; earlier ones stand
		}
		total += int(n)
		if n < deleteChunk {
			return total, nil
		}
	}
}
