package platform

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/wabi"
)

// Limits of the outbound message structure (§2.1–§2.10).
const (
	outboundTypeList = "text, image, audio, video, document, sticker, location, contacts, interactive, template, reaction"
	limTextBody      = 4096
	limCaption       = 1024
	limOpaqueData    = 512
	limReactionRunes = 10
	limLatitude      = 90
	limLongitude     = 180

	// limContactCards caps a contacts message. Meta's OpenAPI file says 5, but nothing
	// else confirms it and SDKs send more, so wabi only guards against runaway requests
	// with the 257 cards a WhatsApp user can share at once. Zero cards is a missing
	// parameter.
	limContactCards = 257
)

// ValidateOutbound checks the structure of an outbound message before it is accepted.
// It returns a *wabi.Error naming the offending parameter, or nil. It does not look at
// the store (templates' existence, media ids, windows are checked elsewhere).
//
// The codes are ERequired for an absent object or field, EInvalidParam for a
// field that is too long, has too many items, a bad enum value or a stray
// object, EInvalidValue for a malformed URL, coordinate or date, EUnsupportedType
// for a type that cannot be sent, and ETemplateParamText for a badly formatted
// template text parameter.
func ValidateOutbound(m *wabi.Message) error {
	if m == nil {
		return wabi.Errorf(wabi.EInternal, "platform: ValidateOutbound called without a message")
	}
	// A nil *wabi.Error must not become a non-nil error.
	if e := validateOutbound(m); e != nil {
		return e
	}
	return nil
}

// validateOutbound returns the first structural error of m, as a concrete *wabi.Error.
func validateOutbound(m *wabi.Message) *wabi.Error {
	t := m.Type
	if t == "" {
		// The dialects already default it; this keeps a direct caller on Meta's default.
		t = wabi.TypeText
	}
	if e := validateContent(t, &m.Content); e != nil {
		return e
	}
	if e := validateOnlyObject(t, &m.Content); e != nil {
		return e
	}
	// Only a consumer arrives from an ad.
	if m.Referral != nil {
		return paramPath("referral").invalid("is not allowed on a message a business sends.")
	}
	if m.Context != nil && m.Context.MessageID == "" {
		return paramPath("context").k("message_id").required()
	}
	return paramPath("biz_opaque_callback_data").maxLen(m.BizOpaqueCallbackData, limOpaqueData)
}

// validateContent checks the object named by the message type.
func validateContent(t wabi.Type, c *wabi.Content) *wabi.Error {
	switch {
	case t == wabi.TypeText:
		if c.Text == nil {
			return paramPath("text").required()
		}
		return paramPath("text").k("body").text(c.Text.Body, limTextBody)
	case t.IsMedia():
		return validateMedia(paramPath(t), c.MediaOf(t), mediaUseOf(t))
	case t == wabi.TypeLocation:
		return validateLocation("location", c.Location)
	case t == wabi.TypeContacts:
		return validateContacts(c.Contacts)
	case t == wabi.TypeInteractive:
		return validateInteractive(c.Interactive)
	case t == wabi.TypeTemplate:
		return validateTemplateSend(c.Template)
	case t == wabi.TypeReaction:
		return validateReaction(c.Reaction)
	}
	return wabi.Errorf(wabi.EUnsupportedType,
		"Unsupported message type %q: an outbound message's type must be one of %s.", t, outboundTypeList)
}

