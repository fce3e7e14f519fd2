package platform_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// idleNetwork takes messages and does nothing with them: retention tests write
// their traffic straight to the store.
type idleNetwork struct{}

func (idleNetwork) Deliver(context.Context, *wabi.Message) error { return nil }

// pngOf returns a small PNG of one colour; different colours are different blobs.
func pngOf(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, c)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRetentionDefaults checks the retention a new platform starts with: Meta's
// 30 days of message content, and a week of finished deliveries.
func TestRetentionDefaults(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	if s.P.MessageRetention != 30*24*time.Hour || s.P.DeliveryRetention != 7*24*time.Hour {
		t.Errorf("retention %v and %v, want 720h and 168h", s.P.MessageRetention, s.P.DeliveryRetention)
	}
}

// TestSweepRetention tells the story of one sweep, with retentions shorter than
// the media lifetimes so that what goes with a message is told apart from what
// expires on its own. Messages older than the retention go, whatever their status,
// and so does the photo a consumer sent, bytes and all, while the business's
// upload lives on; newer messages stay; analytics count exactly what they counted
// before. Finished deliveries older than theirs go; a pending one stays, and is
// still delivered, body and all, although its message is gone.
func TestSweepRetention(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	p, store, ctx := s.P, s.Store, context.Background()
	p.MessageRetention, p.DeliveryRetention = 48*time.Hour, 24*time.Hour
	pn, wa := s.Demo.Phone, s.Demo.Customer.WaID
	t0 := s.Clock.Now()

	upload := func(body []byte, origin string) *wabi.MediaFile {
		mf, err := p.UploadMedia(ctx, platform.Admin, platform.MediaUpload{PhoneNumberID: pn.ID,
			Body: bytes.NewReader(body), Declared: "image/png", Origin: origin})
		if err != nil {
			t.Fatal(err)
		}
		return mf
	}
	photo := upload(pngOf(t, color.RGBA{200, 10, 10, 255}), wabi.OriginInbound)
	logo := upload(pngOf(t, color.RGBA{10, 10, 200, 255}), wabi.OriginUpload)
	msg := func(id string, dir wabi.Direction, at time.Time, st wabi.Status, c wabi.Content, typ wabi.Type) *wabi.Message {
		return &wabi.Message{ID: id, PhoneNumberID: pn.ID, WaID: wa, Direction: dir, Type: typ, Timestamp: at,
			Status: st, StatusAt: at, Category: "service", Content: c}
	}
	later := t0.Add(71 * time.Hour) // inside the 48 hours before the sweep at t0+72h
	ms := []*wabi.Message{
		msg("wamid.photo", wabi.Inbound, t0, wabi.StatusReceived, wabi.Content{Image: &wabi.Media{ID: photo.ID}}, wabi.TypeImage),
		msg("wamid.logo", wabi.Outbound, t0, wabi.StatusRead, wabi.Content{Image: &wabi.Media{ID: logo.ID}}, wabi.TypeImage),
		msg("wamid.unread", wabi.Outbound, t0.Add(time.Minute), wabi.StatusDelivered, wabi.Content{Text: &wabi.Text{Body: "old"}}, wabi.TypeText),
		msg("wamid.new", wabi.Outbound, later, wabi.StatusRead, wabi.Content{Text: &wabi.Text{Body: "new"}}, wabi.TypeText),
	}
	delivery := func(id, messageID string, state wabi.DeliveryState, updated time.Time) *wabi.Delivery {
		return &wabi.Delivery{ID: id, Dialect: wabi.DialectCloud, TargetID: s.Demo.App.ID, WABAID: pn.WABAID,
			PhoneNumberID: pn.ID, WaID: wa, MessageID: messageID, Event: "status.read",
			Body: []byte(`{"object":"whatsapp_business_account","id":"` + id + `"}`), State: state,
			NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: updated}
	}
	ds := []*wabi.Delivery{
		delivery("1000000000000001", "wamid.logo", wabi.DeliveryDelivered, t0),
		delivery("1000000000000002", "wamid.logo", wabi.DeliveryFailed, t0.Add(time.Hour)),
		delivery("1000000000000003", "wamid.photo", wabi.DeliveryPending, t0),
		delivery("1000000000000004", "wamid.new", wabi.DeliveryDelivered, later),
	}
	if err := store.Commit(ctx, &wabi.Batch{Messages: ms, Deliveries: ds}); err != nil {
		t.Fatal(err)
	}
	q := wabi.StatsQuery{PhoneNumberIDs: []string{pn.ID}, Start: t0.Add(-time.Hour), End: t0.Add(96 * time.Hour), Bucket: time.Hour}
	counted, err := store.MessageStats(ctx, q)
	if err != nil {
		t.Fatal(err)
	}

	s.Clock.Advance(72 * time.Hour)
	got, err := p.SweepRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (platform.Sweep{Messages: 3, MessageMedia: 1, Deliveries: 2}); got != want {
		t.Errorf("SweepRetention = %+v, want %+v", got, want)
	}

	for _, c := range []struct {
		what string
		err  error
		want wabi.Code // "" when it must still be there
	}{
		{"old inbound photo message", errOf(store.Message(ctx, "wamid.photo")), wabi.ENotFound},
		{"old outbound message", errOf(store.Message(ctx, "wamid.logo")), wabi.ENotFound},
		{"old message still at delivered", errOf(store.Message(ctx, "wamid.unread")), wabi.ENotFound},
		{"new message", errOf(store.Message(ctx, "wamid.new")), ""},
		{"the consumer's photo", errOf(store.MediaFile(ctx, photo.ID)), wabi.ENotFound},
		{"the photo's bytes", errOf(s.Blobs.Open(photo.SHA256)), wabi.ENotFound},
		{"the business's upload", errOf(store.MediaFile(ctx, logo.ID)), ""},
		{"the upload's bytes", errOf(s.Blobs.Open(logo.SHA256)), ""},
		{"delivered long ago", errOf(store.Delivery(ctx, ds[0].ID)), wabi.ENotFound},
		{"given up long ago", errOf(store.Delivery(ctx, ds[1].ID)), wabi.ENotFound},
		{"pending since long ago", errOf(store.Delivery(ctx, ds[2].ID)), ""},
		{"delivered lately", errOf(store.Delivery(ctx, ds[3].ID)), ""},
	} {
		if code := wabi.ErrorCode(c.err); code != c.want {
			t.Errorf("%s: error %v, want code %q", c.what, c.err, c.want)
		}
	}
	after, err := store.MessageStats(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(counted) == 0 || !equalStats(counted, after) {
		t.Errorf("analytics before the sweep %+v, after %+v: want them equal", counted, after)
	}
	if again, err := p.SweepRetention(ctx); err != nil || again.Total() != 0 {
		t.Errorf("a second sweep deleted %+v (%v), want nothing", again, err)
	}

	// The pending delivery of the deleted message still goes out as queued.
	bodies := make(chan []byte, 1)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case bodies <- b:
		default:
		}
	}))
	t.Cleanup(rc.Close)
	p.Verify = nil
	if _, err := p.SetAppWebhook(ctx, platform.Admin, s.Demo.App.ID, platform.WebhookConfig{CallbackURL: rc.URL,
		VerifyToken: "v", Fields: []string{wabi.FieldMessages}}); err != nil {
		t.Fatal(err)
	}
	s.Engine.Enqueue(ds[2])
	select {
	case b := <-bodies:
		if !bytes.Equal(b, ds[2].Body) {
			t.Errorf("the receiver got %s, want the queued body %s", b, ds[2].Body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the pending delivery of a deleted message was not delivered")
	}
}

// TestRunRetention checks that the background loop sweeps on the platform's
// clock, every interval, with nothing but the clock to move it.
func TestRunRetention(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "wabi.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	clock := wabi.NewManualClock(start)
	p := platform.New(store, idleNetwork{}, clock, wabi.NewIDGen(clock))
	p.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.RunRetention(ctx, time.Minute); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	m := &wabi.Message{ID: "wamid.old", PhoneNumberID: "pn1", WaID: "15550002000", Direction: wabi.Inbound,
		Type: wabi.TypeText, Timestamp: start, Status: wabi.StatusReceived, StatusAt: start, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	if err := store.Commit(context.Background(), &wabi.Batch{Messages: []*wabi.Message{m}}); err != nil {
		t.Fatal(err)
	}
	// Thirty days on, the message is at the edge: the sweep then keeps it.
	waitTimer(t, clock)
	clock.Advance(platform.DefaultMessageRetention)
	waitTimer(t, clock) // the sweep ran and set its next timer
	if _, err := store.Message(context.Background(), m.ID); err != nil {
		t.Fatalf("message deleted at exactly its retention: %v", err)
	}
	// A minute later, the next sweep deletes it.
	clock.Advance(time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := store.Message(context.Background(), m.ID)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sweep a minute after the retention kept the message (%v)", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitTimer waits until the retention loop's timer is set on the clock, the only
// one there is.
func waitTimer(t *testing.T, c *wabi.ManualClock) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.Pending() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d timers on the clock, want the retention loop's", c.Pending())
		}
		time.Sleep(time.Millisecond)
	}
}

func errOf[T any](_ T, err error) error { return err }

func equalStats(a, b []wabi.StatsRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.PhoneNumberID != y.PhoneNumberID || x.WaID != y.WaID || !x.Start.Equal(y.Start) || x.Category != y.Category ||
			x.Sent != y.Sent || x.Delivered != y.Delivered || x.Read != y.Read || x.Failed != y.Failed || x.Received != y.Received {
			return false
		}
	}
	return true
}

