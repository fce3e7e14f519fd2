package platform

import (
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestValidateInboundKinds covers the kinds a virtual phone sends besides chat:
// orders, ad referrals, system notices, unsupported messages and chat openers.
func TestValidateInboundKinds(t *testing.T) {
	t.Parallel()
	order := func(f func(*wabi.Order)) wabi.Content {
		o := &wabi.Order{CatalogID: "194836987003835", ProductItems: []wabi.OrderItem{
			{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 30, Currency: "USD"}}}
		if f != nil {
			f(o)
		}
		return wabi.Content{Order: o}
	}
	ad := func(f func(*wabi.Referral)) wabi.Content {
		r := &wabi.Referral{SourceURL: "https://fb.me/3cr4Wqqkv", SourceID: "120226305854810726", SourceType: "ad",
			MediaType: "video", VideoURL: "https://example.com/ad.mp4", ThumbnailURL: "https://example.com/ad.jpg"}
		if f != nil {
			f(r)
		}
		return wabi.Content{Text: &wabi.Text{Body: "Hi"}, Referral: r}
	}
	changed := &wabi.System{Type: wabi.SystemUserChangedNumber, WaID: "12195551234"}
	tests := []struct {
		name     string
		typ      wabi.Type
		content  wabi.Content
		wantCode wabi.Code
		wantPath string
	}{
		{"order", wabi.TypeOrder, order(nil), "", ""},
		{"order without object", wabi.TypeOrder, wabi.Content{}, wabi.ERequired, "order"},
		{"order without catalog", wabi.TypeOrder, order(func(o *wabi.Order) { o.CatalogID = "" }), wabi.ERequired, "order['catalog_id']"},
		{"empty cart", wabi.TypeOrder, order(func(o *wabi.Order) { o.ProductItems = []wabi.OrderItem{} }), wabi.EInvalidParam, "order['product_items']"},
		{"zero quantity", wabi.TypeOrder, order(func(o *wabi.Order) { o.ProductItems[0].Quantity = 0 }), wabi.EInvalidParam, "['quantity']"},
		{"negative price", wabi.TypeOrder, order(func(o *wabi.Order) { o.ProductItems[0].ItemPrice = -1 }), wabi.EInvalidParam, "['item_price']"},
		{"bad currency", wabi.TypeOrder, order(func(o *wabi.Order) { o.ProductItems[0].Currency = "usd" }), wabi.EInvalidValue, "['currency']"},
		{"order beside text", wabi.TypeText, func() wabi.Content { c := order(nil); c.Text = &wabi.Text{Body: "x"}; return c }(), wabi.EInvalidParam, "order"},

		{"referral on text", wabi.TypeText, ad(nil), "", ""},
		{"referral without source", wabi.TypeText, ad(func(r *wabi.Referral) { r.SourceURL = "" }), wabi.EInvalidValue, "referral['source_url']"},
		{"referral of a story", wabi.TypeText, ad(func(r *wabi.Referral) { r.SourceType = "story" }), wabi.EInvalidParam, "referral['source_type']"},
		{"video without thumbnail", wabi.TypeText, ad(func(r *wabi.Referral) { r.ThumbnailURL = "" }), wabi.ERequired, "referral['thumbnail_url']"},
		{"image url on a video ad", wabi.TypeText, ad(func(r *wabi.Referral) { r.ImageURL = "https://example.com/a.jpg" }), wabi.EInvalidParam, "referral['image_url']"},
		{"referral on a reaction", wabi.TypeReaction, wabi.Content{Reaction: &wabi.Reaction{MessageID: "wamid.x", Emoji: "👍"}, Referral: ad(nil).Referral}, wabi.EInvalidParam, "referral"},

		{"number changed", wabi.TypeSystem, wabi.Content{System: changed}, "", ""},
		{"identity changed", wabi.TypeSystem, wabi.Content{System: &wabi.System{Type: wabi.SystemCustomerIdentityChanged, Identity: "abc"}}, "", ""},
		{"number changed to nothing", wabi.TypeSystem, wabi.Content{System: &wabi.System{Type: wabi.SystemUserChangedNumber}}, wabi.ERequired, "system['wa_id']"},
		{"number changed to letters", wabi.TypeSystem, wabi.Content{System: &wabi.System{Type: wabi.SystemUserChangedNumber, WaID: "+1 219"}}, wabi.EInvalidValue, "system['wa_id']"},
		{"unknown notice", wabi.TypeSystem, wabi.Content{System: &wabi.System{Type: "group_created"}}, wabi.EInvalidParam, "system['type']"},

		{"unsupported poll", wabi.TypeUnsupported, wabi.Content{Unsupported: &wabi.Unsupported{Type: "poll"}}, "", ""},
		{"unsupported", wabi.TypeUnsupported, wabi.Content{}, "", ""},
		{"request welcome", wabi.TypeRequestWelcome, wabi.Content{}, "", ""},
		{"request welcome with text", wabi.TypeRequestWelcome, wabi.Content{Text: &wabi.Text{Body: "hi"}}, wabi.EInvalidParam, "text"},
		{"reaction removed", wabi.TypeReaction, wabi.Content{Reaction: &wabi.Reaction{MessageID: "wamid.x"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateInbound(&wabi.Message{WaID: "16505551234", Type: tt.typ, Content: tt.content})
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("ValidateInbound = %v, want nil", err)
				}
				return
			}
			if wabi.ErrorCode(err) != tt.wantCode || !strings.Contains(err.Error(), tt.wantPath) {
				t.Fatalf("ValidateInbound = %v, want %s naming %s", err, tt.wantCode, tt.wantPath)
			}
		})
	}
}

