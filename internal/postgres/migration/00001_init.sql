-- The schema of wabi's PostgreSQL store: the same tables as the SQLite store's
-- migrations add up to, written for PostgreSQL in one step.
--
-- Times are unix nanoseconds (UTC) in BIGINT, 0 for the zero time, so that they
-- round-trip exactly. Every text column sorts and compares byte by byte
-- (COLLATE "C"), as SQLite does: list orders and key prefixes do not depend on the
-- database's locale, and comparisons skip the locale's rules. JSON is kept as
-- text: wabi never queries into it, and text keeps what jsonb would reject
-- (\u0000). Text that a remote server chose (a webhook receiver's answer, the
-- errors it caused) is BYTEA, since PostgreSQL text cannot hold a NUL byte.
-- Tables with a list order have a seq identity: lists keep insertion order and
-- hot inserts append to the end of the primary key's b-tree.

-- +goose Up

-- wabi_must_hit(n) raises no_data_found (SQLSTATE P0002) when n is 0. Writes
-- that must touch a row pass it how many they touched, so that a miss aborts the
-- statement on the server: a group of writes is sent in one round trip and cannot
-- be inspected between its statements.
-- +goose StatementBegin
CREATE FUNCTION wabi_must_hit(n bigint) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF n = 0 THEN
        RAISE EXCEPTION 'no row matched' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN n;
END
$$;
-- +goose StatementEnd

