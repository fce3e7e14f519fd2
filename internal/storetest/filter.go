package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// typed returns a message of the chat (phone, waID) of type typ: text, image or
// template.
func typed(id, phone, waID string, dir wabi.Direction, typ wabi.Type, ts time.Time, status wabi.Status) *wabi.Message {
	m := text(id, phone, waID, dir, ts, status)
	switch typ {
	case wabi.TypeImage:
		m.Type, m.Text, m.Image = typ, nil, &wabi.Media{ID: "media-" + id, MimeType: "image/jpeg"}
	case wabi.TypeTemplate:
		m.Type, m.Text, m.Template = typ, nil, &wabi.TemplateSend{Name: "hello_world",
			Language: &wabi.TemplateLanguage{Code: "en_US"}}
	}
	return m
}

// testMessageFilter lists messages by type, current status and time range, alone
// and with the other filters, as the console searches them, and pages through
// a filtered list.
func testMessageFilter(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	ms := []*wabi.Message{
		typed("f1", "phone1", "waA", wabi.Outbound, wabi.TypeText, at(1), wabi.StatusSent),
		typed("f2", "phone1", "waA", wabi.Inbound, wabi.TypeImage, at(2), wabi.StatusReceived),
		typed("f3", "phone1", "waB", wabi.Outbound, wabi.TypeTemplate, at(3), wabi.StatusFailed),
		typed("f4", "phone2", "waA", wabi.Outbound, wabi.TypeText, at(4), wabi.StatusDelivered),
		typed("f5", "phone1", "waA", wabi.Inbound, wabi.TypeText, at(5), wabi.StatusReceived),
		typed("f6", "phone2", "waB", wabi.Outbound, wabi.TypeImage, at(6), wabi.StatusSent),
	}
	for _, m := range ms {
		must(t, s.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m}}))
	}
	// Status filters the status a message has now, not the one it was written with.
	must(t, s.Commit(ctx, &wabi.Batch{Statuses: []wabi.StatusChange{
		{MessageID: "f1", Status: wabi.StatusRead, At: at(7)},
		{MessageID: "f5", Status: wabi.StatusRead, At: at(7)},
	}}))

	for _, c := range []struct {
		name string
		f    wabi.MessageFilter
		want []string
	}{
		{"type", wabi.MessageFilter{Type: wabi.TypeText}, []string{"f5", "f4", "f1"}},
		{"type of a number", wabi.MessageFilter{PhoneNumberID: "phone1", Type: wabi.TypeImage}, []string{"f2"}},
		{"type nobody sent", wabi.MessageFilter{Type: wabi.TypeSticker}, []string{}},
		{"status after a change", wabi.MessageFilter{Status: wabi.StatusRead}, []string{"f5", "f1"}},
		{"status left behind", wabi.MessageFilter{Status: wabi.StatusSent}, []string{"f6"}},
		{"failed", wabi.MessageFilter{Status: wabi.StatusFailed}, []string{"f3"}},
		{"since, inclusive", wabi.MessageFilter{Since: at(3)}, []string{"f6", "f5", "f4", "f3"}},
		{"since, to the nanosecond", wabi.MessageFilter{Since: at(3).Add(time.Nanosecond)}, []string{"f6", "f5", "f4"}},
		{"until, exclusive", wabi.MessageFilter{Until: at(3)}, []string{"f2", "f1"}},
		{"range of a number", wabi.MessageFilter{PhoneNumberID: "phone1", Since: at(2), Until: at(5)},
			[]string{"f3", "f2"}},
		{"empty range", wabi.MessageFilter{Since: at(4), Until: at(4)}, []string{}},
		{"range before everything", wabi.MessageFilter{Until: at(0)}, []string{}},
		{"contact since", wabi.MessageFilter{WaID: "waA", Since: at(2)}, []string{"f5", "f4", "f2"}},
		{"chat, direction and range", wabi.MessageFilter{PhoneNumberID: "phone1", WaID: "waA",
			Direction: wabi.Inbound, Since: at(2)}, []string{"f5", "f2"}},
		{"direction, type and status", wabi.MessageFilter{Direction: wabi.Outbound, Type: wabi.TypeText,
			Status: wabi.StatusRead}, []string{"f1"}},
		{"everything at once", wabi.MessageFilter{PhoneNumberID: "phone2", WaID: "waB", Direction: wabi.Outbound,
			Type: wabi.TypeImage, Status: wabi.StatusSent, Since: at(6), Until: at(7)}, []string{"f6"}},
		{"filter and before", wabi.MessageFilter{Type: wabi.TypeText, BeforeID: "f4"}, []string{"f1"}},
	} {
		got, err := s.Messages(ctx, c.f)
		must(t, err)
		wantEqual(t, "Messages "+c.name, ids(got), c.want)
	}

	// Paging a filtered list walks just its messages, once.
	var paged []string
	f := wabi.MessageFilter{Since: at(2), Until: at(6), Limit: 2}
	for page := 0; page < 5; page++ {
		got, err := s.Messages(ctx, f)
		must(t, err)
		if len(got) == 0 {
			break
		}
		paged = append(paged, ids(got)...)
		f.BeforeID = got[len(got)-1].ID
	}
	wantEqual(t, "paged filtered Messages", paged, []string{"f5", "f4", "f3", "f2"})
}

// testDeliveryFilter lists deliveries by dialect, alone and with a target and
// a state.
func testDeliveryFilter(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	var ds []*wabi.Delivery
	for i, d := range []struct {
		dialect, target string
		state           wabi.DeliveryState
	}{
		{wabi.DialectCloud, "app1", wabi.DeliveryFailed},
		{wabi.DialectOnPrem, "phone1", wabi.DeliveryFailed},
		{wabi.DialectCloud, "app1", wabi.DeliveryDelivered},
		{wabi.DialectOnPrem, "phone1", wabi.DeliveryPending},
	} {
		dd := delivery(fmt.Sprint(1000000000000001+i), d.target, "m1", at(i))
		dd.Dialect, dd.State = d.dialect, d.state
		ds = append(ds, dd)
	}
	must(t, s.Commit(ctx, &wabi.Batch{Deliveries: ds}))
	for _, c := range []struct {
		name string
		f    wabi.DeliveryFilter
		want []*wabi.Delivery
	}{
		{"cloud", wabi.DeliveryFilter{Dialect: wabi.DialectCloud}, []*wabi.Delivery{ds[2], ds[0]}},
		{"on-premises", wabi.DeliveryFilter{Dialect: wabi.DialectOnPrem}, []*wabi.Delivery{ds[3], ds[1]}},
		{"on-premises target", wabi.DeliveryFilter{AppID: "phone1"}, []*wabi.Delivery{ds[3], ds[1]}},
		{"failed on-premises", wabi.DeliveryFilter{Dialect: wabi.DialectOnPrem, State: wabi.DeliveryFailed},
			[]*wabi.Delivery{ds[1]}},
		{"dialect and a target of the other", wabi.DeliveryFilter{Dialect: wabi.DialectCloud, AppID: "phone1"},
			[]*wabi.Delivery{}},
	} {
		wantAll(t, []check{{"Deliveries " + c.name, res(s.Deliveries(ctx, c.f)), c.want}})
	}
}