// TestStatusOfDeletedMessage checks that a status arriving for a message that
// retention deleted fails alone: the other statuses recorded with it stand,
// although the platform still remembered the deleted message.
func TestStatusOfDeletedMessage(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx, at := context.Background(), s.Clock.Now()
	msg := func(id string) *wabi.Message {
		return &wabi.Message{ID: id, PhoneNumberID: s.Demo.Phone.ID, WaID: s.Demo.Customer.WaID, Direction: wabi.Outbound,
			Type: wabi.TypeText, Timestamp: at, Status: wabi.StatusAccepted, StatusAt: at, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	}
	if err := s.Store.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{msg("wamid.gone")}}); err != nil {
		t.Fatal(err)
	}
	// The platform remembers the message once it recorded a status of it.
	if err := s.P.UpdateStatus(ctx, wabi.StatusUpdate{MessageID: "wamid.gone", Status: wabi.StatusSent}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.ExpireMessages(ctx, at.Add(time.Second), 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.Commit(ctx, &wabi.Batch{Messages: []*wabi.Message{msg("wamid.kept")}}); err != nil {
		t.Fatal(err)
	}
	errs := s.P.UpdateStatuses(ctx, []wabi.StatusUpdate{
		{MessageID: "wamid.gone", Status: wabi.StatusDelivered},
		{MessageID: "wamid.kept", Status: wabi.StatusSent},
	})
	if wabi.ErrorCode(errs[0]) != wabi.ENotFound || errs[1] != nil {
		t.Errorf("UpdateStatuses = %v, want ENotFound for the deleted message and nil for the other", errs)
	}
	if m, err := s.Store.Message(ctx, "wamid.kept"); err != nil || m.Status != wabi.StatusSent {
		t.Errorf("the other message: %+v, %v; want it sent", m, err)
	}
}
