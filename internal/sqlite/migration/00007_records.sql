-- Records: small documents of a number's own state that no other table owns
-- (On-Premises users, sessions, settings, ...). The primary key is the order
-- Records lists them in, and its prefix (scope, kind) serves the prefix scans.
-- expires_at is 0 for a record that never expires.

-- +goose Up
CREATE TABLE records (
    scope      TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      BLOB    NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, kind, key)
) WITHOUT ROWID;
-- Only records that expire are indexed: DeleteExpiredRecords reads just those.
CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at != 0;

-- What analytics count of the messages DeleteMessages removed: the columns of
-- messages that MessageStats reads, without the content. Analytics are history,
-- so garbage-collecting a number's messages must not change its past counts.
CREATE TABLE message_history (
    phone_number_id TEXT    NOT NULL,
    wa_id           TEXT    NOT NULL,
    direction       TEXT    NOT NULL,
    timestamp       INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    status_rank     INTEGER NOT NULL,
    category        TEXT    NOT NULL
);
CREATE INDEX message_history_time ON message_history (phone_number_id, timestamp);

-- +goose Down
DROP TABLE message_history;
DROP TABLE records;
