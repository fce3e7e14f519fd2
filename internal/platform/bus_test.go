package platform_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/bus"
	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// deafBus loses every notice, as a bus that was reconnecting would.
type deafBus struct{}

func (deafBus) Publish(context.Context, string, []byte) error  { return nil }
func (deafBus) Subscribe(string, func([]byte)) (cancel func()) { return func() {} }

// secondNode returns another platform over the stack's store and clock, as a
// second wabi node on the same database would be, joined to b.
func secondNode(t *testing.T, s *wabitest.Stack, b wabi.Bus) *platform.Platform {
	t.Helper()
	p := platform.New(s.Store, idleNetwork{}, s.Clock, wabi.NewIDGen(s.Clock))
	p.Encoders[wabi.DialectCloud] = cloudapi.WebhookEncoder{}
	p.URLKey = []byte("test url key")
	p.Logger = slog.New(slog.DiscardHandler)
	p.Bus = b
	t.Cleanup(p.JoinBus())
	return p
}

// twoNodes returns the platforms of two nodes over one store, joined by an
// in-process bus, or by one that loses everything when deaf.
func twoNodes(t *testing.T, deaf bool) (s *wabitest.Stack, a, b *platform.Platform) {
	t.Helper()
	s = wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	var l bus.Local
	busA, busB := l.Node(), l.Node()
	if deaf {
		busA, busB = deafBus{}, deafBus{}
	}
	s.P.Bus = busA
	t.Cleanup(s.P.JoinBus())
	return s, s.P, secondNode(t, s, busB)
}

// TestBusTokenRevoked: a token revoked through node A is refused by node B at
// once, although B had it cached; B's other tokens keep working. Without the
// notice, B would take the revoked token until its cache entry expires.
func TestBusTokenRevoked(t *testing.T) {
	for _, tc := range []struct {
		name string
		deaf bool
	}{{"bus", false}, {"notice lost", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s, a, b := twoNodes(t, tc.deaf)
			ctx := context.Background()
			newToken := func() string {
				tok, err := a.CreateToken(ctx, platform.NewToken{BusinessID: s.Demo.Business.ID, Name: "ci"})
				if err != nil {
					t.Fatal(err)
				}
				return tok.Value
			}
			revoked, kept := newToken(), newToken()
			for _, v := range []string{revoked, kept} {
				if _, err := b.Authenticate(ctx, v); err != nil {
					t.Fatalf("B before the revocation: %v", err)
				}
			}
			if err := a.RevokeToken(ctx, revoked); err != nil {
				t.Fatal(err)
			}
			_, err := b.Authenticate(ctx, revoked)
			if tc.deaf {
				// The fallback: stale for CacheTTL at most.
				if err != nil {
					t.Fatalf("B refused the token without a notice (%v): the test proves nothing", err)
				}
				s.Clock.Advance(b.CacheTTL + time.Millisecond)
				_, err = b.Authenticate(ctx, revoked)
			}
			if wabi.ErrorCode(err) != wabi.EInvalidToken {
				t.Errorf("B took the revoked token: err %v, want %s", err, wabi.EInvalidToken)
			}
			if _, err := b.Authenticate(ctx, kept); err != nil {
				t.Errorf("B refused the token that was kept: %v", err)
			}
		})
	}
}

// TestBusDeregistered: a number deregistered through A is refused by B's next
// send, although B had the number cached from the send before.
func TestBusDeregistered(t *testing.T) {
	s, a, b := twoNodes(t, false)
	ctx := context.Background()
	send := func() error {
		_, err := b.Send(ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: s.Demo.Phone.ID,
			To: s.Demo.Customer.WaID, Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}})
		return err
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	if err := a.Deregister(ctx, platform.Admin, s.Demo.Phone.ID); err != nil {
		t.Fatal(err)
	}
	if err := send(); wabi.ErrorCode(err) != wabi.ENotRegistered {
		t.Errorf("B sent from a deregistered number: err %v, want %s", err, wabi.ENotRegistered)
	}
}

