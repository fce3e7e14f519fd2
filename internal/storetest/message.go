package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// text returns a text message of the chat (phone, waID).
func text(id, phone, waID string, dir wabi.Direction, ts time.Time, status wabi.Status) *wabi.Message {
	return &wabi.Message{ID: id, PhoneNumberID: phone, WaID: waID, Direction: dir, Type: wabi.TypeText,
		Timestamp: ts, Status: status, StatusAt: ts,
		Content: wabi.Content{Text: &wabi.Text{Body: "hello " + id}}}
}

// delivery returns a pending delivery to target about a message.
func delivery(id, target, messageID string, created time.Time) *wabi.Delivery {
	return &wabi.Delivery{ID: id, Dialect: wabi.DialectCloud, TargetID: target, WABAID: "waba1", PhoneNumberID: "phone1",
		WaID: "15551230001", MessageID: messageID, Event: "message",
		Body: []byte(`{"object":"whatsapp_business_account","id":"` + id + `"}`), State: wabi.DeliveryPending,
		NextAttemptAt: created, CreatedAt: created, UpdatedAt: created}
}

// ids returns the ids of messages, for compact comparisons of lists.
func ids(ms []*wabi.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// testCommit writes messages of many types with a window and deliveries in one
// batch and reads each back as it was written.
func testCommit(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	out := text("wamid.out", "phone1", "15551230001", wabi.Outbound, at(1), wabi.StatusAccepted)
	out.Context = &wabi.Context{MessageID: "wamid.in"}
	out.Text.PreviewURL = true
	out.Category = "service"
	out.ConversationID = "0123456789abcdef0123456789abcdef"
	out.BizOpaqueCallbackData = "ref-42"
	out.Input = "+1 555-123-0001"
	in := &wabi.Message{ID: "wamid.in", PhoneNumberID: "phone1", WaID: "15551230001", Direction: wabi.Inbound,
		Type: wabi.TypeLocation, Timestamp: at(0), Status: wabi.StatusReceived, StatusAt: at(0),
		Content: wabi.Content{Location: &wabi.Location{Latitude: wabi.F(52.52), Longitude: wabi.F(-13.4049),
			Name: "Café ☕", Address: "Unter den Linden"}}}
	menu := &wabi.Message{ID: "wamid.menu", PhoneNumberID: "phone1", WaID: "15551230001", Direction: wabi.Outbound,
		Type: wabi.TypeInteractive, Timestamp: at(2), Status: wabi.StatusAccepted, StatusAt: at(2),
		Content: wabi.Content{Interactive: &wabi.Interactive{Type: wabi.InteractiveCTAURL,
			Body:   &wabi.InteractiveText{Text: "Open"},
			Action: &wabi.Action{Name: "cta_url", Parameters: json.RawMessage(`{"display_text":"Go","url":"https://x.example"}`)}}}}
	promo := &wabi.Message{ID: "wamid.promo", PhoneNumberID: "phone1", WaID: "15551230002", Direction: wabi.Outbound,
		Type: wabi.TypeTemplate, Timestamp: at(3), Status: wabi.StatusFailed, StatusAt: at(4),
		Error:    &wabi.Error{Code: wabi.ENotOnWhatsApp, Message: "recipient is not on WhatsApp"},
		Category: wabi.CategoryMarketing,
		Content: wabi.Content{
			Template: &wabi.TemplateSend{Name: "sale", Language: &wabi.TemplateLanguage{Code: "en_US"},
				Components: []wabi.TemplateParamComp{{Type: "body", Parameters: []wabi.TemplateParam{
					{Type: "currency", Currency: &wabi.Currency{FallbackValue: "$5", Code: "USD", Amount1000: 5000}},
				}}}},
			Rendered: &wabi.RenderedOffer{Body: "Everything at $5", Buttons: []string{"Shop"}},
		}}
	card := &wabi.Message{ID: "wamid.card", PhoneNumberID: "phone1", WaID: "15551230001", Direction: wabi.Inbound,
		Type: wabi.TypeContacts, Timestamp: at(5), Status: wabi.StatusReceived, StatusAt: at(5),
		Content: wabi.Content{Contacts: []wabi.ContactCard{{Name: &wabi.ContactName{FormattedName: "Ann B"},
			Phones: []wabi.ContactPhone{{Phone: "+1 555 0100", WaID: "15550100", Type: "CELL"}}}}}}
	window := wabi.Window{PhoneNumberID: "phone1", WaID: "15551230001", LastInbound: at(5)}
	d1 := delivery("1000000000000001", "app1", "wamid.in", at(5))
	d2 := delivery("1000000000000002", "app2", "wamid.in", at(5))
	d2.Dialect = wabi.DialectOnPrem
	d2.Body = nil
	must(t, s.Commit(ctx, &wabi.Batch{
		Messages:   []*wabi.Message{in, out, menu, promo, card},
		Windows:    []wabi.Window{window},
		Deliveries: []*wabi.Delivery{d1, d2},
	}))

	var checks []check
	for _, m := range []*wabi.Message{in, out, menu, promo, card} {
		checks = append(checks, check{"Message " + m.ID, res(s.Message(ctx, m.ID)), m})
	}
	checks = append(checks,
		check{"Window", res(s.Window(ctx, "phone1", "15551230001")), at(5)},
		check{"Delivery d1", res(s.Delivery(ctx, d1.ID)), d1},
		check{"Delivery d2", res(s.Delivery(ctx, d2.ID)), d2},
		check{"PendingDeliveries", res(s.PendingDeliveries(ctx)), []*wabi.Delivery{d1, d2}},
	)
	wantAll(t, checks)
}

// testStatusRank moves a message through statuses, some late or out of order,
// and checks that it only ever moves up the ranks and that failed sticks.
func testStatusRank(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	m := text("wamid.m", "phone1", "15551230001", wabi.Outbound, at(0), wabi.StatusAccepted)
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m}}))
	gone := &wabi.Error{Code: wabi.ENotOnWhatsApp, Message: "gone"}
	wantStatus, wantAt := wabi.StatusAccepted, at(0)
	var wantErr *wabi.Error
	for i, step := range []struct {
		status  wabi.Status
		err     *wabi.Error
		applies bool
	}{
		{wabi.StatusSent, nil, true},
		{wabi.StatusDelivered, nil, true},
		{wabi.StatusSent, nil, false}, // a late "sent"
		{wabi.StatusAccepted, nil, false},
		{wabi.StatusRead, nil, true},
		{wabi.StatusDelivered, nil, false}, // a late "delivered"
		{wabi.StatusRead, nil, false},      // the same rank again
		{wabi.StatusFailed, gone, true},
		{wabi.StatusRead, nil, false}, // failed sticks
		{wabi.StatusFailed, &wabi.Error{Code: wabi.EInternal, Message: "again"}, false},
	} {
		when := at(i + 1)
		must(t, s.Commit(ctx, &wabi.Batch{Statuses: []wabi.StatusChange{
			{MessageID: m.ID, Status: step.status, At: when, Error: step.err}}}))
		if step.applies {
			wantStatus, wantAt, wantErr = step.status, when, step.err
		}
		got, err := s.Message(ctx, m.ID)
		must(t, err)
		if got.Status != wantStatus || !got.StatusAt.Equal(wantAt) || !equalError(got.Error, wantErr) {
			t.Errorf("step %d (%s): status %s at %v error %v, want %s at %v error %v",
				i, step.status, got.Status, got.StatusAt, got.Error, wantStatus, wantAt, wantErr)
		}
	}

	// A batch may create a message and move it on; within a batch, changes apply
	// in order and still only raise the rank.
	m2 := text("wamid.m2", "phone1", "15551230001", wabi.Outbound, at(20), wabi.StatusAccepted)
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m2}, Statuses: []wabi.StatusChange{
		{MessageID: m2.ID, Status: wabi.StatusDelivered, At: at(21)},
		{MessageID: m2.ID, Status: wabi.StatusSent, At: at(22)},
	}}))
	got, err := s.Message(ctx, m2.ID)
	must(t, err)
	if got.Status != wabi.StatusDelivered || !got.StatusAt.Equal(at(21)) {
		t.Errorf("message moved within its batch: %s at %v, want delivered at %v", got.Status, got.StatusAt, at(21))
	}

	// A change of a message that does not exist fails its whole batch.
	err = s.Commit(ctx, &wabi.Batch{
		Statuses:   []wabi.StatusChange{{MessageID: "wamid.nope", Status: wabi.StatusRead, At: at(30)}},
		Deliveries: []*wabi.Delivery{delivery("1000000000000001", "app1", "wamid.nope", at(30))},
	})
	wantCode(t, "status of a missing message", err, wabi.ENotFound)
	wantCode(t, "delivery of the failed batch", res(s.Delivery(ctx, "1000000000000001")).err, wabi.ENotFound)
}

