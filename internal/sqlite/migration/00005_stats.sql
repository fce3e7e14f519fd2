-- +goose Up
-- Analytics count a number's messages over a time range (MessageStats). Without
-- this index each query reads every message the number ever had; with it, only
-- the range. Inserts land at the end of each number's run, which keeps the
-- extra cost on the write path small (about 3% in BenchmarkCommit).
CREATE INDEX messages_time ON messages (phone_number_id, timestamp);

-- +goose Down
DROP INDEX messages_time;