CREATE TABLE businesses (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    name       TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE wabas (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    business_id TEXT COLLATE "C" NOT NULL REFERENCES businesses (id),
    name        TEXT COLLATE "C" NOT NULL,
    currency    TEXT COLLATE "C" NOT NULL,
    timezone_id TEXT COLLATE "C" NOT NULL,
    namespace   TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX wabas_business ON wabas (business_id);

CREATE TABLE phone_numbers (
    seq                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                       TEXT COLLATE "C" NOT NULL UNIQUE,
    waba_id                  TEXT COLLATE "C" NOT NULL REFERENCES wabas (id),
    display_phone_number     TEXT COLLATE "C" NOT NULL UNIQUE,
    verified_name            TEXT COLLATE "C" NOT NULL,
    platform                 TEXT COLLATE "C" NOT NULL,
    registered               BOOLEAN NOT NULL,
    quality_rating           TEXT COLLATE "C" NOT NULL,
    created_at               BIGINT NOT NULL,
    code_verification_status TEXT COLLATE "C" NOT NULL,
    name_status              TEXT COLLATE "C" NOT NULL,
    throughput               TEXT COLLATE "C" NOT NULL,
    messaging_limit          TEXT COLLATE "C" NOT NULL,
    pin_hash                 TEXT COLLATE "C" NOT NULL,
    pending_code             TEXT COLLATE "C" NOT NULL,
    pending_code_expires_at  BIGINT NOT NULL,
    registrations            TEXT COLLATE "C" NOT NULL -- JSON array of unix nanoseconds
);
CREATE INDEX phone_numbers_waba ON phone_numbers (waba_id);

CREATE TABLE apps (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT COLLATE "C" NOT NULL UNIQUE,
    business_id  TEXT COLLATE "C" NOT NULL REFERENCES businesses (id),
    name         TEXT COLLATE "C" NOT NULL,
    secret       TEXT COLLATE "C" NOT NULL,
    callback_url TEXT COLLATE "C" NOT NULL,
    verify_token TEXT COLLATE "C" NOT NULL,
    fields       TEXT COLLATE "C" NOT NULL, -- JSON array of strings
    api_version  TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX apps_business ON apps (business_id);

CREATE TABLE subscriptions (
    seq                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    waba_id               TEXT COLLATE "C" NOT NULL REFERENCES wabas (id),
    app_id                TEXT COLLATE "C" NOT NULL REFERENCES apps (id),
    override_callback_url TEXT COLLATE "C" NOT NULL,
    verify_token          TEXT COLLATE "C" NOT NULL,
    created_at            BIGINT NOT NULL,
    UNIQUE (waba_id, app_id)
);
CREATE INDEX subscriptions_app ON subscriptions (app_id);

CREATE TABLE tokens (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    value       TEXT COLLATE "C" NOT NULL UNIQUE,
    business_id TEXT COLLATE "C" NOT NULL REFERENCES businesses (id),
    app_id      TEXT COLLATE "C" NOT NULL, -- the app the token was issued for, '' if none
    name        TEXT COLLATE "C" NOT NULL,
    waba_ids    TEXT COLLATE "C" NOT NULL, -- JSON array of strings
    scopes      TEXT COLLATE "C" NOT NULL, -- JSON array of strings
    created_at  BIGINT NOT NULL
);
CREATE INDEX tokens_business ON tokens (business_id);

CREATE TABLE templates (
    seq                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                    TEXT COLLATE "C" NOT NULL UNIQUE,
    waba_id               TEXT COLLATE "C" NOT NULL REFERENCES wabas (id),
    name                  TEXT COLLATE "C" NOT NULL,
    language              TEXT COLLATE "C" NOT NULL,
    category              TEXT COLLATE "C" NOT NULL,
    status                TEXT COLLATE "C" NOT NULL,
    components            TEXT COLLATE "C" NOT NULL, -- JSON array of components
    parameter_format      TEXT COLLATE "C" NOT NULL,
    rejected_reason       TEXT COLLATE "C" NOT NULL,
    created_at            BIGINT NOT NULL,
    quality_score         TEXT COLLATE "C" NOT NULL,
    previous_category     TEXT COLLATE "C" NOT NULL,
    allow_category_change BOOLEAN NOT NULL,
    updated_at            BIGINT NOT NULL,
    edits                 TEXT COLLATE "C" NOT NULL, -- JSON array of unix nanoseconds
    UNIQUE (waba_id, name, language)
);

CREATE TABLE virtual_phones (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wa_id        TEXT COLLATE "C" NOT NULL UNIQUE,
    profile_name TEXT COLLATE "C" NOT NULL,
    behaviour    TEXT COLLATE "C" NOT NULL, -- JSON object
    created_at   BIGINT NOT NULL
);

CREATE TABLE messages (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT COLLATE "C" NOT NULL UNIQUE,
    phone_number_id TEXT COLLATE "C" NOT NULL,
    wa_id           TEXT COLLATE "C" NOT NULL,
    direction       TEXT COLLATE "C" NOT NULL,
    type            TEXT COLLATE "C" NOT NULL,
    timestamp       BIGINT NOT NULL,
    status          TEXT COLLATE "C" NOT NULL,
    status_rank     INTEGER NOT NULL,
    status_at       BIGINT NOT NULL,
    error           TEXT COLLATE "C", -- JSON of the error, NULL if none
    category        TEXT COLLATE "C" NOT NULL,
    conversation_id TEXT COLLATE "C" NOT NULL,
    biz_opaque      TEXT COLLATE "C" NOT NULL,
    input           TEXT COLLATE "C" NOT NULL,
    content         TEXT COLLATE "C" NOT NULL -- JSON of the message's content
);
CREATE INDEX messages_chat ON messages (phone_number_id, wa_id);
-- A number's messages by time: analytics ranges, garbage collection and
-- retention read only the range they need.
CREATE INDEX messages_time ON messages (phone_number_id, timestamp);
-- Only messages the network still owes a status are indexed: the index stays as
-- small as the traffic in flight, and finished messages cost it nothing.
CREATE INDEX messages_unfinished ON messages (seq)
    WHERE direction = 'outbound' AND status IN ('accepted', 'sent', 'delivered');

CREATE TABLE windows (
    phone_number_id TEXT COLLATE "C" NOT NULL,
    wa_id           TEXT COLLATE "C" NOT NULL,
    last_inbound    BIGINT NOT NULL,
    PRIMARY KEY (phone_number_id, wa_id)
);

CREATE TABLE deliveries (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT COLLATE "C" NOT NULL UNIQUE,
    dialect         TEXT COLLATE "C" NOT NULL,
    target_id       TEXT COLLATE "C" NOT NULL,
    waba_id         TEXT COLLATE "C" NOT NULL,
    phone_number_id TEXT COLLATE "C" NOT NULL,
    wa_id           TEXT COLLATE "C" NOT NULL,
    message_id      TEXT COLLATE "C" NOT NULL,
    event           TEXT COLLATE "C" NOT NULL,
    body            BYTEA NOT NULL,
    state           TEXT COLLATE "C" NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    last_status     INTEGER NOT NULL,
    last_error      BYTEA NOT NULL
);
-- Likewise only pending deliveries: delivered ones leave the index.
CREATE INDEX deliveries_pending ON deliveries (seq) WHERE state = 'pending';
CREATE INDEX deliveries_message ON deliveries (message_id);
-- Retention deletes finished deliveries by when they finished.
CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE state <> 'pending';

CREATE TABLE attempts (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id TEXT COLLATE "C" NOT NULL REFERENCES deliveries (id),
    n           INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    url         TEXT COLLATE "C" NOT NULL,
    status_code INTEGER NOT NULL,
    error       BYTEA NOT NULL,
    response    BYTEA NOT NULL,
    latency_ns  BIGINT NOT NULL
);
CREATE INDEX attempts_delivery ON attempts (delivery_id, n);

CREATE TABLE media (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT COLLATE "C" NOT NULL UNIQUE,
    phone_number_id TEXT COLLATE "C" NOT NULL REFERENCES phone_numbers (id),
    sha256          TEXT COLLATE "C" NOT NULL, -- hex digest: where the bytes are in the blob store
    mime_type       TEXT COLLATE "C" NOT NULL,
    size            BIGINT NOT NULL,
    filename        TEXT COLLATE "C" NOT NULL,
    animated        BOOLEAN NOT NULL,
    origin          TEXT COLLATE "C" NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX media_expiry ON media (expires_at);
CREATE INDEX media_sha256 ON media (sha256);

-- One row per number whose profile was ever set; a number without a row has an
-- empty profile.
CREATE TABLE profiles (
    phone_number_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES phone_numbers (id),
    about             TEXT COLLATE "C" NOT NULL,
    address           TEXT COLLATE "C" NOT NULL,
    description       TEXT COLLATE "C" NOT NULL,
    email             TEXT COLLATE "C" NOT NULL,
    websites          TEXT COLLATE "C" NOT NULL, -- JSON array of strings
    vertical          TEXT COLLATE "C" NOT NULL,
    picture_sha256    TEXT COLLATE "C" NOT NULL, -- '' when there is no picture
    picture_mime_type TEXT COLLATE "C" NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX profiles_picture ON profiles (picture_sha256) WHERE picture_sha256 <> '';

CREATE TABLE upload_sessions (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT COLLATE "C" NOT NULL UNIQUE,
    app_id      TEXT COLLATE "C" NOT NULL REFERENCES apps (id),
    file_name   TEXT COLLATE "C" NOT NULL,
    file_length BIGINT NOT NULL,
    file_type   TEXT COLLATE "C" NOT NULL,
    file_offset BIGINT NOT NULL,
    chunks      TEXT COLLATE "C" NOT NULL, -- JSON array of blob digests, in order
    sha256      TEXT COLLATE "C" NOT NULL, -- the whole file's blob once complete, else ''
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX upload_sessions_sha256 ON upload_sessions (sha256) WHERE sha256 <> '';
CREATE INDEX upload_sessions_expiry ON upload_sessions (expires_at);

-- Records: small documents of a number's own state that no other table owns
-- (On-Premises users, sessions, settings, ...). The primary key is the order
-- Records lists them in, and its prefix (scope, kind) serves the prefix scans.
-- expires_at is 0 for a record that never expires.
CREATE TABLE records (
    scope      TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    value      BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (scope, kind, key)
);
-- Only records that expire are indexed: DeleteExpiredRecords reads just those.
CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at <> 0;

-- What analytics count of the messages DeleteMessages and ExpireMessages removed:
-- the columns of messages that MessageStats reads, without the content.
CREATE TABLE message_history (
    phone_number_id TEXT COLLATE "C" NOT NULL,
    wa_id           TEXT COLLATE "C" NOT NULL,
    direction       TEXT COLLATE "C" NOT NULL,
    timestamp       BIGINT NOT NULL,
    status          TEXT COLLATE "C" NOT NULL,
    status_rank     INTEGER NOT NULL,
    category        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX message_history_time ON message_history (phone_number_id, timestamp);

-- +goose Down
DROP TABLE message_history;
DROP TABLE records;
DROP TABLE upload_sessions;
DROP TABLE profiles;
DROP TABLE media;
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
DROP FUNCTION wabi_must_hit(bigint);
