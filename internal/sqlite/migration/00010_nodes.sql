-- +goose Up
-- Several wabi nodes may share the store. Each outbound message names the node
-- whose network owes it its statuses; '' for messages stored before nodes had
-- ids, which any node may take over.
ALTER TABLE messages ADD COLUMN node TEXT NOT NULL DEFAULT '';
-- The messages the network still owes a status, now by node: adoption finds the
-- nodes that owe any with one seek per node, and a dead node's messages in
-- order. Entries end with seq (the rowid); Unfinished, which reads every entry
-- anyway, sorts them.
DROP INDEX messages_unfinished;
CREATE INDEX messages_unfinished ON messages (node)
    WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered');
-- When each node was last alive (unix nanoseconds). A node without a row is
-- dead: rows of dead nodes are dropped when their messages are adopted.
CREATE TABLE nodes (
    id   TEXT    PRIMARY KEY,
    seen INTEGER NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE nodes;
DROP INDEX messages_unfinished;
CREATE INDEX messages_unfinished ON messages (seq)
    WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered');
ALTER TABLE messages DROP COLUMN node;
