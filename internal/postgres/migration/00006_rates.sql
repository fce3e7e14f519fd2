-- +goose Up
-- The token buckets of the rate limits, shared by every node: each is kept as
-- its theoretical arrival time (GCRA), in unix nanoseconds, the time at which
-- it is full again. A bucket without a row is full; rows of full buckets are
-- deleted now and then.
CREATE TABLE rate_buckets (
    key TEXT COLLATE "C" PRIMARY KEY,
    tat BIGINT NOT NULL
);

-- wabi_take_tokens takes ns[i] tokens from each bucket (keys[i], which holds
-- bursts[i] tokens and gets one back every intervals[i] nanoseconds) at
-- at_ns, from all of them or from none, and returns, in the order of keys,
-- whether the take was granted, the whole tokens each bucket holds and how
-- long until its take alone would be granted (wabi.Take.Apply in Go). The
-- buckets taken from are locked in key order, a bucket never seen getting its
-- row first, so that takers never deadlock and never both take the last
-- token; buckets only read (ns[i] = 0) are not locked.
-- +goose StatementBegin
CREATE FUNCTION wabi_take_tokens(keys TEXT[], bursts BIGINT[], intervals BIGINT[], ns BIGINT[], at_ns BIGINT)
RETURNS TABLE (granted BOOLEAN, remaining BIGINT, retry_after BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    cnt INT := coalesce(cardinality(keys), 0);
    nexts BIGINT[] := '{}';
    rems BIGINT[] := '{}';
    afters BIGINT[] := '{}';
    waits BIGINT[] := '{}';
    ok BOOLEAN := true;
    i INT;
    k TEXT;
    t BIGINT;
    fill BIGINT;
    nx BIGINT;
    w BIGINT;
BEGIN
    FOR k IN SELECT u.k FROM unnest(keys, ns) AS u(k, n) WHERE u.n > 0 ORDER BY u.k COLLATE "C" LOOP
        LOOP
            PERFORM 1 FROM rate_buckets b WHERE b.key = k FOR UPDATE;
            EXIT WHEN FOUND;
            INSERT INTO rate_buckets (key, tat) VALUES (k, 0) ON CONFLICT DO NOTHING;
            -- Inserted: the row is this transaction's until it commits. Not
            -- inserted: another taker's row committed meanwhile; lock it.
            EXIT WHEN FOUND;
        END LOOP;
    END LOOP;
    FOR i IN 1..cnt LOOP
        t := NULL;
        SELECT b.tat INTO t FROM rate_buckets b WHERE b.key = keys[i];
        t := greatest(coalesce(t, 0), at_ns);
        fill := bursts[i] * intervals[i];
        nx := t + greatest(ns[i], 1) * intervals[i];
        w := nx - fill - at_ns;
        -- What the bucket holds without the take, and with it.
        rems[i] := greatest(at_ns + fill - t, 0) / intervals[i];
        waits[i] := greatest(w, 0);
        IF ns[i] > 0 AND w > 0 THEN
            ok := false;
        ELSIF ns[i] > 0 THEN
            nexts[i] := nx;
            afters[i] := greatest(at_ns + fill - nx, 0) / intervals[i];
        END IF;
    END LOOP;
    IF ok THEN
        FOR i IN 1..cnt LOOP
            IF ns[i] > 0 THEN
                UPDATE rate_buckets b SET tat = nexts[i] WHERE b.key = keys[i];
                rems[i] := afters[i];
            END IF;
        END LOOP;
    END IF;
    RETURN QUERY SELECT ok, u.r, u.w FROM unnest(rems, waits) WITH ORDINALITY AS u(r, w, o) ORDER BY u.o;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION wabi_take_tokens(TEXT[], BIGINT[], BIGINT[], BIGINT[], BIGINT);
DROP TABLE rate_buckets;