func equalError(a, b *wabi.Error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// testDuplicateMessage commits a message id twice: the second batch fails with
// EConflict and none of it is written. A duplicate delivery id does the same.
func testDuplicateMessage(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	m1 := text("wamid.1", "phone1", "15551230001", wabi.Inbound, at(1), wabi.StatusReceived)
	d1 := delivery("1000000000000001", "app1", m1.ID, at(1))
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m1}, Deliveries: []*wabi.Delivery{d1}}))

	again := text("wamid.1", "phone1", "15551230001", wabi.Inbound, at(2), wabi.StatusReceived)
	m2 := text("wamid.2", "phone1", "15551230001", wabi.Inbound, at(2), wabi.StatusReceived)
	m3 := text("wamid.3", "phone1", "15551230001", wabi.Inbound, at(3), wabi.StatusReceived)
	for _, c := range []struct {
		name  string
		batch *wabi.Batch
	}{
		{"duplicate message", &wabi.Batch{
			Messages:   []*wabi.Message{m2, again},
			Statuses:   []wabi.StatusChange{{MessageID: m1.ID, Status: wabi.StatusRead, At: at(2)}},
			Windows:    []wabi.Window{{PhoneNumberID: "phone1", WaID: "15551230001", LastInbound: at(2)}},
			Deliveries: []*wabi.Delivery{delivery("1000000000000002", "app1", m2.ID, at(2))},
		}},
		{"duplicate delivery", &wabi.Batch{
			Messages:   []*wabi.Message{m3},
			Deliveries: []*wabi.Delivery{delivery("1000000000000003", "app1", m3.ID, at(3)), d1},
		}},
	} {
		wantCode(t, c.name, s.Commit(ctx, c.batch), wabi.EConflict)
	}
	for _, id := range []string{m2.ID, m3.ID} {
		wantCode(t, "Message "+id+" of a failed batch", res(s.Message(ctx, id)).err, wabi.ENotFound)
	}
	for _, id := range []string{"1000000000000002", "1000000000000003"} {
		wantCode(t, "Delivery "+id+" of a failed batch", res(s.Delivery(ctx, id)).err, wabi.ENotFound)
	}
	wantAll(t, []check{
		{"first message", res(s.Message(ctx, m1.ID)), m1},
		{"Window untouched by a failed batch", res(s.Window(ctx, "phone1", "15551230001")), time.Time{}},
		{"PendingDeliveries", res(s.PendingDeliveries(ctx)), []*wabi.Delivery{d1}},
	})
}

