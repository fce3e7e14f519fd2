-- Phone number registration and ownership, business profiles and resumable
-- upload sessions. Numbers that existed before this migration were created by the
-- operator, ready to send: they default to verified, approved and standard.

-- +goose Up
ALTER TABLE phone_numbers ADD COLUMN code_verification_status TEXT NOT NULL DEFAULT 'VERIFIED';
ALTER TABLE phone_numbers ADD COLUMN name_status TEXT NOT NULL DEFAULT 'APPROVED';
ALTER TABLE phone_numbers ADD COLUMN throughput TEXT NOT NULL DEFAULT 'STANDARD';
ALTER TABLE phone_numbers ADD COLUMN messaging_limit TEXT NOT NULL DEFAULT 'TIER_250';
ALTER TABLE phone_numbers ADD COLUMN pin_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN pending_code TEXT NOT NULL DEFAULT '';
ALTER TABLE phone_numbers ADD COLUMN pending_code_expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE phone_numbers ADD COLUMN registrations TEXT NOT NULL DEFAULT '[]'; -- JSON array of unix nanoseconds

-- One row per number whose profile was ever set; a number without a row has an
-- empty profile.
CREATE TABLE profiles (
    phone_number_id   TEXT    PRIMARY KEY REFERENCES phone_numbers (id),
    about             TEXT    NOT NULL,
    address           TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    email             TEXT    NOT NULL,
    websites          TEXT    NOT NULL, -- JSON array of strings
    vertical          TEXT    NOT NULL,
    picture_sha256    TEXT    NOT NULL, -- '' when there is no picture
    picture_mime_type TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX profiles_picture ON profiles (picture_sha256) WHERE picture_sha256 != '';

CREATE TABLE upload_sessions (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    app_id      TEXT    NOT NULL REFERENCES apps (id),
    file_name   TEXT    NOT NULL,
    file_length INTEGER NOT NULL,
    file_type   TEXT    NOT NULL,
    file_offset INTEGER NOT NULL,
    chunks      TEXT    NOT NULL, -- JSON array of blob digests, in order
    sha256      TEXT    NOT NULL, -- the whole file's blob once complete, else ''
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX upload_sessions_sha256 ON upload_sessions (sha256) WHERE sha256 != '';

-- +goose Down
DROP TABLE upload_sessions;
DROP TABLE profiles;
ALTER TABLE phone_numbers DROP COLUMN registrations;
ALTER TABLE phone_numbers DROP COLUMN pending_code_expires_at;
ALTER TABLE phone_numbers DROP COLUMN pending_code;
ALTER TABLE phone_numbers DROP COLUMN pin_hash;
ALTER TABLE phone_numbers DROP COLUMN messaging_limit;
ALTER TABLE phone_numbers DROP COLUMN throughput;
ALTER TABLE phone_numbers DROP COLUMN name_status;
ALTER TABLE phone_numbers DROP COLUMN code_verification_status;
