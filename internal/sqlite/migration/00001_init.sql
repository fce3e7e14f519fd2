-- The first schema of wabi's SQLite store. Times are unix nanoseconds (UTC), 0 for
-- the zero time. Every table has an INTEGER PRIMARY KEY seq so that lists keep
-- insertion order and hot inserts append to the end of the table's b-tree.

-- +goose Up
CREATE TABLE businesses (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE wabas (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    business_id TEXT    NOT NULL REFERENCES businesses (id),
    name        TEXT    NOT NULL,
    currency    TEXT    NOT NULL,
    timezone_id TEXT    NOT NULL,
    namespace   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX wabas_business ON wabas (business_id);

CREATE TABLE phone_numbers (
    seq                  INTEGER PRIMARY KEY,
    id                   TEXT    NOT NULL UNIQUE,
    waba_id              TEXT    NOT NULL REFERENCES wabas (id),
    display_phone_number TEXT    NOT NULL UNIQUE,
    verified_name        TEXT    NOT NULL,
    platform             TEXT    NOT NULL,
    registered           INTEGER NOT NULL,
    quality_rating       TEXT    NOT NULL,
    created_at           INTEGER NOT NULL
);
CREATE INDEX phone_numbers_waba ON phone_numbers (waba_id);

CREATE TABLE apps (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    business_id  TEXT    NOT NULL REFERENCES businesses (id),
    name         TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    callback_url TEXT    NOT NULL,
    verify_token TEXT    NOT NULL,
    fields       TEXT    NOT NULL, -- JSON array of strings
    api_version  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX apps_business ON apps (business_id);

CREATE TABLE subscriptions (
    seq                   INTEGER PRIMARY KEY,
    waba_id               TEXT    NOT NULL REFERENCES wabas (id),
    app_id                TEXT    NOT NULL REFERENCES apps (id),
    override_callback_url TEXT    NOT NULL,
    verify_token          TEXT    NOT NULL,
    created_at            INTEGER NOT NULL,
    UNIQUE (waba_id, app_id)
);
CREATE INDEX subscriptions_app ON subscriptions (app_id);

CREATE TABLE tokens (
    seq         INTEGER PRIMARY KEY,
    value       TEXT    NOT NULL UNIQUE,
    business_id TEXT    NOT NULL REFERENCES businesses (id),
    app_id      TEXT    NOT NULL DEFAULT '', -- the app the token was issued for, '' if none
    name        TEXT    NOT NULL,
    waba_ids    TEXT    NOT NULL, -- JSON array of strings
    scopes      TEXT    NOT NULL, -- JSON array of strings
    created_at  INTEGER NOT NULL
);
CREATE INDEX tokens_business ON tokens (business_id);

CREATE TABLE templates (
    seq              INTEGER PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    waba_id          TEXT    NOT NULL REFERENCES wabas (id),
    name             TEXT    NOT NULL,
    language         TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    components       TEXT    NOT NULL, -- JSON array of components
    parameter_format TEXT    NOT NULL,
    rejected_reason  TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (waba_id, name, language)
);

CREATE TABLE virtual_phones (
    seq          INTEGER PRIMARY KEY,
    wa_id        TEXT    NOT NULL UNIQUE,
    profile_name TEXT    NOT NULL,
    behaviour    TEXT    NOT NULL, -- JSON object
    created_at   INTEGER NOT NULL
);

CREATE TABLE messages (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    phone_number_id TEXT    NOT NULL,
    wa_id           TEXT    NOT NULL,
    direction       TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    timestamp       INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    status_rank     INTEGER NOT NULL,
    status_at       INTEGER NOT NULL,
    error           TEXT,             -- JSON of the error, NULL if none
    category        TEXT    NOT NULL,
    conversation_id TEXT    NOT NULL,
    biz_opaque      TEXT    NOT NULL,
    input           TEXT    NOT NULL,
    content         TEXT    NOT NULL  -- JSON of the message's content
);
CREATE INDEX messages_chat ON messages (phone_number_id, wa_id);
-- Only messages the network still owes a status are indexed: the index stays as
-- small as the traffic in flight, and finished messages cost it nothing.
CREATE INDEX messages_unfinished ON messages (seq)
    WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered');

CREATE TABLE windows (
    phone_number_id TEXT    NOT NULL,
    wa_id           TEXT    NOT NULL,
    last_inbound    INTEGER NOT NULL,
    PRIMARY KEY (phone_number_id, wa_id)
) WITHOUT ROWID;

CREATE TABLE deliveries (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    dialect         TEXT    NOT NULL,
    target_id       TEXT    NOT NULL,
    phone_number_id TEXT    NOT NULL,
    wa_id           TEXT    NOT NULL,
    message_id      TEXT    NOT NULL,
    event           TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_status     INTEGER NOT NULL,
    last_error      TEXT    NOT NULL
);
-- Likewise only pending deliveries: delivered ones leave the index.
CREATE INDEX deliveries_pending ON deliveries (seq) WHERE state = 'pending';
CREATE INDEX deliveries_message ON deliveries (message_id);

CREATE TABLE attempts (
    seq         INTEGER PRIMARY KEY,
    delivery_id TEXT    NOT NULL REFERENCES deliveries (id),
    n           INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    url         TEXT    NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT    NOT NULL,
    response    TEXT    NOT NULL,
    latency_ns  INTEGER NOT NULL
);
CREATE INDEX attempts_delivery ON attempts (delivery_id, n);

-- +goose Down
DROP TABLE attempts;
DROP TABLE deliveries;
DROP TABLE windows;
DROP TABLE messages;
DROP TABLE virtual_phones;
DROP TABLE templates;
DROP TABLE tokens;
DROP TABLE subscriptions;
DROP TABLE apps;
DROP TABLE phone_numbers;
DROP TABLE wabas;
DROP TABLE businesses;
