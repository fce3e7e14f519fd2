package storetest

import (
	"context"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// RunDurable checks that what a store wrote survives closing it: it opens a
// store kept in a fresh directory, writes one of everything, closes the store,
// opens the directory again and reads everything back. open opens the store kept
// in dir, creating it if needed. RunDurable closes the stores it opens.
func RunDurable(t *testing.T, open func(dir string) (wabi.Store, error)) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := open(dir)
	must(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close()
		}
	})

	tr := mustTree(t, s, 1, at(0))
	tok := &wabi.Token{Value: "EAAG-durable", BusinessID: tr.biz.ID, Name: "admin",
		Scopes: []string{wabi.ScopeMessaging}, CreatedAt: at(1)}
	sub := &wabi.Subscription{WABAID: tr.waba.ID, AppID: tr.app.ID, VerifyToken: "vt", CreatedAt: at(1)}
	tmpl := &wabi.Template{ID: "tmpl1", WABAID: tr.waba.ID, Name: "hello", Language: "en_US",
		Category: wabi.CategoryUtility, Status: wabi.TemplateApproved,
		Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Hello {{1}}"}}, CreatedAt: at(1)}
	phone := &wabi.VirtualPhone{WaID: "15551230001", ProfileName: "Ann",
		Behaviour: wabi.Behaviour{AutoRead: true}, CreatedAt: at(1)}
	must(t, s.CreateToken(ctx, tok))
	must(t, s.PutSubscription(ctx, sub))
	must(t, s.CreateTemplate(ctx, tmpl))
	must(t, s.PutVirtualPhone(ctx, phone))

	in := text("wamid.in", tr.phone.ID, phone.WaID, wabi.Inbound, at(2), wabi.StatusReceived)
	out := text("wamid.out", tr.phone.ID, phone.WaID, wabi.Outbound, at(3), wabi.StatusAccepted)
	d1 := delivery("1000000000000001", tr.app.ID, in.ID, at(2))
	d2 := delivery("1000000000000002", tr.app.ID, out.ID, at(4))
	window := wabi.Window{PhoneNumberID: tr.phone.ID, WaID: phone.WaID, LastInbound: at(2)}
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{in}, Windows: []wabi.Window{window},
		Deliveries: []*wabi.Delivery{d1}}))
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{out}}))
	must(t, s.Commit(ctx, &wabi.Batch{
		Statuses:   []wabi.StatusChange{{MessageID: out.ID, Status: wabi.StatusSent, At: at(4)}},
		Deliveries: []*wabi.Delivery{d2},
	}))
	out.Status, out.StatusAt = wabi.StatusSent, at(4)
	attempt := &wabi.Attempt{DeliveryID: d1.ID, N: 1, At: at(5), URL: "https://example.com/hook", StatusCode: 200}
	d1.State, d1.Attempts, d1.LastStatus, d1.UpdatedAt = wabi.DeliveryDelivered, 1, 200, at(5)
	must(t, s.RecordAttempts(ctx, []wabi.DeliveryUpdate{{Delivery: d1, Attempt: attempt}}))

	must(t, s.Close())
	closed = true
	late := text("wamid.late", tr.phone.ID, phone.WaID, wabi.Inbound, at(6), wabi.StatusReceived)
	if err := s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{late}}); err == nil {
		t.Error("Commit after Close succeeded")
	}

	s, err = open(dir)
	must(t, err)
	closed = false
	wantAll(t, []check{
		{"Business", res(s.Business(ctx, tr.biz.ID)), tr.biz},
		{"WABA", res(s.WABA(ctx, tr.waba.ID)), tr.waba},
		{"PhoneNumber", res(s.PhoneNumber(ctx, tr.phone.ID)), tr.phone},
		{"App", res(s.App(ctx, tr.app.ID)), tr.app},
		{"Token", res(s.Token(ctx, tok.Value)), tok},
		{"Subscriptions", res(s.Subscriptions(ctx, tr.waba.ID)), []*wabi.Subscription{sub}},
		{"Template", res(s.Template(ctx, tmpl.ID)), tmpl},
		{"VirtualPhone", res(s.VirtualPhone(ctx, phone.WaID)), phone},
		{"Messages", res(s.Messages(ctx, wabi.MessageFilter{})), []*wabi.Message{out, in}},
		{"Window", res(s.Window(ctx, tr.phone.ID, phone.WaID)), at(2)},
		{"Unfinished", res(s.Unfinished(ctx, at(0))), []*wabi.Message{out}},
		{"Deliveries", res(s.Deliveries(ctx, wabi.DeliveryFilter{})), []*wabi.Delivery{d2, d1}},
		{"PendingDeliveries", res(s.PendingDeliveries(ctx)), []*wabi.Delivery{d2}},
		{"Attempts", res(s.Attempts(ctx, d1.ID)), []*wabi.Attempt{attempt}},
	})

	// The reopened store takes writes, and its lists continue where they were.
	must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{late}}))
	got, err := s.Messages(ctx, wabi.MessageFilter{Limit: 1})
	must(t, err)
	wantEqual(t, "newest Message after reopening", ids(got), []string{late.ID})
}