// validateOnlyObject rejects a second type object next to the one named by the type, which
// Meta refuses rather than silently dropping. Rendered is not a Cloud API field: the
// platform fills it in, so it is not checked here.
func validateOnlyObject(t wabi.Type, c *wabi.Content) *wabi.Error {
	objects := []struct {
		name wabi.Type
		set  bool
	}{
		{wabi.TypeText, c.Text != nil},
		{wabi.TypeImage, c.Image != nil},
		{wabi.TypeAudio, c.Audio != nil},
		{wabi.TypeVideo, c.Video != nil},
		{wabi.TypeDocument, c.Document != nil},
		{wabi.TypeSticker, c.Sticker != nil},
		{wabi.TypeLocation, c.Location != nil},
		{wabi.TypeContacts, c.Contacts != nil},
		{wabi.TypeInteractive, c.Interactive != nil},
		{wabi.TypeTemplate, c.Template != nil},
		{wabi.TypeReaction, c.Reaction != nil},
		{wabi.TypeButton, c.Button != nil},
		{wabi.TypeOrder, c.Order != nil},
		{wabi.TypeSystem, c.System != nil},
		{wabi.TypeUnsupported, c.Unsupported != nil},
	}
	for _, o := range objects {
		if o.set && o.name != t {
			return paramPath(o.name).invalid("is not allowed on a message of type %s: a message carries only the object named by its type.", t)
		}
	}
	return nil
}

// mediaUse says where a media object appears and which optional fields it may carry there.
type mediaUse struct {
	where    string // for messages: "audio messages", "interactive headers"
	caption  bool   // caption allowed
	filename bool   // filename allowed
}

// mediaUseOf returns the rules of a media message's own object (§2.5).
func mediaUseOf(t wabi.Type) mediaUse {
	u := mediaUse{where: string(t) + " messages"}
	switch t {
	case wabi.TypeImage, wabi.TypeVideo:
		u.caption = true
	case wabi.TypeDocument:
		u.caption, u.filename = true, true
	}
	return u
}

// validateMedia checks a media object: exactly one of id and link, a usable link,
// and only the optional fields its use allows.
func validateMedia(p paramPath, m *wabi.Media, use mediaUse) *wabi.Error {
	if m == nil {
		return p.required()
	}
	switch {
	case m.ID == "" && m.Link == "":
		return wabi.Errorf(wabi.ERequired, "The parameter %s or %s is required.", p.k("id"), p.k("link"))
	case m.ID != "" && m.Link != "":
		return p.invalid("must have either id or link, not both.")
	}
	if m.Link != "" {
		if e := p.k("link").httpURL(m.Link); e != nil {
			return e
		}
	}
	if m.Caption != "" {
		if !use.caption {
			return p.k("caption").invalid("is not allowed on %s.", use.where)
		}
		if e := p.k("caption").maxLen(m.Caption, limCaption); e != nil {
			return e
		}
	}
	if m.Filename != "" && !use.filename {
		return p.k("filename").invalid("is not allowed on %s; only documents have a file name.", use.where)
	}
	return nil
}

// validateLocation checks a location pin, in a message or in a template parameter.
func validateLocation(p paramPath, l *wabi.Location) *wabi.Error {
	switch {
	case l == nil:
		return p.required()
	case l.Latitude == nil:
		return p.k("latitude").required()
	case l.Longitude == nil:
		return p.k("longitude").required()
	}
	return firstError(
		validateCoordinate(p.k("latitude"), float64(*l.Latitude), limLatitude),
		validateCoordinate(p.k("longitude"), float64(*l.Longitude), limLongitude),
	)
}

// validateCoordinate checks that v is within ±limit degrees. NaN fails the comparison too.
func validateCoordinate(p paramPath, v, limit float64) *wabi.Error {
	if !(v >= -limit && v <= limit) {
		return p.badValue("must be a number between %g and %g.", -limit, limit)
	}
	return nil
}

// validateContacts checks the cards of a contacts message (§2.7).
func validateContacts(cards []wabi.ContactCard) *wabi.Error {
	p := paramPath("contacts")
	if len(cards) == 0 {
		return p.required()
	}
	if len(cards) > limContactCards {
		return p.invalid("must have between 1 and %d items.", limContactCards)
	}
	for i, c := range cards {
		cp := p.i(i)
		if c.Name == nil {
			return cp.k("name").required()
		}
		if c.Name.FormattedName == "" {
			return cp.k("name").k("formatted_name").required()
		}
		if c.Birthday != "" {
			if _, err := time.Parse(time.DateOnly, c.Birthday); err != nil {
				return cp.k("birthday").badValue("must be a date in YYYY-MM-DD format (got %q).", c.Birthday)
			}
		}
	}
	return nil
}

