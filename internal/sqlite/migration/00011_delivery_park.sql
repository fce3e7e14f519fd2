-- +goose Up
-- A claim looks at a delivery behind the head of its key once, and then parks
-- it (unix nanoseconds until it is looked at again; 0 when not parked), so that
-- a long backlog behind one customer's head does not cost every claim a probe
-- per delivery. When a claimed head finishes, the trigger below unparks the
-- next one (deliveries never claimed, on a node alone, skip it);
-- parks also run out, which bounds what a missed unpark can cost.
ALTER TABLE deliveries ADD COLUMN parked_until INTEGER NOT NULL DEFAULT 0;
-- What claims look at, oldest first: pending deliveries that are not parked.
-- It takes the place of deliveries_pending, so that sends pay for one index of
-- pending deliveries, not two; all of them, in seq order, are the union of the
-- two indexes below.
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_unparked ON deliveries (seq) WHERE state = 'pending' AND parked_until = 0;
-- Parked ones by when they run out. New deliveries are not parked: this index
-- costs sends nothing.
CREATE INDEX deliveries_parked ON deliveries (parked_until, seq) WHERE state = 'pending' AND parked_until <> 0;
-- +goose StatementBegin
CREATE TRIGGER deliveries_unpark AFTER UPDATE OF state ON deliveries
WHEN OLD.state = 'pending' AND NEW.state <> 'pending' AND OLD.lease_owner <> ''
BEGIN
    UPDATE deliveries SET parked_until = 0
    WHERE seq = (SELECT o.seq FROM deliveries o
            WHERE o.state = 'pending' AND o.target_id = NEW.target_id
                AND o.phone_number_id = NEW.phone_number_id AND o.wa_id = NEW.wa_id
            ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT 1)
        AND parked_until <> 0;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER deliveries_unpark;
DROP INDEX deliveries_parked;
DROP INDEX deliveries_unparked;
CREATE INDEX deliveries_pending ON deliveries (seq) WHERE state = 'pending';
ALTER TABLE deliveries DROP COLUMN parked_until;
