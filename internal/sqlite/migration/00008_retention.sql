-- +goose Up
-- Retention deletes finished deliveries (delivered or failed) by when they
-- finished. Only finished ones are indexed, so the sweep reads just the oldest of
-- them and pending deliveries cost the index nothing.
CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE state != 'pending';

-- +goose Down
DROP INDEX deliveries_finished;