// TestValidateOutboundRefusesReferral keeps ad referrals on the consumer's side.
func TestValidateOutboundRefusesReferral(t *testing.T) {
	t.Parallel()
	m := &wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "Hi"},
		Referral: &wabi.Referral{SourceURL: "https://fb.me/x", SourceID: "1", SourceType: "ad"}}}
	if err := ValidateOutbound(m); wabi.ErrorCode(err) != wabi.EInvalidParam || !strings.Contains(err.Error(), "referral") {
		t.Fatalf("ValidateOutbound = %v, want invalid_parameter naming referral", err)
	}
}

// TestOnPremInbound refuses what the On-Premises API never had a webhook for.
func TestOnPremInbound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    wabi.Message
		ok   bool
	}{
		{"order", wabi.Message{Type: wabi.TypeOrder}, false},
		{"request welcome", wabi.Message{Type: wabi.TypeRequestWelcome}, false},
		{"flow answer", wabi.Message{Type: wabi.TypeInteractive, Content: wabi.Content{Interactive: &wabi.Interactive{Type: wabi.InteractiveNFMReply}}}, false},
		{"referral", wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Referral: &wabi.Referral{}}}, false},
		{"system", wabi.Message{Type: wabi.TypeSystem}, true},
		{"unsupported", wabi.Message{Type: wabi.TypeUnsupported}, true},
		{"list reply", wabi.Message{Type: wabi.TypeInteractive, Content: wabi.Content{Interactive: &wabi.Interactive{Type: wabi.InteractiveListReply}}}, true},
	}
	for _, tt := range tests {
		err := onPremInbound(&tt.m)
		if tt.ok != (err == nil) || (err != nil && wabi.ErrorCode(err) != wabi.EUnsupportedType) {
			t.Errorf("%s: onPremInbound = %v, want ok=%v or unsupported_type", tt.name, err, tt.ok)
		}
	}
}

// TestSystemBody writes the notice as WhatsApp does, falling back to the number.
func TestSystemBody(t *testing.T) {
	t.Parallel()
	m := &wabi.Message{WaID: "16505551234", Content: wabi.Content{System: &wabi.System{Type: wabi.SystemUserChangedNumber, WaID: "12195551234"}}}
	if got, want := systemBody(m, "Sheena"), "User Sheena changed from 16505551234 to 12195551234"; got != want {
		t.Errorf("systemBody = %q, want %q", got, want)
	}
	m.System = &wabi.System{Type: wabi.SystemCustomerIdentityChanged}
	if got, want := systemBody(m, ""), "16505551234's security code changed."; got != want {
		t.Errorf("systemBody = %q, want %q", got, want)
	}
}
