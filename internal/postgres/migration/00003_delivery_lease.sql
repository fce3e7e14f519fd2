-- +goose Up
-- Several wabi nodes share the outbox: a node claims a delivery by writing its
-- own id and when its lease runs out (unix nanoseconds; 0 when free).
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
-- A delivery's place in its key is its seq, or ord once a manual redelivery has
-- moved it behind the others (a fresh value of seq's sequence): new rows pay
-- nothing for it.
ALTER TABLE deliveries ADD COLUMN ord BIGINT;
-- The pending deliveries of each key in order, so that a claim tells a key's
-- head with one probe. Like deliveries_pending, finished rows leave it.
CREATE INDEX deliveries_key ON deliveries (target_id, phone_number_id, wa_id, (coalesce(ord, seq)), seq)
    WHERE state = 'pending';

-- +goose Down
DROP INDEX deliveries_key;
ALTER TABLE deliveries DROP COLUMN ord;
ALTER TABLE deliveries DROP COLUMN lease_until;
ALTER TABLE deliveries DROP COLUMN lease_owner;
