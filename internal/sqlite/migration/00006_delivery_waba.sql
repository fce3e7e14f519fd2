-- +goose Up
-- The WABA a delivery is for: where its override callback URL is found, also for
-- WABA-level events (templates) that have no phone number.
ALTER TABLE deliveries ADD COLUMN waba_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE deliveries DROP COLUMN waba_id;