// testWindow checks that a chat's window keeps the latest inbound time, whatever
// order the updates come in.
func testWindow(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	for i, step := range []struct {
		windows []wabi.Window
		want    time.Time
	}{
		{[]wabi.Window{{PhoneNumberID: "phone1", WaID: "wa1", LastInbound: at(5)}}, at(5)},
		{[]wabi.Window{{PhoneNumberID: "phone1", WaID: "wa1", LastInbound: at(3)}}, at(5)},
		{[]wabi.Window{{PhoneNumberID: "phone1", WaID: "wa1", LastInbound: at(8)}}, at(8)},
		{[]wabi.Window{
			{PhoneNumberID: "phone1", WaID: "wa1", LastInbound: at(20)},
			{PhoneNumberID: "phone1", WaID: "wa1", LastInbound: at(15)},
			{PhoneNumberID: "phone2", WaID: "wa1", LastInbound: at(1)},
		}, at(20)},
	} {
		must(t, s.Commit(ctx, &wabi.Batch{Windows: step.windows}))
		wantAll(t, []check{{fmt.Sprintf("Window after step %d", i), res(s.Window(ctx, "phone1", "wa1")), step.want}})
	}
	wantAll(t, []check{
		{"Window of another number", res(s.Window(ctx, "phone2", "wa1")), at(1)},
		{"Window of a silent chat", res(s.Window(ctx, "phone1", "wa2")), time.Time{}},
	})
}

