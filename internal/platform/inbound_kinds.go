package platform

import (
	"fmt"

	"github.com/wabihq/wabi/internal/wabi"
)

const (
	// limOrderItems is the most lines a cart holds; WhatsApp carts take 99.
	limOrderItems = 99
	// limOrderText is the note a consumer may add to an order.
	limOrderText = 1024
	// limSystemBody bounds a system notice's text, which WhatsApp writes itself.
	limSystemBody = 1024
	// limReferralText bounds the headline and body an ad shows.
	limReferralText = 1024
	// limShortID bounds catalog, product, ad and click ids and the names of
	// unsupported kinds.
	limShortID = 256
)

// validateOrder checks a cart sent from a catalog: a catalog, 1 to 99 lines,
// each with a product, a quantity of at least one, a price that is not
// negative and a three-letter currency.
func validateOrder(o *wabi.Order) *wabi.Error {
	p := paramPath("order")
	if o == nil {
		return p.required()
	}
	if e := firstError(p.k("catalog_id").text(o.CatalogID, limShortID), p.k("text").maxLen(o.Text, limOrderText),
		p.k("product_items").count(len(o.ProductItems), o.ProductItems == nil, 1, limOrderItems)); e != nil {
		return e
	}
	for i, it := range o.ProductItems {
		ip := p.k("product_items").i(i)
		if e := ip.k("product_retailer_id").text(it.ProductRetailerID, limShortID); e != nil {
			return e
		}
		if it.Quantity < 1 {
			return ip.k("quantity").invalid("must be at least 1 (got %d).", it.Quantity)
		}
		if it.ItemPrice < 0 {
			return ip.k("item_price").invalid("must not be negative (got %s).", fmt.Sprint(it.ItemPrice))
		}
		if !isCurrency(it.Currency) {
			if it.Currency == "" {
				return ip.k("currency").required()
			}
			return ip.k("currency").badValue("must be an ISO 4217 code of three capital letters (got %q).", it.Currency)
		}
	}
	return nil
}

// isCurrency reports whether s looks like an ISO 4217 code.
func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// validateSystem checks a system notice: a changed number names the new one
// in digits; a changed identity may carry the new key's hash.
func validateSystem(s *wabi.System) *wabi.Error {
	p := paramPath("system")
	if s == nil {
		return p.required()
	}
	if e := firstError(p.k("type").oneOf(s.Type, wabi.SystemUserChangedNumber, wabi.SystemCustomerIdentityChanged),
		p.k("body").maxLen(s.Body, limSystemBody)); e != nil {
		return e
	}
	if s.Type == wabi.SystemCustomerIdentityChanged {
		if s.WaID != "" {
			return p.k("wa_id").invalid("is only allowed on a system notice of type %s.", wabi.SystemUserChangedNumber)
		}
		return p.k("identity").maxLen(s.Identity, limShortID)
	}
	if s.Identity != "" {
		return p.k("identity").invalid("is only allowed on a system notice of type %s.", wabi.SystemCustomerIdentityChanged)
	}
	if s.WaID == "" {
		return p.k("wa_id").required()
	}
	if !isDigits(s.WaID) || len(s.WaID) > 15 {
		return p.k("wa_id").badValue("must be the new WhatsApp id: up to 15 digits, country code first (got %q).", s.WaID)
	}
	return nil
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// validateUnsupported checks the optional name of what the consumer sent.
func validateUnsupported(u *wabi.Unsupported) *wabi.Error {
	if u == nil {
		return nil
	}
	return paramPath("unsupported").k("type").maxLen(u.Type, limShortID)
}

// validateReferral checks the ad or post that started a chat: where it lives,
// its id and kind, and the media it showed. Only a message a consumer writes
// can follow an ad, not a reaction or a system notice.
func validateReferral(t wabi.Type, r *wabi.Referral) *wabi.Error {
	if r == nil {
		return nil
	}
	p := paramPath("referral")
	switch t {
	case wabi.TypeReaction, wabi.TypeSystem:
		return p.invalid("is not allowed on a message of type %s.", t)
	}
	e := firstError(p.k("source_url").httpURL(r.SourceURL), p.k("source_id").text(r.SourceID, limShortID),
		p.k("source_type").oneOf(r.SourceType, "ad", "post"),
		p.k("headline").maxLen(r.Headline, limReferralText), p.k("body").maxLen(r.Body, limReferralText),
		p.k("ctwa_clid").maxLen(r.CTWAClid, limShortID))
	if e != nil {
		return e
	}
	// The ad's media: an image by its URL, or a video with its thumbnail.
	urls := []struct {
		name, v string
		want    bool
	}{
		{"image_url", r.ImageURL, r.MediaType == "image"},
		{"video_url", r.VideoURL, r.MediaType == "video"},
		{"thumbnail_url", r.ThumbnailURL, r.MediaType == "video"},
	}
	if r.MediaType != "" {
		if e := p.k("media_type").oneOf(r.MediaType, "image", "video"); e != nil {
			return e
		}
	}
	for _, u := range urls {
		switch {
		case u.v == "" && u.want:
			return p.k(u.name).required()
		case u.v != "" && !u.want:
			return p.k(u.name).invalid("is only allowed with the matching media_type.")
		case u.v != "":
			if e := p.k(u.name).httpURL(u.v); e != nil {
				return e
			}
		}
	}
	if r.WelcomeMessage != nil {
		return p.k("welcome_message").k("text").text(r.WelcomeMessage.Text, limReferralText)
	}
	return nil
}

// systemBody is the text WhatsApp gives a system notice about the consumer
// named profile (their number when they have no profile name).
func systemBody(m *wabi.Message, profile string) string {
	if profile == "" {
		profile = m.WaID
	}
	if m.System.Type == wabi.SystemUserChangedNumber {
		return fmt.Sprintf("User %s changed from %s to %s", profile, m.WaID, m.System.WaID)
	}
	return fmt.Sprintf("%s's security code changed.", profile)
}

// onPremInbound refuses what a consumer cannot send to an On-Premises number
// because the On-Premises API never had a webhook for it: orders, chat
// openers, flow answers and ad referrals came with the Cloud API.
func onPremInbound(m *wabi.Message) error {
	refuse := func(what string) error {
		return wabi.Errorf(wabi.EUnsupportedType, "%s cannot reach an On-Premises number: the On-Premises API has no webhook for it. Use a Cloud API number.", what)
	}
	switch {
	case m.Type == wabi.TypeOrder, m.Type == wabi.TypeRequestWelcome:
		return refuse("A message of type " + string(m.Type))
	case m.Type == wabi.TypeInteractive && m.Interactive != nil && m.Interactive.Type == wabi.InteractiveNFMReply:
		return refuse("A flow answer (interactive nfm_reply)")
	case m.Referral != nil:
		return refuse("A message with a referral")
	}
	return nil
}
