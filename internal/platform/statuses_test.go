package platform_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// TestStatusesOfOneMessageInOneCall checks what a network that reports a
// message's statuses together gets: each status its own webhook, in order, the
// message left at the last one, and an update of another message that fails
// changing nothing of the rest.
func TestStatusesOfOneMessageInOneCall(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx, at := context.Background(), s.Clock.Now()
	s.P.Verify = func(context.Context, string, string) error { return nil }
	if _, err := s.P.SetAppWebhook(ctx, platform.Admin, s.Demo.App.ID, platform.WebhookConfig{
		CallbackURL: "http://127.0.0.1:9/hook", VerifyToken: "t", Fields: []string{wabi.FieldMessages}}); err != nil {
		t.Fatal(err)
	}
	m := &wabi.Message{ID: "wamid.1", PhoneNumberID: s.Demo.Phone.ID, WaID: s.Demo.Customer.WaID, Direction: wabi.Outbound,
		Type: wabi.TypeText, Timestamp: at, Status: wabi.StatusAccepted, StatusAt: at, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	if err := s.Store.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{m}}); err != nil {
		t.Fatal(err)
	}
	readAt := at.Add(time.Second)
	errs := s.P.UpdateStatuses(ctx, []wabi.StatusUpdate{
		{MessageID: "wamid.1", Status: wabi.StatusSent, Timestamp: at},
		{MessageID: "wamid.none", Status: wabi.StatusSent, Timestamp: at},
		{MessageID: "wamid.1", Status: wabi.StatusDelivered, Timestamp: at},
		{MessageID: "wamid.none", Status: wabi.StatusDelivered, Timestamp: at},
		{MessageID: "wamid.1", Status: wabi.StatusRead, Timestamp: readAt},
		// Backwards: ignored, as alone.
		{MessageID: "wamid.1", Status: wabi.StatusDelivered, Timestamp: readAt},
	})
	for i, want := range []wabi.Code{"", wabi.ENotFound, "", wabi.ENotFound, "", ""} {
		if got := wabi.ErrorCode(errs[i]); got != want {
			t.Errorf("update %d: error %v, want code %q", i, errs[i], want)
		}
	}
	got, err := s.Store.Message(ctx, "wamid.1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != wabi.StatusRead || !got.StatusAt.Equal(readAt) {
		t.Errorf("message %s at %v, want read at %v", got.Status, got.StatusAt, readAt)
	}
	ds, err := s.Store.Deliveries(ctx, wabi.DeliveryFilter{MessageID: "wamid.1"})
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, d := range slices.Backward(ds) {
		events = append(events, d.Event)
	}
	if want := []string{"status.sent", "status.delivered", "status.read"}; !slices.Equal(events, want) {
		t.Errorf("webhooks %v, want %v", events, want)
	}
}