// testMessages lists messages with every filter, newest first, and pages
// through them.
func testMessages(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	ms := []*wabi.Message{
		text("m1", "phone1", "waA", wabi.Outbound, at(1), wabi.StatusSent),
		text("m2", "phone1", "waA", wabi.Inbound, at(2), wabi.StatusReceived),
		text("m3", "phone1", "waB", wabi.Outbound, at(3), wabi.StatusSent),
		text("m4", "phone2", "waA", wabi.Outbound, at(4), wabi.StatusSent),
		text("m5", "phone1", "waA", wabi.Outbound, at(5), wabi.StatusSent),
		text("m6", "phone1", "waA", wabi.Inbound, at(6), wabi.StatusReceived),
	}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: ms[:2]}))
	for _, m := range ms[2:] {
		must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m}}))
	}
	for _, c := range []struct {
		name string
		f    wabi.MessageFilter
		want []string
	}{
		{"all", wabi.MessageFilter{}, []string{"m6", "m5", "m4", "m3", "m2", "m1"}},
		{"number", wabi.MessageFilter{PhoneNumberID: "phone1"}, []string{"m6", "m5", "m3", "m2", "m1"}},
		{"chat", wabi.MessageFilter{PhoneNumberID: "phone1", WaID: "waA"}, []string{"m6", "m5", "m2", "m1"}},
		{"contact", wabi.MessageFilter{WaID: "waA"}, []string{"m6", "m5", "m4", "m2", "m1"}},
		{"inbound", wabi.MessageFilter{Direction: wabi.Inbound}, []string{"m6", "m2"}},
		{"chat outbound", wabi.MessageFilter{PhoneNumberID: "phone1", WaID: "waA", Direction: wabi.Outbound},
			[]string{"m5", "m1"}},
		{"before", wabi.MessageFilter{PhoneNumberID: "phone1", BeforeID: "m5"}, []string{"m3", "m2", "m1"}},
		{"limit", wabi.MessageFilter{Limit: 2}, []string{"m6", "m5"}},
		{"before the first", wabi.MessageFilter{BeforeID: "m1"}, []string{}},
		{"before an unknown id", wabi.MessageFilter{BeforeID: "nope"}, []string{}},
		{"nobody", wabi.MessageFilter{WaID: "nobody"}, []string{}},
	} {
		got, err := s.Messages(ctx, c.f)
		must(t, err)
		wantEqual(t, "Messages "+c.name, ids(got), c.want)
	}

	// Paging by BeforeID walks the whole list once.
	var paged []string
	f := wabi.MessageFilter{PhoneNumberID: "phone1", Limit: 2}
	for page := 0; ; page++ {
		got, err := s.Messages(ctx, f)
		must(t, err)
		if len(got) == 0 || page > 5 {
			break
		}
		paged = append(paged, ids(got)...)
		f.BeforeID = got[len(got)-1].ID
	}
	wantEqual(t, "paged Messages", paged, []string{"m6", "m5", "m3", "m2", "m1"})

	// Without a limit a page holds 100 messages.
	var many []*wabi.Message
	for i := range 105 {
		many = append(many, text(fmt.Sprintf("n%03d", i), "phone3", "waC", wabi.Inbound, at(10+i), wabi.StatusReceived))
	}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: many}))
	got, err := s.Messages(ctx, wabi.MessageFilter{PhoneNumberID: "phone3"})
	must(t, err)
	if len(got) != 100 || got[0].ID != "n104" {
		t.Errorf("default page: %d messages starting at %v, want 100 starting at n104", len(got), ids(got[:1]))
	}
}

