-- +goose Up
-- A park and a head finishing on another node must not cross: a park that
-- read the head as pending while it finished would park the next delivery
-- after the finish's unpark had run, leaving it parked until the park runs
-- out. So both take a transaction advisory lock on the key: the unpark waits
-- for a park of its key to commit, and a park passes over a key whose head is
-- finishing (pg_try_advisory_xact_lock), leaving it unparked.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION wabi_unpark_next() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(wabi_key_lock(NEW.target_id, NEW.phone_number_id, NEW.wa_id));
    UPDATE deliveries SET parked_until = 0
    WHERE seq = (SELECT o.seq FROM deliveries o
            WHERE o.state = 'pending' AND o.target_id = NEW.target_id
                AND o.phone_number_id = NEW.phone_number_id AND o.wa_id = NEW.wa_id
            ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT 1)
        AND parked_until <> 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION wabi_key_lock(target TEXT, number TEXT, wa TEXT) RETURNS BIGINT
LANGUAGE sql IMMUTABLE AS $$
    SELECT hashtextextended('wabi delivery key/' || target || '/' || number || '/' || wa, 0)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION wabi_unpark_next() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deliveries SET parked_until = 0
    WHERE seq = (SELECT o.seq FROM deliveries o
            WHERE o.state = 'pending' AND o.target_id = NEW.target_id
                AND o.phone_number_id = NEW.phone_number_id AND o.wa_id = NEW.wa_id
            ORDER BY coalesce(o.ord, o.seq), o.seq LIMIT 1)
        AND parked_until <> 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP FUNCTION wabi_key_lock(TEXT, TEXT, TEXT);
