package sim_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// mustTenancy creates a business with one WABA and the business numbers pn1
// and pn2, which messages in the store need.
func (h *harness) mustTenancy(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("CreateBusiness", h.store.CreateBusiness(ctx, &wabi.Business{ID: "biz1", Name: "Shop", CreatedAt: start}))
	must("CreateWABA", h.store.CreateWABA(ctx, &wabi.WABA{ID: "waba1", BusinessID: "biz1", Name: "Shop",
		Currency: wabi.DefaultCurrency, CreatedAt: start}))
	for i, id := range []string{"pn1", "pn2"} {
		must("CreatePhoneNumber", h.store.CreatePhoneNumber(ctx, &wabi.PhoneNumber{ID: id, WABAID: "waba1",
			DisplayPhoneNumber: fmt.Sprintf("155500000%02d", i+1), VerifiedName: "Shop", Platform: wabi.PlatformCloud,
			Registered: true, CreatedAt: start}))
	}
}

// mustCommit stores messages, each a second newer than the one before.
func (h *harness) mustCommit(t *testing.T, ms ...*wabi.Message) {
	t.Helper()
	for i, m := range ms {
		at := start.Add(time.Duration(i) * time.Second)
		m.Type, m.Timestamp, m.StatusAt = wabi.TypeText, at, at
		m.Content = wabi.Content{Text: &wabi.Text{Body: "message " + m.ID}}
	}
	if err := h.store.Commit(context.Background(), &wabi.Batch{Messages: ms}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func msg(id, pn, waID string, d wabi.Direction, s wabi.Status) *wabi.Message {
	return &wabi.Message{ID: id, PhoneNumberID: pn, WaID: waID, Direction: d, Status: s}
}

// TestRead checks that a phone told to read opens only the delivered messages of
// one chat, the named ones when ids are given.
func TestRead(t *testing.T) {
	h := mustRunning(t, mustStore(t), phone("1001", wabi.Behaviour{}), phone("1002", wabi.Behaviour{}))
	h.mustTenancy(t)
	out, in := wabi.Outbound, wabi.Inbound
	h.mustCommit(t,
		msg("d1", "pn1", "1001", out, delivered),
		msg("d2", "pn1", "1001", out, delivered),
		msg("s1", "pn1", "1001", out, sent),
		msg("r1", "pn1", "1001", out, read),
		msg("f1", "pn1", "1001", out, failed),
		msg("i1", "pn1", "1001", in, wabi.StatusReceived),
		msg("other-phone", "pn1", "1002", out, delivered),
		msg("other-number", "pn2", "1001", out, delivered),
	)
	refuseD1 := func(u wabi.StatusUpdate) error {
		if u.MessageID == "d1" {
			return errors.New("disk full")
		}
		return nil
	}
	for _, c := range []struct {
		name        string
		waID, pn    string
		ids         []string
		fail        func(wabi.StatusUpdate) error
		want        []string // ids reported read
		wantErr     bool
		wantNumRead int
	}{
		{name: "all of a chat", waID: "1001", pn: "pn1", want: []string{"d1", "d2"}},
		{name: "named ones", waID: "1001", pn: "pn1", ids: []string{"d2", "s1", "r1", "other-phone", "other-number", "nope"},
			want: []string{"d2"}},
		{name: "other number", waID: "1001", pn: "pn2", want: []string{"other-number"}},
		{name: "other phone", waID: "1002", pn: "pn1", want: []string{"other-phone"}},
		{name: "nothing delivered", waID: "1003", pn: "pn1"},
		{name: "sink refuses", waID: "1001", pn: "pn1", fail: refuseD1, want: []string{"d2"}, wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &sink{fail: c.fail}
			h.net.Sink = s
			n, err := h.net.Read(context.Background(), c.waID, c.pn, c.ids)
			if (err != nil) != c.wantErr {
				t.Fatalf("Read error = %v, want error: %v", err, c.wantErr)
			}
			if n != len(c.want) {
				t.Errorf("Read = %d, want %d", n, len(c.want))
			}
			var got []string
			for _, u := range s.all() {
				got = append(got, u.MessageID)
				if u.Status != read || !u.Timestamp.Equal(start) || u.Error != nil {
					t.Errorf("update %+v, want read at %v without error", u, start)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("read %v, want %v", got, c.want)
			}
		})
	}
}

// TestSend checks that a virtual phone on WhatsApp and online can message a
// business number, and that other phones are refused before the sink hears of it.
func TestSend(t *testing.T) {
	h := mustRunning(t, mustStore(t),
		phone("2001", wabi.Behaviour{}),
		phone("2002", wabi.Behaviour{Offline: true}),
		phone("2003", wabi.Behaviour{NotOnWhatsApp: true}),
	)
	for _, c := range []struct {
		name string
		waID string
		want wabi.Code // "" for success
	}{
		{"online phone", "2001", ""},
		{"offline phone", "2002", wabi.EInvalidValue},
		{"phone not on WhatsApp", "2003", wabi.EInvalidValue},
		{"unknown phone", "2009", wabi.ENotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &sink{}
			h.net.Sink = s
			in := &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello shop"}}}
			got, err := h.net.Send(context.Background(), c.waID, "pn1", in)
			if code := wabi.ErrorCode(err); code != c.want {
				t.Fatalf("Send error = %v, want code %q", err, c.want)
			}
			if c.want != "" {
				if got != nil || len(s.received) != 0 {
					t.Errorf("refused send returned %+v and reached the sink %d times", got, len(s.received))
				}
				return
			}
			if len(s.received) != 1 {
				t.Fatalf("sink received %d messages, want 1", len(s.received))
			}
			r := s.received[0]
			if r.WaID != c.waID || r.PhoneNumberID != "pn1" || r.Text == nil || r.Text.Body != "hello shop" {
				t.Errorf("sink received %+v, want the text from %s to pn1", r, c.waID)
			}
			if got == nil || got.ID != r.ID || got.ID == "" {
				t.Errorf("Send returned %+v, want the sink's stored message %s", got, r.ID)
			}
		})
	}
}
