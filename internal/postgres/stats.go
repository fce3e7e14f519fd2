package postgres

import (
	"context"
	"fmt"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// messageStatsSQL counts messages per number, time bucket, pricing category and
// consumer in one pass. The numbers arrive as one array, so that the statement
// text, and with it the cached prepared statement, is the same for any number of
// them. Status ranks are wabi.Status.Rank(): sent 1, delivered 2, read 3, failed
// 4; failed ranks highest but was never delivered, so every count names its
// ranks. Inbound messages reach rank 3 when the business reads them, hence the
// direction in every outbound count. Messages removed by DeleteMessages and
// ExpireMessages are counted from message_history. The index messages_time reads
const messageStatsSQL = `SELECT phone_number_id, wa_id, bucket, category,
		count(*) FILTER (WHERE direction = 'outbound' AND status_rank BETWEEN 1 AND 3),
		count(*) FILTER (WHERE direction = 'outbound' AND status_rank BETWEEN 2 AND 3),
		count(*) FILTER (WHERE direction = 'outbound' AND status_rank = 3),
		count(*) FILTER (WHERE direction = 'outbound' AND status = 'failed'),
		count(*) FILTER (WHERE direction = 'inbound')
	FROM (SELECT phone_number_id, wa_id, direction, (timestamp / $1) * $1 AS bucket, status, status_rank, category
			FROM messages
			WHERE phone_number_id = ANY($2) AND timestamp >= $3 AND timestamp < $4
		UNION ALL
		SELECT phone_number_id, wa_id, direction, (timestamp / $1) * $1, status, status_rank, category
			FROM message_history
			WHERE phone_number_id = ANY($2) AND timestamp >= $3 AND timestamp < $4) counted
	GROUP BY phone_number_id, bucket, category, wa_id
	ORDER BY phone_number_id, bucket, category, wa_id`

// MessageStats counts the messages of the query's numbers whose timestamps fall in
// [Start, End), per number, bucket, category and consumer, ordered by those. No
// numbers, or an empty range, count nothing.
func (s *Store) MessageStats(ctx context.Context, q wabi.StatsQuery) ([]wabi.StatsRow, error) {
	if q.Bucket <= 0 {
		return nil, fmt.Errorf("postgres: message stats: bucket must be positive, not %v", q.Bucket)
	}
	if len(q.PhoneNumberIDs) == 0 || !q.End.After(q.Start) {
		return []wabi.StatsRow{}, nil
	}
	return list(ctx, s.pool, sqlrow.ScanStatsRow, messageStatsSQL,
		q.Bucket.Nanoseconds(), q.PhoneNumberIDs, sqlrow.Nanos(q.Start), sqlrow.Nanos(q.End))
}