// recorder keeps what a platform tells about messages and deliveries.
type recorder struct {
	mu         sync.Mutex
	messages   []wabi.Message
	deliveries []string
}

func (r *recorder) watch(p *platform.Platform) {
	p.OnMessage = func(m *wabi.Message) {
		r.mu.Lock()
		r.messages = append(r.messages, *m)
		r.mu.Unlock()
	}
	p.OnDeliveries = func(ds []*wabi.Delivery) {
		r.mu.Lock()
		for _, d := range ds {
			r.deliveries = append(r.deliveries, d.Event)
		}
		r.mu.Unlock()
	}
}

func (r *recorder) take() (ms []wabi.Message, ds []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ms, ds = r.messages, r.deliveries
	r.messages, r.deliveries = nil, nil
	return ms, ds
}

// TestBusMessageStatus: B sent a message, so B remembers it; A marks it read.
// A late "delivered" that reaches B must then be ignored as it would be on A:
// no status change, no webhook. Without the notice, B would take its stale
// copy for CacheTTL and queue a "delivered" webhook after "read".
func TestBusMessageStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		deaf bool
	}{{"bus", false}, {"notice lost", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s, a, b := twoNodes(t, tc.deaf)
			ctx := context.Background()
			pn, wa := s.Demo.Phone, s.Demo.Customer.WaID
			if _, err := a.Receive(ctx, &wabi.Message{PhoneNumberID: pn.ID, WaID: wa, Type: wabi.TypeText,
				Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
				t.Fatal(err)
			}
			res, err := b.Send(ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: pn.ID,
				To: wa, Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello"}}}})
			if err != nil {
				t.Fatal(err)
			}
			id := res.MessageID
			if err := a.UpdateStatus(ctx, wabi.StatusUpdate{MessageID: id, Status: wabi.StatusRead}); err != nil {
				t.Fatal(err)
			}
			var rec recorder
			rec.watch(b)
			late := func() ([]wabi.Message, []string) {
				t.Helper()
				if err := b.UpdateStatus(ctx, wabi.StatusUpdate{MessageID: id, Status: wabi.StatusDelivered}); err != nil {
					t.Fatal(err)
				}
				return rec.take()
			}
			ms, ds := late()
			if tc.deaf {
				if len(ms) == 0 {
					t.Fatal("B ignored the late status without a notice: the test proves nothing")
				}
				s.Clock.Advance(b.CacheTTL + time.Millisecond)
				ms, ds = late()
			}
			if len(ms) != 0 || len(ds) != 0 {
				t.Errorf("B took a late delivered after read: changed %d messages, queued %q", len(ms), ds)
			}
			m, err := s.Store.Message(ctx, id)
			if err != nil || m.Status != wabi.StatusRead {
				t.Errorf("message is %v (%v), want read", m.Status, err)
			}
		})
	}
}

// interleaved is a store through which node B reads a sticker pack; on the
// first read it lets node A make a whole change first, as a node on another
// machine could between B's read and B's write.
type interleaved struct {
	wabi.Store
	once  sync.Once
	first func()
}

func (s *interleaved) Record(ctx context.Context, scope, kind, key string) (*wabi.Record, error) {
	r, err := s.Store.Record(ctx, scope, kind, key)
	if kind == "stickerpack" {
		s.once.Do(s.first)
	}
	return r, err
}