// testUnfinished checks which outbound messages the network still owes.
func testUnfinished(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	ms := []*wabi.Message{
		text("old", "phone1", "wa1", wabi.Outbound, at(5), wabi.StatusSent),
		text("accepted", "phone1", "wa1", wabi.Outbound, at(11), wabi.StatusAccepted),
		text("sent", "phone1", "wa2", wabi.Outbound, at(12), wabi.StatusSent),
		text("delivered", "phone2", "wa1", wabi.Outbound, at(13), wabi.StatusDelivered),
		text("read", "phone1", "wa1", wabi.Outbound, at(14), wabi.StatusRead),
		text("failed", "phone1", "wa1", wabi.Outbound, at(15), wabi.StatusFailed),
		text("inbound", "phone1", "wa1", wabi.Inbound, at(16), wabi.StatusReceived),
		text("read later", "phone1", "wa1", wabi.Outbound, at(17), wabi.StatusSent),
		text("sent later", "phone1", "wa1", wabi.Outbound, at(18), wabi.StatusAccepted),
	}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: ms}))
	must(t, s.Commit(ctx, &wabi.Batch{Statuses: []wabi.StatusChange{
		{MessageID: "read later", Status: wabi.StatusRead, At: at(19)},
		{MessageID: "sent later", Status: wabi.StatusSent, At: at(19)},
	}}))
	for _, c := range []struct {
		since time.Time
		want  []string
	}{
		{at(10), []string{"accepted", "sent", "delivered", "sent later"}},
		{at(12), []string{"delivered", "sent later"}}, // strictly after since
		{time.Time{}, []string{"old", "accepted", "sent", "delivered", "sent later"}},
		{at(18), []string{}},
	} {
		got, err := s.Unfinished(ctx, c.since)
		must(t, err)
		wantEqual(t, fmt.Sprintf("Unfinished since %v", c.since), ids(got), c.want)
	}
}

// testConcurrentCommits commits from many goroutines at once. Some commits carry
// a duplicate message: each of those fails alone, and every other one lands.
func testConcurrentCommits(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	dup := text("wamid.dup", "phone1", "wa0", wabi.Inbound, at(0), wabi.StatusReceived)
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{dup}}))
	const goroutines, commits = 200, 5
	var wg sync.WaitGroup
	errs := make([]error, goroutines*commits)
	for g := range goroutines {
		wg.Go(func() {
			for i := range commits {
				n := g*commits + i
				m := text(fmt.Sprintf("wamid.%04d", n), "phone1", fmt.Sprintf("wa%d", g), wabi.Inbound, at(n),
					wabi.StatusReceived)
				b := &wabi.Batch{
					Messages:   []*wabi.Message{m},
					Deliveries: []*wabi.Delivery{delivery(fmt.Sprint(2000000000000000+n), "app1", m.ID, at(n))},
				}
				if n%7 == 0 {
					b.Messages = append(b.Messages, dup)
				}
				errs[n] = s.Commit(ctx, b)
			}
		})
	}
	wg.Wait()
	landed := 0
	for n, err := range errs {
		if n%7 == 0 {
			wantCode(t, fmt.Sprintf("commit %d with the duplicate", n), err, wabi.EConflict)
			continue
		}
		if err != nil {
			t.Errorf("commit %d: %v", n, err)
		}
		landed++
	}
	ms, err := s.Messages(ctx, wabi.MessageFilter{Limit: 2 * goroutines * commits})
	must(t, err)
	if len(ms) != landed+1 {
		t.Errorf("%d messages stored, want %d", len(ms), landed+1)
	}
	ds, err := s.PendingDeliveries(ctx)
	must(t, err)
	if len(ds) != landed {
		t.Errorf("%d deliveries stored, want %d", len(ds), landed)
	}
	for _, d := range ds {
		var n int
		if _, err := fmt.Sscanf(d.MessageID, "wamid.%d", &n); err != nil || n%7 == 0 {
			t.Errorf("delivery %s of message %s should not be stored", d.ID, d.MessageID)
		}
	}
}

// testCancelledContext checks that a write whose context is already done fails
// and writes nothing.
func testCancelledContext(t *testing.T, s wabi.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m := text("wamid.c", "phone1", "wa1", wabi.Inbound, at(0), wabi.StatusReceived)
	if err := s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m}}); err == nil {
		t.Error("Commit with a cancelled context succeeded")
	}
	if err := s.CreateBusiness(ctx, &wabi.Business{ID: "biz1"}); err == nil {
		t.Error("CreateBusiness with a cancelled context succeeded")
	}
	bg := context.Background()
	wantCode(t, "Message of a cancelled commit", res(s.Message(bg, m.ID)).err, wabi.ENotFound)
	wantCode(t, "Business of a cancelled create", res(s.Business(bg, "biz1")).err, wabi.ENotFound)
}

