package platform_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// TestChannelKeys checks that a channel key is stored as a hash, shown once,
// reaches its own number to send and its WABA's templates to list, is refused
// on another number and on management with a permission error (not found
// across businesses), and stops working when deleted.
func TestChannelKeys(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{})
	ctx := context.Background()
	pn := s.Demo.Phone.ID

	if _, err := s.P.CreateChannelKey(ctx, "999"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Fatalf("key for no number: %v, want not found", err)
	}
	k, err := s.P.CreateChannelKey(ctx, pn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.Key, platform.ChannelKeyPrefix) || len(k.Key) < 40 || k.ID == "" {
		t.Fatalf("new key %+v", k)
	}
	for _, kind := range []string{"channel_key", "channel_key_hash"} {
		for _, scope := range []string{pn, ""} {
			recs, err := s.Store.Records(ctx, scope, kind, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if bytes.Contains(r.Value, []byte(k.Key)) || strings.Contains(r.Key, k.Key) {
					t.Errorf("record %s/%s/%s holds the key in the clear", scope, kind, r.Key)
				}
			}
		}
	}
	keys, err := s.P.ChannelKeys(ctx, pn)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].ID != k.ID || keys[0].Last4 != k.Key[len(k.Key)-4:] || !keys[0].CreatedAt.Equal(k.CreatedAt) {
		t.Fatalf("keys %+v, want the one made (%s, last4 %s)", keys, k.ID, k.Key[len(k.Key)-4:])
	}

	c, err := s.P.Authenticate(ctx, k.Key)
	if err != nil {
		t.Fatal(err)
	}
	if c.Channel == nil || c.Channel.PhoneNumberID != pn || c.Channel.WABAID != s.Demo.WABA.ID || c.Token != nil || c.Admin {
		t.Fatalf("caller %+v, want a channel caller of %s", c, pn)
	}
	if _, err := s.P.Authenticate(ctx, k.Key+"x"); wabi.ErrorCode(err) != wabi.EInvalidToken {
		t.Errorf("a wrong key: %v, want invalid token", err)
	}

	text := func() *wabi.Message {
		return &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hi"}}}
	}
	if _, err := s.P.Send(ctx, c, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: pn, To: platform.DemoCustomerNumber, Message: text()}); err != nil {
		t.Fatalf("send on its own number: %v", err)
	}
	if _, err := s.P.Templates(ctx, c, s.Demo.WABA.ID, platform.TemplateFilter{}); err != nil {
		t.Errorf("list its WABA's templates: %v", err)
	}

	sibling, err := s.P.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: s.Demo.WABA.ID, Number: "+1 555 000 1099", VerifiedName: "Sibling", Registered: true})
	if err != nil {
		t.Fatal(err)
	}
	otherBiz, err := s.P.CreateBusiness(ctx, "Other")
	if err != nil {
		t.Fatal(err)
	}
	otherWABA, err := s.P.CreateWABA(ctx, otherBiz.ID, "Other")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := s.P.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: otherWABA.ID, Number: "+1 555 000 1098", VerifiedName: "Stranger", Registered: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		call func() error
		want wabi.Code
	}{
		{"send on a sibling number", func() error {
			_, err := s.P.Send(ctx, c, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: sibling.ID, To: platform.DemoCustomerNumber, Message: text()})
			return err
		}, wabi.EPermission},
		{"send on another business's number", func() error {
			_, err := s.P.Send(ctx, c, platform.SendRequest{Via: wabi.PlatformCloud, PhoneNumberID: stranger.ID, To: platform.DemoCustomerNumber, Message: text()})
			return err
		}, wabi.ENotFound},
		{"read its number as a manager", func() error { _, err := s.P.PhoneNumber(ctx, c, pn); return err }, wabi.EPermission},
		{"list its WABA's numbers", func() error { _, err := s.P.PhoneNumbers(ctx, c, s.Demo.WABA.ID); return err }, wabi.EPermission},
		{"subscribe an app", func() error {
			return s.P.Subscribe(ctx, c, s.Demo.WABA.ID, s.Demo.App.ID, "", "")
		}, wabi.EPermission},
		{"list another WABA's templates", func() error {
			_, err := s.P.Templates(ctx, c, otherWABA.ID, platform.TemplateFilter{})
			return err
		}, wabi.ENotFound},
		{"submit a template", func() error {
			_, err := s.P.SubmitTemplate(ctx, c, s.Demo.WABA.ID, platform.NewTemplate{Name: "x", Language: "en_US", Category: "UTILITY"})
			return err
		}, wabi.EPermission},
	} {
		if err := tt.call(); wabi.ErrorCode(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}

	if err := s.P.DeleteChannelKey(ctx, sibling.ID, k.ID); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("delete through another number: %v, want not found", err)
	}
	if err := s.P.DeleteChannelKey(ctx, pn, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.P.Authenticate(ctx, k.Key); wabi.ErrorCode(err) != wabi.EInvalidToken {
		t.Errorf("a deleted key: %v, want invalid token", err)
	}
	if keys, err := s.P.ChannelKeys(ctx, pn); err != nil || len(keys) != 0 {
		t.Errorf("keys after the delete: %+v, %v", keys, err)
	}
	if err := s.P.DeleteChannelKey(ctx, pn, k.ID); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("delete again: %v, want not found", err)
	}
}