// TestStickerPackAcrossNodes: B reads a pack, A adds a sticker and renames the
// pack, then B adds a sticker from what it read. B must not give A's index
// again (overwriting A's sticker), nor undo A's rename.
func TestStickerPackAcrossNodes(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	a, ctx := s.P, context.Background()
	pn := s.Demo.OnPremPhone
	c := platform.MonitorCaller(pn.ID)
	now := s.Clock.Now()
	img := &wabi.MediaFile{ID: a.IDs().NewID(), PhoneNumberID: pn.ID, SHA256: "ab", MimeType: "image/webp", Size: 100,
		Origin: wabi.OriginUpload, CreatedAt: now, ExpiresAt: now.Add(platform.UploadTTL)}
	if err := s.Store.CreateMedia(ctx, img); err != nil {
		t.Fatal(err)
	}
	name, pub, renamed := "Birds", "Acme", "Sea birds"
	sp, err := a.CreateStickerPack(ctx, c, platform.StickerPackFields{Name: &name, Publisher: &pub})
	if err != nil {
		t.Fatal(err)
	}
	store := &interleaved{Store: s.Store, first: func() {
		if _, err := a.AddSticker(ctx, c, sp.ID, platform.StickerFields{ImageDataID: &img.ID}); err != nil {
			t.Errorf("A's sticker: %v", err)
		}
		if _, err := a.UpdateStickerPack(ctx, c, sp.ID, platform.StickerPackFields{Name: &renamed}); err != nil {
			t.Errorf("A's rename: %v", err)
		}
	}}
	b := platform.New(store, idleNetwork{}, s.Clock, wabi.NewIDGen(s.Clock))
	st, err := b.AddSticker(ctx, c, sp.ID, platform.StickerFields{ImageDataID: &img.ID})
	if err != nil {
		t.Fatal(err)
	}
	if st.Index != 1 {
		t.Errorf("B's sticker has index %d, want 1 (A took 0)", st.Index)
	}
	got, err := a.StickerPack(ctx, c, sp.ID)
	if err != nil || got.Name != renamed || got.NextIndex != 2 {
		t.Errorf("pack %+v (%v), want A's name and next index 2", got, err)
	}
	if ss, err := a.Stickers(ctx, c, sp.ID); err != nil || len(ss) != 2 {
		t.Errorf("%d stickers (%v), want 2", len(ss), err)
	}
}

// TestBusPhoneChanged: a virtual phone changed through A reaches B's
// PhoneChanged, as it is in the store, so that B's network releases what it
// held for the phone while it was offline.
func TestBusPhoneChanged(t *testing.T) {
	s, a, b := twoNodes(t, false)
	var got []wabi.VirtualPhone
	b.PhoneChanged = func(vp *wabi.VirtualPhone) { got = append(got, *vp) }
	vp := *s.Demo.Customer
	vp.Behaviour.Offline = true
	if _, err := a.PutVirtualPhone(context.Background(), &vp); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].WaID != vp.WaID || !got[0].Behaviour.Offline {
		t.Errorf("B's PhoneChanged got %+v, want the phone offline", got)
	}
}

// BenchmarkSendStatusBus measures a send and its "delivered" status on one
// node alone (no bus) and on a node with a bus to a second node that hears
// every notice: the cost of telling the other nodes.
func BenchmarkSendStatusBus(b *testing.B) {
	for _, tc := range []struct {
		name string
		bus  bool
	}{{"alone", false}, {"bus", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s := wabitest.New(b, wabitest.Options{Network: idleNetwork{}, Logger: slog.New(slog.DiscardHandler)})
			p, ctx := s.P, context.Background()
			if tc.bus {
				var l bus.Local
				p.Bus = l.Node()
				other := platform.New(s.Store, idleNetwork{}, s.Clock, wabi.NewIDGen(s.Clock))
				other.Bus = l.Node()
				b.Cleanup(other.JoinBus())
			}
			pn, wa := s.Demo.Phone, s.Demo.Customer.WaID
			if _, err := p.Receive(ctx, &wabi.Message{PhoneNumberID: pn.ID, WaID: wa, Type: wabi.TypeText,
				Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				res, err := p.Send(ctx, platform.Admin, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: pn.ID,
					To: wa, Message: &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello"}}}})
				if err != nil {
					b.Fatal(err)
				}
				if err := p.UpdateStatus(ctx, wabi.StatusUpdate{MessageID: res.MessageID, Status: wabi.StatusDelivered}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
