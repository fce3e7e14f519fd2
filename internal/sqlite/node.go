package sqlite

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// heartbeatSQL records a node's heartbeat; a late one never moves it back.
const heartbeatSQL = `INSERT INTO nodes (id, seen) VALUES (?, ?)
	ON CONFLICT (id) DO UPDATE SET seen = max(seen, excluded.seen)`

// adoptSQL hands the oldest unfinished messages of dead nodes to ?1. owners
// lists the nodes that owe any message, one seek of messages_unfinished per
// node (a loose index scan), so a pass costs the nodes, not the traffic in
// flight; dead keeps those without a heartbeat since ?2. The status literals
// are those of the partial index, so that it applies.
const adoptSQL = `WITH RECURSIVE owners(node) AS (
		SELECT (SELECT min(node) FROM messages
			WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered'))
		UNION ALL
		SELECT (SELECT min(node) FROM messages
			WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered') AND node > owners.node)
		FROM owners WHERE owners.node IS NOT NULL),
	dead(node) AS (
		SELECT node FROM owners WHERE node IS NOT NULL AND node <> ?1
			AND NOT EXISTS (SELECT 1 FROM nodes WHERE id = owners.node AND seen >= ?2))
	UPDATE messages SET node = ?1 WHERE seq IN (
		SELECT seq FROM messages
		WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered')
			AND node IN (SELECT node FROM dead) AND timestamp > ?3
		ORDER BY seq LIMIT ?4)
	RETURNING ` + sqlrow.MessageCols + ", seq"

// forgetNodesSQL drops the heartbeats of dead nodes: a node without one is
// dead all the same, so the table keeps only the living.
const forgetNodesSQL = `DELETE FROM nodes WHERE seen < ?2 AND id <> ?1`

// errNoNode refuses a heartbeat or adoption without a node id, which would
// make messages look as if no node had them.
var errNoNode = errors.New("sqlite: a node id is required")

// Heartbeat records that node was alive at now.
func (s *Store) Heartbeat(ctx context.Context, node string, now time.Time) error {
	if node == "" {
		return errNoNode
	}
	return s.w.do(ctx, func(t *wtx) error {
		if _, err := t.exec(heartbeatSQL, node, sqlrow.Nanos(now)); err != nil {
			return fmt.Errorf("sqlite: heartbeat: %w", err)
		}
		return nil
	})
}

// AdoptMessages makes node the node of up to limit unfinished messages newer
// than since whose node had no heartbeat since deadBefore, and returns them
// oldest first. It is one write: stores on one file take turns at its write
// lock, so two adoptions never take the same message.
func (s *Store) AdoptMessages(ctx context.Context, node string, deadBefore, since time.Time, limit int) ([]*wabi.Message, error) {
	if node == "" {
		return nil, errNoNode
	}
	if limit <= 0 {
		return nil, nil
	}
	type adopted struct {
		m   *wabi.Message
		seq int64
	}
	var got []adopted
	err := s.w.do(ctx, func(t *wtx) error {
		got = got[:0] // a request run again starts afresh
		rows, err := t.conn.QueryContext(t.ctx, adoptSQL, node, sqlrow.Nanos(deadBefore), sqlrow.Nanos(since), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a adopted
			if a.m, err = sqlrow.ScanMessage(sqlrow.Extra(rows, &a.seq)); err != nil {
				return err
			}
			got = append(got, a)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = t.exec(forgetNodesSQL, node, sqlrow.Nanos(deadBefore))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: adopt messages: %w", err)
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(got, func(a, b adopted) int { return cmp.Compare(a.seq, b.seq) })
	ms := make([]*wabi.Message, len(got))
	for i, a := range got {
		ms[i] = a.m
	}
	return ms, nil
}
