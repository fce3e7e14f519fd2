package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// heartbeatSQL records a node's heartbeat; a late one never moves it back.
const heartbeatSQL = `INSERT INTO nodes (id, seen) VALUES ($1, $2)
	ON CONFLICT (id) DO UPDATE SET seen = greatest(nodes.seen, excluded.seen)`

// adoptSQL hands the oldest unfinished messages of dead nodes to $1. owners
// lists the nodes that owe any message, one seek of messages_unfinished per
// node (a loose index scan), so a pass costs the nodes, not the traffic in
// flight; dead keeps those without a heartbeat since $2. picked locks what it
// takes and skips what another adopter (or a status write) holds; a row that
// changed meanwhile is checked again as it now is, so a message another node
// just adopted, or that finished, is not taken. The status literals are those
// of the partial index, so that it applies.
const adoptSQL = `WITH RECURSIVE owners(node) AS (
		SELECT (SELECT min(node) FROM messages
			WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered'))
		UNION ALL
		SELECT (SELECT min(node) FROM messages
			WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered') AND node > owners.node)
		FROM owners WHERE owners.node IS NOT NULL),
	dead(node) AS (
		SELECT node FROM owners WHERE node IS NOT NULL AND node <> $1
			AND NOT EXISTS (SELECT 1 FROM nodes WHERE id = owners.node AND seen >= $2)),
	picked AS (
		SELECT seq FROM messages
		WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered')
			AND node IN (SELECT node FROM dead) AND timestamp > $3
		ORDER BY seq LIMIT $4
		FOR UPDATE SKIP LOCKED)
	UPDATE messages m SET node = $1 FROM picked WHERE m.seq = picked.seq
	RETURNING ` + adoptedCols

// adoptedCols are sqlrow.MessageCols of the updated rows, then seq.
const adoptedCols = `m.id, m.phone_number_id, m.wa_id, m.direction, m.type, m.timestamp, m.status,
	m.status_rank, m.status_at, m.error, m.category, m.conversation_id, m.biz_opaque, m.input,
	m.content, m.node, m.seq`

// forgetNodesSQL drops the heartbeats of dead nodes: a node without one is
// dead all the same, so the table keeps only the living.
const forgetNodesSQL = `DELETE FROM nodes WHERE seen < $2 AND id <> $1`

// errNoNode refuses a heartbeat or adoption without a node id, which would
// make messages look as if no node had them.
var errNoNode = errors.New("postgres: a node id is required")

// Heartbeat records that node was alive at now.
func (s *Store) Heartbeat(ctx context.Context, node string, now time.Time) error {
	if node == "" {
		return errNoNode
	}
	return s.w.do(ctx, op{sql: heartbeatSQL, args: []any{node, sqlrow.Nanos(now)}, what: "heartbeat of node " + node})
}

// AdoptMessages makes node the node of up to limit unfinished messages newer
// than since whose node had no heartbeat since deadBefore, and returns them
// oldest first. Adopters on several nodes lock what they take and skip what
// another holds, so they never take the same message. The heartbeats of dead
// nodes are dropped first, in a write of their own: a node coming back to life
// at that moment must not make the adoption wait for its heartbeat's lock.
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
	if err := s.w.do(ctx, op{sql: forgetNodesSQL, args: []any{node, sqlrow.Nanos(deadBefore)}, what: "dead nodes"}); err != nil {
		return nil, err
	}
	var got []adopted
	var scanErr error
	err := s.w.do(ctx, op{sql: adoptSQL, args: []any{node, sqlrow.Nanos(deadBefore), sqlrow.Nanos(since), limit},
		what: "adopted messages", rows: func(rows pgx.Rows) {
			got, scanErr = got[:0], nil // a group sent again starts afresh
			for rows.Next() {
				var a adopted
				var err error
				if a.m, err = sqlrow.ScanMessage(sqlrow.Extra(rows, &a.seq)); err != nil {
					scanErr = err
					continue
				}
				got = append(got, a)
			}
		}})
	if err != nil {
		return nil, err
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(got, func(a, b adopted) int { return cmp.Compare(a.seq, b.seq) })
	ms := make([]*wabi.Message, len(got))
	for i, a := range got {
		ms[i] = a.m
	}
	// The adoption is committed by the time a row turns out unreadable: the
	// messages that could be read are returned with the error, for the caller
	// to deliver.
	return ms, scanErr
}
