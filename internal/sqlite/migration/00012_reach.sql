-- +goose Up
-- The customers each business reached with business-initiated messages, and
-- through which of its numbers: one row per (business, customer, number), at
-- the last time. Meta's messaging limit counts the unique customers of a
-- business in a moving 24 hours; the quality rating, a number's customers of
-- the last 7 days. Times are unix nanoseconds.
CREATE TABLE reach (
    business_id     TEXT    NOT NULL,
    wa_id           TEXT    NOT NULL,
    phone_number_id TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (business_id, wa_id, phone_number_id)
) WITHOUT ROWID;
CREATE INDEX reach_window ON reach (business_id, at, wa_id);
CREATE INDEX reach_number ON reach (phone_number_id, at, wa_id);
CREATE INDEX reach_at ON reach (at);
-- Blocks and reports of business numbers by customers, as they happened.
CREATE TABLE reach_feedback (
    phone_number_id TEXT    NOT NULL,
    wa_id           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX reach_feedback_number ON reach_feedback (phone_number_id, at);
CREATE INDEX reach_feedback_at ON reach_feedback (at);
-- Who blocks each business number now.
CREATE TABLE reach_blocks (
    phone_number_id TEXT    NOT NULL,
    wa_id           TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (phone_number_id, wa_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE reach_blocks;
DROP TABLE reach_feedback;
DROP TABLE reach;
