-- +goose Up
CREATE TABLE media (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    phone_number_id TEXT    NOT NULL REFERENCES phone_numbers (id),
    sha256          TEXT    NOT NULL, -- hex digest: where the bytes are in the blob store
    mime_type       TEXT    NOT NULL,
    size            INTEGER NOT NULL,
    filename        TEXT    NOT NULL,
    animated        INTEGER NOT NULL,
    origin          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX media_expiry ON media (expires_at);
CREATE INDEX media_sha256 ON media (sha256);

-- +goose Down
DROP TABLE media;