// validateReaction checks a reaction; an empty emoji is allowed and removes a reaction.
func validateReaction(r *wabi.Reaction) *wabi.Error {
	p := paramPath("reaction")
	switch {
	case r == nil:
		return p.required()
	case r.MessageID == "":
		return p.k("message_id").required()
	case r.Emoji != "" && !looksLikeEmoji(r.Emoji):
		return p.k("emoji").invalid("must be a single emoji, or empty to remove a reaction (got %q).", r.Emoji)
	}
	return nil
}

// looksLikeEmoji is a lenient check that s is one emoji. wabi carries no Unicode emoji
// tables, so it only rules out what is plainly text: letters, numbers, spaces, controls
// and ASCII, except the digits, '#' and '*' that start a keycap sequence (1️⃣). Ten code
// points fit the longest sequences (a couple with two skin tones).
func looksLikeEmoji(s string) bool {
	if utf8.RuneCountInString(s) > limReactionRunes {
		return false
	}
	keycap := strings.ContainsRune(s, '\u20e3')
	for _, r := range s {
		if keycap && strings.ContainsRune("0123456789#*", r) {
			continue
		}
		if r < utf8.RuneSelf || unicode.IsLetter(r) || unicode.IsNumber(r) ||
			unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// paramPath is a parameter's location written the way Meta's error messages write it,
// such as interactive['action']['buttons'][0]['reply']['id'].
type paramPath string

// k returns the path of the member named name.
func (p paramPath) k(name string) paramPath { return p + paramPath("['"+name+"']") }

// i returns the path of the n-th array element.
func (p paramPath) i(n int) paramPath { return p + paramPath("["+strconv.Itoa(n)+"]") }

// required reports a missing parameter in Meta's words.
func (p paramPath) required() *wabi.Error {
	return wabi.Errorf(wabi.ERequired, "The parameter %s is required.", p)
}

// invalid reports a parameter that breaks a structural rule; format says which.
func (p paramPath) invalid(format string, args ...any) *wabi.Error {
	return wabi.Errorf(wabi.EInvalidParam, "Param %s %s", p, fmt.Sprintf(format, args...))
}

// badValue reports a parameter whose value is malformed; format says how.
func (p paramPath) badValue(format string, args ...any) *wabi.Error {
	return wabi.Errorf(wabi.EInvalidValue, "Param %s %s", p, fmt.Sprintf(format, args...))
}

// text checks a required string of 1 to max characters.
func (p paramPath) text(s string, max int) *wabi.Error {
	if s == "" {
		return p.required()
	}
	return p.maxLen(s, max)
}

// maxLen checks an optional string of at most max characters. Meta counts
// characters, not bytes, so an emoji-rich title is not cut short.
func (p paramPath) maxLen(s string, max int) *wabi.Error {
	if n := utf8.RuneCountInString(s); n > max {
		return p.invalid("must be at most %d characters long (got %d).", max, n)
	}
	return nil
}

// count checks the number of items of an array parameter; absent means it was not sent.
func (p paramPath) count(n int, absent bool, min, max int) *wabi.Error {
	if absent {
		return p.required()
	}
	if n < min || n > max {
		return p.invalid("must have between %d and %d items (got %d).", min, max, n)
	}
	return nil
}

// oneOf checks a required enum parameter.
func (p paramPath) oneOf(v string, allowed ...string) *wabi.Error {
	if v == "" {
		return p.required()
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return p.invalid("must be one of %s (got %q).", strings.Join(allowed, ", "), v)
}

// httpURL checks that s is an absolute http or https URL, the only links Meta fetches.
func (p paramPath) httpURL(s string) *wabi.Error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return p.badValue("must be an absolute http or https URL (got %q).", s)
	}
	return nil
}

// firstError returns the first error of independent checks.
func firstError(errs ...*wabi.Error) *wabi.Error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
