package storetest

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testMessageStats commits messages of three numbers in and around a window, moves
// some through their statuses, and counts them by the hour and by the day: only
// the numbers asked for and the times in [Start, End) count, each status where it
// belongs (a failed message was never sent, an inbound message the business read
// is still only received), and buckets start at whole multiples of the bucket.
func testMessageStats(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	h0 := t0.Truncate(time.Hour)
	start, end := h0.Add(15*time.Minute), h0.Add(3*time.Hour)
	const a, b, c = "15551230001", "447700900123", "919876543210"
	msg := func(id, phone, waID string, dir wabi.Direction, ts time.Time, status wabi.Status, category string) *wabi.Message {
		m := text(id, phone, waID, dir, ts, status)
		m.Category = category
		return m
	}
	out, in := wabi.Outbound, wabi.Inbound
	ms := []*wabi.Message{
		msg("wamid.first", "phone1", a, out, start, wabi.StatusAccepted, "marketing"),
		msg("wamid.read", "phone1", a, out, start.Add(10*time.Minute), wabi.StatusRead, "marketing"),
		msg("wamid.failed", "phone1", a, out, start.Add(20*time.Minute), wabi.StatusFailed, "marketing"),
		msg("wamid.reply", "phone1", a, out, h0.Add(time.Hour), wabi.StatusSent, "service"),
		msg("wamid.in1", "phone1", a, in, h0.Add(65*time.Minute), wabi.StatusReceived, ""),
		msg("wamid.in2", "phone1", a, in, h0.Add(66*time.Minute), wabi.StatusRead, ""),
		msg("wamid.last", "phone1", b, out, end.Add(-time.Nanosecond), wabi.StatusSent, "utility"),
		msg("wamid.pending", "phone1", b, out, h0.Add(150*time.Minute), wabi.StatusAccepted, "utility"),
		msg("wamid.at-end", "phone1", a, out, end, wabi.StatusRead, "marketing"),
		msg("wamid.too-early", "phone1", a, out, start.Add(-time.Nanosecond), wabi.StatusRead, "marketing"),
		msg("wamid.other", "phone2", a, out, start, wabi.StatusRead, "marketing"),
		msg("wamid.otp", "phone3", c, out, start.Add(time.Minute), wabi.StatusAccepted, "authentication"),
	}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: ms}))
	// Statuses that arrive later count as the message's status now; a late,
	// lower one changes nothing.
	must(t, s.Commit(ctx, &wabi.Batch{Statuses: []wabi.StatusChange{
		{MessageID: "wamid.first", Status: wabi.StatusDelivered, At: end},
		{MessageID: "wamid.otp", Status: wabi.StatusRead, At: end},
		{MessageID: "wamid.otp", Status: wabi.StatusDelivered, At: end},
	}}))

	row := func(phone, waID string, bucket time.Time, category string, counts ...int) wabi.StatsRow {
		return wabi.StatsRow{PhoneNumberID: phone, WaID: waID, Start: bucket, Category: category,
			Sent: counts[0], Delivered: counts[1], Read: counts[2], Failed: counts[3], Received: counts[4]}
	}
	day := h0.Truncate(24 * time.Hour)
	tests := []struct {
		name string
		q    wabi.StatsQuery
		want []wabi.StatsRow
	}{
		{"hourly", wabi.StatsQuery{PhoneNumberIDs: []string{"phone1", "phone3"}, Start: start, End: end, Bucket: time.Hour},
			[]wabi.StatsRow{
				row("phone1", a, h0, "marketing", 2, 2, 1, 1, 0),
				row("phone1", a, h0.Add(time.Hour), "", 0, 0, 0, 0, 2),
				row("phone1", a, h0.Add(time.Hour), "service", 1, 0, 0, 0, 0),
				row("phone1", b, h0.Add(2*time.Hour), "utility", 1, 0, 0, 0, 0),
				row("phone3", c, h0, "authentication", 1, 1, 1, 0, 0),
			}},
		{"daily", wabi.StatsQuery{PhoneNumberIDs: []string{"phone1"}, Start: start, End: end, Bucket: 24 * time.Hour},
			[]wabi.StatsRow{
				row("phone1", a, day, "", 0, 0, 0, 0, 2),
				row("phone1", a, day, "marketing", 2, 2, 1, 1, 0),
				row("phone1", a, day, "service", 1, 0, 0, 0, 0),
				row("phone1", b, day, "utility", 1, 0, 0, 0, 0),
			}},
		{"half-hourly, one number", wabi.StatsQuery{PhoneNumberIDs: []string{"phone3"}, Start: start, End: end, Bucket: 30 * time.Minute},
			[]wabi.StatsRow{row("phone3", c, h0, "authentication", 1, 1, 1, 0, 0)}},
		{"no numbers", wabi.StatsQuery{Start: start, End: end, Bucket: time.Hour}, nil},
		{"unknown number", wabi.StatsQuery{PhoneNumberIDs: []string{"phone9"}, Start: start, End: end, Bucket: time.Hour}, nil},
		{"empty range", wabi.StatsQuery{PhoneNumberIDs: []string{"phone1"}, Start: end, End: end, Bucket: time.Hour}, nil},
	}
	for _, tt := range tests {
		got, err := s.MessageStats(ctx, tt.q)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		// Stores may leave out rows that count nothing (messages still accepted)
		// and need not order rows.
		got = slices.DeleteFunc(got, func(r wabi.StatsRow) bool {
			return r.Sent+r.Delivered+r.Read+r.Failed+r.Received == 0
		})
		slices.SortFunc(got, func(x, y wabi.StatsRow) int {
			return cmp.Or(cmp.Compare(x.PhoneNumberID, y.PhoneNumberID), x.Start.Compare(y.Start),
				cmp.Compare(x.Category, y.Category), cmp.Compare(x.WaID, y.WaID))
		})
		wantEqual(t, tt.name, got, tt.want)
		for _, r := range got {
			if r.Start.Location() != time.UTC {
				t.Errorf("%s: bucket start %v is not in UTC", tt.name, r.Start)
			}
		}
	}
}
