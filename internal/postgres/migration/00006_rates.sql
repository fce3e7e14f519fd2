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
-- whether the take was granted, the whole tokens each bucket holds, how long
-- until its take alone would be granted and how long until it is full again
-- (wabi.Take.Apply in Go). The
-- buckets taken from are locked in key order, a bucket never seen getting its
-- row first, so that takers never deadlock and never both take the last
-- token; buckets only read (ns[i] = 0) are not locked. Its transaction
-- commits without waiting for the disk.
-- +goose StatementBegin
CREATE FUNCTION wabi_take_tokens(keys TEXT[], bursts BIGINT[], intervals BIGINT[], ns BIGINT[], at_ns BIGINT)
RETURNS TABLE (granted BOOLEAN, remaining BIGINT, retry_after BIGINT, full_in BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    cnt INT := coalesce(cardinality(keys), 0);
    tats BIGINT[] := array_fill(0::BIGINT, ARRAY[cnt]);
    nexts BIGINT[] := array_fill(0::BIGINT, ARRAY[cnt]);
    ok BOOLEAN := true;
    i INT;
    k TEXT;
    t BIGINT;
    fill BIGINT;
    w BIGINT;
BEGIN
    -- A take need not wait for the disk: a database that crashes forgets at
    -- most the takes of its last moments, leaving those buckets a little
    -- fuller than they were, and a send's own commit is durable anyway.
    PERFORM set_config('synchronous_commit', 'off', true);
    -- The buckets taken from, locked in key order, each read as it is locked.
    FOR k, i IN SELECT u.k, u.i FROM unnest(keys, ns) WITH ORDINALITY AS u(k, n, i) WHERE u.n > 0 ORDER BY u.k COLLATE "C" LOOP
        LOOP
            SELECT b.tat INTO t FROM rate_buckets b WHERE b.key = k FOR UPDATE;
            EXIT WHEN FOUND;
            -- Inserted: the row is this transaction's until it commits. Not
            -- inserted: another taker's row committed meanwhile; lock it.
            INSERT INTO rate_buckets (key, tat) VALUES (k, 0) ON CONFLICT DO NOTHING RETURNING tat INTO t;
            EXIT WHEN FOUND;
        END LOOP;
        tats[i] := t;
    END LOOP;
    -- The buckets only read, not locked; then whether every take is granted.
    FOR i IN 1..cnt LOOP
        IF ns[i] = 0 THEN
            SELECT b.tat INTO t FROM rate_buckets b WHERE b.key = keys[i];
            tats[i] := coalesce(t, 0);
        END IF;
        tats[i] := greatest(tats[i], at_ns);
        nexts[i] := tats[i] + greatest(ns[i], 1) * intervals[i];
        IF ns[i] > 0 AND nexts[i] - bursts[i] * intervals[i] > at_ns THEN
            ok := false;
        END IF;
    END LOOP;
    FOR i IN 1..cnt LOOP
        t := tats[i];
        IF ok AND ns[i] > 0 THEN
            UPDATE rate_buckets b SET tat = nexts[i] WHERE b.key = keys[i];
            t := nexts[i];
        END IF;
        fill := bursts[i] * intervals[i];
        w := nexts[i] - fill - at_ns;
        granted := ok;
        -- What the bucket holds now: after the take if it was made.
        remaining := greatest(at_ns + fill - t, 0) / intervals[i];
        retry_after := CASE WHEN ok AND ns[i] > 0 THEN 0 ELSE greatest(w, 0) END;
        full_in := t - at_ns;
        RETURN NEXT;
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION wabi_take_tokens(TEXT[], BIGINT[], BIGINT[], BIGINT[], BIGINT);
DROP TABLE rate_buckets;