// testDeleteMessages collects a number's old messages: those before the cut,
// except outbound ones the network still owes a status, go; other numbers'
// messages, windows and deliveries stay. A backlog larger than any batch a store
// might delete at once goes in one call.
func testDeleteMessages(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	out, in := wabi.Outbound, wabi.Inbound
	ms := []*wabi.Message{
		text("received", "phone1", "wa1", in, at(1), wabi.StatusReceived),
		text("read in", "phone1", "wa1", in, at(2), wabi.StatusRead),
		text("read", "phone1", "wa1", out, at(3), wabi.StatusRead),
		text("failed", "phone1", "wa2", out, at(4), wabi.StatusFailed),
		text("accepted", "phone1", "wa1", out, at(5), wabi.StatusAccepted),
		text("sent", "phone1", "wa2", out, at(6), wabi.StatusSent),
		text("delivered", "phone1", "wa1", out, at(7), wabi.StatusDelivered),
		text("at the cut", "phone1", "wa1", in, at(10), wabi.StatusReceived),
		text("new", "phone1", "wa1", out, at(11), wabi.StatusRead),
		text("other number", "phone2", "wa1", in, at(1), wabi.StatusReceived),
	}
	d := delivery("1000000000000001", "app1", "received", at(1))
	window := wabi.Window{PhoneNumberID: "phone1", WaID: "wa1", LastInbound: at(1)}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: ms, Windows: []wabi.Window{window}, Deliveries: []*wabi.Delivery{d}}))

	wantAll(t, []check{
		{"DeleteMessages", res(s.DeleteMessages(ctx, "phone1", at(10))), 4},
		{"Messages left", res(s.Messages(ctx, wabi.MessageFilter{})).ids(),
			[]string{"other number", "new", "at the cut", "delivered", "sent", "accepted"}},
		{"Unfinished left", res(s.Unfinished(ctx, time.Time{})).ids(), []string{"accepted", "sent", "delivered"}},
		{"Window kept", res(s.Window(ctx, "phone1", "wa1")), at(1)},
		{"Delivery of a deleted message kept", res(s.Delivery(ctx, d.ID)), d},
		{"DeleteMessages again", res(s.DeleteMessages(ctx, "phone1", at(10))), 0},
		{"DeleteMessages of a number without messages", res(s.DeleteMessages(ctx, "phone9", at(10))), 0},
	})
	for _, id := range []string{"received", "read in", "read", "failed"} {
		wantCode(t, "Message "+id+" deleted", errOf(s.Message(ctx, id)), wabi.ENotFound)
	}

	// Once the network has reported its last status, a message may go too.
	must(t, s.Commit(ctx, &wabi.Batch{Statuses: []wabi.StatusChange{
		{MessageID: "delivered", Status: wabi.StatusRead, At: at(12)},
	}}))
	wantAll(t, []check{
		{"DeleteMessages of a finished message", res(s.DeleteMessages(ctx, "phone1", at(10))), 1},
		{"Unfinished after", res(s.Unfinished(ctx, time.Time{})).ids(), []string{"accepted", "sent"}},
	})

	// A backlog: 1,200 old messages, every tenth one still owed a status.
	var backlog []*wabi.Message
	kept := []string{}
	for i := range 1200 {
		m := text(fmt.Sprintf("old%04d", i), "phone3", "wa1", in, at(i), wabi.StatusReceived)
		if i%10 == 0 {
			m.Direction, m.Status = out, wabi.StatusSent
			kept = append(kept, m.ID)
		}
		backlog = append(backlog, m)
	}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: backlog}))
	wantAll(t, []check{
		{"DeleteMessages of a backlog", res(s.DeleteMessages(ctx, "phone3", at(1200))), 1080},
		{"backlog left", res(s.Messages(ctx, wabi.MessageFilter{PhoneNumberID: "phone3", Limit: 1000})).ids(),
			reversed(kept)},
	})
}

// ids turns a result holding messages into one holding their ids.
func (r result) ids() result {
	if ms, ok := r.v.([]*wabi.Message); ok {
		return result{ids(ms), r.err}
	}
	return r
}

// reversed returns a reversed copy of ss.
func reversed(ss []string) []string {
	out := slices.Clone(ss)
	slices.Reverse(out)
	return out
}
