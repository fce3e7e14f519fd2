package platform

import (
	"slices"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// Builders of template definitions, as a business would send them.
func tplOf(category string, cs ...wabi.TemplateComponent) *wabi.Template {
	return &wabi.Template{Name: "order_update", Language: "en_US", Category: category, Components: cs}
}

func bodyOf(text string, samples ...string) wabi.TemplateComponent {
	c := wabi.TemplateComponent{Type: "BODY", Text: text}
	if len(samples) > 0 {
		c.Example = map[string]any{"body_text": [][]string{samples}}
	}
	return c
}

func namedBody(text string, pairs ...string) wabi.TemplateComponent {
	var ex []map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		ex = append(ex, map[string]string{"param_name": pairs[i], "example": pairs[i+1]})
	}
	return wabi.TemplateComponent{Type: "BODY", Text: text, Example: map[string]any{"body_text_named_params": ex}}
}

func textHeader(text string, samples ...string) wabi.TemplateComponent {
	c := wabi.TemplateComponent{Type: "HEADER", Format: "TEXT", Text: text}
	if len(samples) > 0 {
		c.Example = map[string]any{"header_text": samples}
	}
	return c
}

func mediaHeader(format string, handle ...string) wabi.TemplateComponent {
	c := wabi.TemplateComponent{Type: "HEADER", Format: format}
	if len(handle) > 0 {
		c.Example = map[string]any{"header_handle": handle}
	}
	return c
}

func footerOf(text string) wabi.TemplateComponent {
	return wabi.TemplateComponent{Type: "FOOTER", Text: text}
}

func buttonsOf(bs ...wabi.TemplateButton) wabi.TemplateComponent {
	return wabi.TemplateComponent{Type: "BUTTONS", Buttons: bs}
}

func quick(text string) wabi.TemplateButton {
	return wabi.TemplateButton{Type: "QUICK_REPLY", Text: text}
}

func urlButton(u string, example ...string) wabi.TemplateButton {
	b := wabi.TemplateButton{Type: "URL", Text: "Track", URL: u}
	if len(example) > 0 {
		b.Example = example
	}
	return b
}

func phoneButton(number string) wabi.TemplateButton {
	return wabi.TemplateButton{Type: "PHONE_NUMBER", Text: "Call us", PhoneNumber: number}
}

func otp(kind string) wabi.TemplateButton { return wabi.TemplateButton{Type: "OTP", OTPType: kind} }

func with(t *wabi.Template, f func(*wabi.Template)) *wabi.Template { f(t); return t }

// goodBody is a body every rule accepts.
var goodBody = bodyOf("Hi {{1}}, your order {{2}} has shipped.", "Ana", "7731")

// TestTemplateRules is Meta's creation rules as a table: each definition and the
// code it is refused with ("" when it is accepted), with a word the message must
// say so that the developer knows what is wrong.
func TestTemplateRules(t *testing.T) {
	yes, no := true, false
	ten := 10
	long := func(n int) string { return strings.Repeat("a", n) }
	buttons := func(n int) []wabi.TemplateButton {
		var bs []wabi.TemplateButton
		for range n {
			bs = append(bs, quick("Yes"))
		}
		return bs
	}
	tests := []struct {
		name    string
		tpl     *wabi.Template
		lenient bool
		code    wabi.Code
		says    string
	}{
		{"the spec's example", tplOf("UTILITY", mediaHeader("IMAGE", "4::aW1hZ2UvanBlZw==:ARZ"), goodBody, footerOf("Reply STOP to opt out"),
			buttonsOf(quick("Stop updates"), urlButton("https://example.com/t/{{1}}", "https://example.com/t/7731"), phoneButton("+16467043595"))), false, "", ""},
		{"named variables", with(tplOf("MARKETING", namedBody("Hi {{first_name}}, your code is {{code}} today.", "first_name", "Ana", "code", "FALL25")),
			func(t *wabi.Template) { t.ParameterFormat = "named" }), false, "", ""},
		{"text header with a sample", tplOf("UTILITY", textHeader("Order {{1}}", "7731"), goodBody), false, "", ""},
		{"location header", tplOf("UTILITY", mediaHeader("LOCATION"), goodBody), false, "", ""},
		{"authentication, copy code", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY", AddSecurityRecommendation: &yes},
			wabi.TemplateComponent{Type: "FOOTER", CodeExpirationMinutes: &ten}, buttonsOf(otp("COPY_CODE"))), false, "", ""},
		{"authentication, one tap", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"},
			buttonsOf(wabi.TemplateButton{Type: "OTP", OTPType: "ONE_TAP", PackageName: "com.example.app", SignatureHash: "K8a/AINcGX7"})), false, "", ""},
		{"marketing copy code and offer", tplOf("MARKETING", bodyOf("Spring sale: use the code below at checkout."),
			wabi.TemplateComponent{Type: "LIMITED_TIME_OFFER", Text: "Ends soon"},
			buttonsOf(wabi.TemplateButton{Type: "COPY_CODE", Example: "SPRING25"}, urlButton("https://example.com/shop"))), false, "", ""},
		{"carousel", tplOf("MARKETING", bodyOf("Our picks for you this week."), wabi.TemplateComponent{Type: "CAROUSEL",
			Cards: []wabi.TemplateCard{{Components: []wabi.TemplateComponent{mediaHeader("IMAGE", "4::x"), bodyOf("A fine hat."), buttonsOf(quick("Buy"))}}}}), false, "", ""},
		{"flow button", tplOf("UTILITY", goodBody, buttonsOf(wabi.TemplateButton{Type: "FLOW", Text: "Book", FlowID: "123", FlowAction: "navigate"})), false, "", ""},
		{"ten quick replies", tplOf("MARKETING", goodBody, buttonsOf(buttons(10)...)), false, "", ""},

		{"no name", with(tplOf("UTILITY", goodBody), func(t *wabi.Template) { t.Name = "" }), false, wabi.EInvalidParam, "name is required"},
		{"upper-case name", with(tplOf("UTILITY", goodBody), func(t *wabi.Template) { t.Name = "Order_Update" }), false, wabi.EInvalidParam, "lower-case"},
		{"name too long", with(tplOf("UTILITY", goodBody), func(t *wabi.Template) { t.Name = long(513) }), false, wabi.EInvalidParam, "512"},
		{"unknown language", with(tplOf("UTILITY", goodBody), func(t *wabi.Template) { t.Language = "en-US" }), false, wabi.EInvalidParam, "locale"},
		{"unknown category", with(tplOf("PROMO", goodBody), func(*wabi.Template) {}), false, wabi.EInvalidParam, "MARKETING, UTILITY or AUTHENTICATION"},
		{"unknown parameter format", with(tplOf("UTILITY", goodBody), func(t *wabi.Template) { t.ParameterFormat = "MIXED" }), false, wabi.EInvalidParam, "POSITIONAL or NAMED"},
		{"no components", tplOf("UTILITY"), false, wabi.EInvalidParam, "at least a BODY"},
		{"unknown component", tplOf("UTILITY", goodBody, wabi.TemplateComponent{Type: "SIDEBAR"}), false, wabi.EInvalidParam, "SIDEBAR"},
		{"two bodies", tplOf("UTILITY", goodBody, goodBody), false, wabi.EInvalidParam, "at most one"},
		{"no body", tplOf("UTILITY", footerOf("Thanks")), false, wabi.ETemplateBodyFormat, "no BODY"},

		{"header without format", tplOf("UTILITY", wabi.TemplateComponent{Type: "HEADER"}, goodBody), false, wabi.ETemplateHeaderFormat, "format"},
		{"GIF header", tplOf("UTILITY", mediaHeader("GIF", "4::x"), goodBody), false, wabi.ETemplateHeaderFormat, "GIF"},
		{"header too long", tplOf("UTILITY", textHeader(long(61)), goodBody), false, wabi.ETemplateTooLong, "limit is 60"},
		{"two header variables", tplOf("UTILITY", textHeader("{{1}} and {{2}}", "a", "b"), goodBody), false, wabi.ETemplateHeaderFormat, "at most one"},
		{"header on two lines", tplOf("UTILITY", textHeader("Hello\nthere"), goodBody), false, wabi.ETemplateHeaderFormat, "new lines"},
		{"header variable without sample", tplOf("UTILITY", textHeader("Order {{1}}"), goodBody), false, wabi.ETemplateHeaderFormat, "header_text"},
		{"header variable without sample, leniently", tplOf("UTILITY", textHeader("Order {{1}}"), goodBody), true, "", ""},
		{"image header with text", tplOf("UTILITY", wabi.TemplateComponent{Type: "HEADER", Format: "IMAGE", Text: "x"}, goodBody), false, wabi.ETemplateHeaderFormat, "no text"},
		{"image header without handle", tplOf("UTILITY", mediaHeader("IMAGE"), goodBody), false, wabi.ETemplateHeaderFormat, "header_handle"},
		{"location header in authentication", tplOf("AUTHENTICATION", mediaHeader("LOCATION"), wabi.TemplateComponent{Type: "BODY"}, buttonsOf(otp("COPY_CODE"))), false, wabi.ETemplateHeaderFormat, "AUTHENTICATION"},

		{"empty body", tplOf("UTILITY", bodyOf("  ")), false, wabi.ETemplateBodyFormat, "required"},
		{"body too long", tplOf("UTILITY", bodyOf(long(1025))), false, wabi.ETemplateTooLong, "limit is 1024"},
		{"variable first", tplOf("UTILITY", bodyOf("{{1}}, your order has shipped today.", "Ana")), false, wabi.ETemplateVarPosition, "starts or ends"},
		{"variable last", tplOf("UTILITY", bodyOf("Your order has shipped today, {{1}}", "Ana")), false, wabi.ETemplateVarPosition, "starts or ends"},
		{"variable last, leniently", tplOf("UTILITY", bodyOf("Your order has shipped today, {{1}}")), true, "", ""},
		{"variables crowd the text", tplOf("UTILITY", bodyOf("Hi {{1}} {{2}} {{3}} ok", "a", "b", "c")), false, wabi.ETemplateTooManyVars, "two words per variable"},
		{"gap in numbering", tplOf("UTILITY", bodyOf("Hi {{1}}, your order {{3}} has shipped.", "a", "b")), false, wabi.ETemplateBodyFormat, "no {{2}}"},
		{"name in a positional template", tplOf("UTILITY", bodyOf("Hi {{name}}, your order has shipped.", "a")), false, wabi.ETemplateBodyFormat, "numbered"},
		{"number in a named template", with(tplOf("UTILITY", namedBody("Hi {{1}}, your order has shipped.", "1", "a")),
			func(t *wabi.Template) { t.ParameterFormat = "NAMED" }), false, wabi.ETemplateBodyFormat, "lower-case names"},
		{"unbalanced braces", tplOf("UTILITY", bodyOf("Hi {{1}, your order has shipped.")), false, wabi.ETemplateBodyFormat, "unbalanced"},
		{"no samples", tplOf("UTILITY", bodyOf("Hi {{1}}, your order {{2}} has shipped.")), false, wabi.ETemplateBodyFormat, "2 in all"},
		{"too few samples", tplOf("UTILITY", bodyOf("Hi {{1}}, your order {{2}} has shipped.", "Ana")), false, wabi.ETemplateBodyFormat, "1 sample values for 2"},
		{"empty sample", tplOf("UTILITY", bodyOf("Hi {{1}}, your order {{2}} has shipped.", "Ana", " ")), false, wabi.ETemplateBodyFormat, "empty"},
		{"named sample missing", with(tplOf("UTILITY", namedBody("Hi {{first_name}}, your order {{order}} shipped today.", "first_name", "Ana")),
			func(t *wabi.Template) { t.ParameterFormat = "NAMED" }), false, wabi.ETemplateBodyFormat, "{{order}}"},
		{"samples of the wrong shape", tplOf("UTILITY", wabi.TemplateComponent{Type: "BODY", Text: "Hi {{1}}, your order has shipped.", Example: map[string]any{"body_text": "Ana"}}), false, wabi.ETemplateBodyFormat, "example"},

		{"footer with a variable", tplOf("UTILITY", goodBody, footerOf("Sent to {{1}}")), false, wabi.ETemplateFooterFormat, "variables"},
		{"footer too long", tplOf("UTILITY", goodBody, footerOf(long(61))), false, wabi.ETemplateTooLong, "limit is 60"},
		{"empty footer", tplOf("UTILITY", goodBody, footerOf("")), false, wabi.ETemplateFooterFormat, "required"},
		{"code expiring after 91 minutes", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"},
			wabi.TemplateComponent{Type: "FOOTER", CodeExpirationMinutes: func() *int { n := 91; return &n }()}, buttonsOf(otp("COPY_CODE"))), false, wabi.ETemplateFooterFormat, "1 to 90"},

		{"no buttons", tplOf("UTILITY", goodBody, buttonsOf()), false, wabi.EInvalidParam, "1 to 10"},
		{"eleven buttons", tplOf("MARKETING", goodBody, buttonsOf(buttons(11)...)), false, wabi.EInvalidParam, "1 to 10"},
		{"button text too long", tplOf("UTILITY", goodBody, buttonsOf(quick(long(26)))), false, wabi.ETemplateTooLong, "limit is 25"},
		{"button without text", tplOf("UTILITY", goodBody, buttonsOf(quick(""))), false, wabi.EInvalidParam, "text'] is required"},
		{"quick replies apart", tplOf("UTILITY", goodBody, buttonsOf(quick("A"), phoneButton("+15550001234"), quick("B"))), false, wabi.EInvalidParam, "together"},
		{"three URL buttons", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://a.example"), urlButton("https://b.example"), urlButton("https://c.example"))), false, wabi.EInvalidParam, "at most 2"},
		{"URL variable in the middle", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://example.com/{{1}}/track", "https://example.com/1/track"))), false, wabi.EInvalidParam, "end with"},
		{"URL with two variables", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://example.com/{{1}}/{{1}}"))), false, wabi.EInvalidParam, "2 variables"},
		{"URL that is not http", tplOf("UTILITY", goodBody, buttonsOf(urlButton("ftp://example.com/x"))), false, wabi.EInvalidParam, "http"},
		{"URL too long", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://example.com/"+long(2000)))), false, wabi.ETemplateTooLong, "2000"},
		{"URL variable without sample", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://example.com/t/{{1}}"))), false, wabi.EInvalidParam, "example"},
		// A URL button's example is the full URL (Meta's field table) or the
		// variable's sample alone (Meta's published examples); nothing else.
		{"URL example as the full URL", tplOf("MARKETING", goodBody, buttonsOf(urlButton("https://shop.example/p?promo={{1}}", "https://shop.example/p?promo=summer2023"))), false, "", ""},
		{"URL example as the variable's sample", tplOf("MARKETING", goodBody, buttonsOf(urlButton("https://damp-sea-63235.herokuapp.com/shop?promo={{1}}", "summer2023"))), false, "", ""},
		{"URL example as a sample string", tplOf("MARKETING", goodBody, buttonsOf(wabi.TemplateButton{Type: "URL", Text: "Shop", URL: "https://shop.example/{{1}}", Example: "summer2023"})), false, "", ""},
		{"URL example with spaces", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://example.com/t/{{1}}", "summer 2023"))), false, wabi.EInvalidParam, `got ["summer 2023"]`},
		{"URL example empty", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://example.com/t/{{1}}", ""))), false, wabi.EInvalidParam, "the full URL with it"},
		{"URL example a URL without host", tplOf("UTILITY", goodBody, buttonsOf(urlButton("https://example.com/t/{{1}}", "https://"))), false, wabi.EInvalidParam, "example"},
		{"URL example a number", tplOf("UTILITY", goodBody, buttonsOf(wabi.TemplateButton{Type: "URL", Text: "Track", URL: "https://example.com/t/{{1}}", Example: []any{7731.0}})), false, wabi.EInvalidParam, "got [7731]"},
		{"phone button without number", tplOf("UTILITY", goodBody, buttonsOf(phoneButton(""))), false, wabi.EInvalidParam, "phone_number'] is required"},
		{"phone number too long", tplOf("UTILITY", goodBody, buttonsOf(phoneButton("+1 555 000 1234 5678 90"))), false, wabi.ETemplateTooLong, "limit is 20"},
		{"phone number with letters", tplOf("UTILITY", goodBody, buttonsOf(phoneButton("call-me"))), false, wabi.EInvalidParam, "country code"},
		{"two phone buttons", tplOf("UTILITY", goodBody, buttonsOf(phoneButton("+15550001234"), phoneButton("+15550001235"))), false, wabi.EInvalidParam, "at most 1"},
		{"copy code without sample", tplOf("MARKETING", goodBody, buttonsOf(wabi.TemplateButton{Type: "COPY_CODE"})), false, wabi.EInvalidParam, "sample offer code"},
		{"copy code too long", tplOf("MARKETING", goodBody, buttonsOf(wabi.TemplateButton{Type: "COPY_CODE", Example: "SPRING2025SAVEBIG"})), false, wabi.ETemplateTooLong, "limit is 15"},
		{"OTP outside authentication", tplOf("UTILITY", goodBody, buttonsOf(otp("COPY_CODE"))), false, wabi.EInvalidParam, "AUTHENTICATION templates only"},
		{"authentication without OTP", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"}, buttonsOf(quick("Hi"))), false, wabi.EInvalidParam, "must be OTP"},
		{"authentication without buttons", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"}), false, wabi.EInvalidParam, "OTP button"},
		{"unknown OTP type", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"}, buttonsOf(otp("TWO_TAP"))), false, wabi.EInvalidParam, "TWO_TAP"},
		{"one tap without app", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"}, buttonsOf(otp("ONE_TAP"))), false, wabi.EInvalidParam, "Android apps"},
		{"one tap with a bad hash", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"},
			buttonsOf(wabi.TemplateButton{Type: "OTP", OTPType: "ONE_TAP", PackageName: "com.example", SignatureHash: "short"})), false, wabi.EInvalidParam, "11-character"},
		{"zero tap without the terms", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"},
			buttonsOf(wabi.TemplateButton{Type: "OTP", OTPType: "ZERO_TAP", PackageName: "com.example", SignatureHash: "K8a/AINcGX7", ZeroTapTermsAccepted: &no})), false, wabi.EInvalidParam, "zero-tap terms"},
		{"flow button with two flows", tplOf("UTILITY", goodBody, buttonsOf(wabi.TemplateButton{Type: "FLOW", Text: "Book", FlowID: "1", FlowName: "book"})), false, wabi.EInvalidParam, "exactly one"},
		{"flow button with a bad action", tplOf("UTILITY", goodBody, buttonsOf(wabi.TemplateButton{Type: "FLOW", Text: "Book", FlowID: "1", FlowAction: "jump"})), false, wabi.EInvalidParam, "navigate or data_exchange"},
		{"unknown button", tplOf("UTILITY", goodBody, buttonsOf(wabi.TemplateButton{Type: "TELEPORT", Text: "Go"})), false, wabi.EInvalidParam, "TELEPORT"},
		{"offer outside marketing", tplOf("UTILITY", goodBody, wabi.TemplateComponent{Type: "LIMITED_TIME_OFFER", Text: "Soon"}), false, wabi.EInvalidParam, "MARKETING"},
		{"eleven cards", tplOf("MARKETING", goodBody, wabi.TemplateComponent{Type: "CAROUSEL", Cards: make([]wabi.TemplateCard, 11)}), false, wabi.EInvalidParam, "1 to 10 cards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			normalizeTemplate(tt.tpl)
			e := checkTemplateDef(tt.tpl, !tt.lenient)
			if got := wabi.ErrorCode(errOf(e)); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, e, tt.code)
			}
			if e != nil && !strings.Contains(e.Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Message, tt.says)
			}
		})
	}
}

// errOf keeps a nil *wabi.Error nil as an error.
func errOf(e *wabi.Error) error {
	if e == nil {
		return nil
	}
	return e
}

// TestAuthenticationTexts: Meta writes the body and footer of authentication
// templates, so sends fill one variable, the code.
func TestAuthenticationTexts(t *testing.T) {
	yes, five := true, 5
	tpl := tplOf("authentication", wabi.TemplateComponent{Type: "body", AddSecurityRecommendation: &yes},
		wabi.TemplateComponent{Type: "footer", CodeExpirationMinutes: &five}, buttonsOf(otp("copy_code")))
	normalizeTemplate(tpl)
	want := []string{"*{{1}}* is your verification code. For your security, do not share this code.", "This code expires in 5 minutes.", ""}
	for i, c := range tpl.Components {
		if c.Text != want[i] {
			t.Errorf("component %d (%s) text %q, want %q", i, c.Type, c.Text, want[i])
		}
	}
	if b := tpl.Components[2].Buttons[0]; b.Type != "OTP" || b.OTPType != "COPY_CODE" || b.Text != "Copy code" {
		t.Errorf("button %+v, want an OTP COPY_CODE button labelled Copy code", b)
	}
	if tpl.Category != wabi.CategoryAuthentication || tpl.ParameterFormat != FormatPositional {
		t.Errorf("category %q, format %q", tpl.Category, tpl.ParameterFormat)
	}
}

// TestTemplateLanguages: the list is sorted (it is searched) and has Meta's
// usual codes, not made-up ones.
func TestTemplateLanguages(t *testing.T) {
	if !slices.IsSorted(templateLanguages) {
		t.Fatal("templateLanguages is not sorted")
	}
	if n := len(TemplateLanguages()); n < 65 {
		t.Errorf("%d languages, want Meta's ~70", n)
	}
	for code, want := range map[string]bool{"en": true, "en_US": true, "pt_BR": true, "zh_TW": true, "fil": true, "en-US": false, "EN": false, "pt": false, "": false} {
		if got := isTemplateLanguage(code); got != want {
			t.Errorf("isTemplateLanguage(%q) = %v, want %v", code, got, want)
		}
	}
}

// TestDefaultReview: what the default review decides, and why.
func TestDefaultReview(t *testing.T) {
	tests := []struct {
		name     string
		tpl      *wabi.Template
		status   string
		reason   string
		category string
	}{
		{"plain utility", tplOf("UTILITY", goodBody), wabi.TemplateApproved, "", ""},
		{"marketing that sells", tplOf("MARKETING", bodyOf("Spring sale: 20% off everything this week.")), wabi.TemplateApproved, "", ""},
		{"authentication", tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY"}, buttonsOf(otp("COPY_CODE"))), wabi.TemplateApproved, "", ""},
		{"adjacent variables", tplOf("UTILITY", bodyOf("Dear customer {{1}} {{2}}, your order has shipped.", "Ana", "Silva")), wabi.TemplateRejected, "INVALID_FORMAT", ""},
		{"stored without samples", tplOf("UTILITY", bodyOf("Hi {{1}}, your order {{2}} has shipped.")), wabi.TemplateRejected, "INVALID_FORMAT", ""},
		{"utility that sells", tplOf("UTILITY", bodyOf("Your order shipped. Enjoy 20% off your next one!")), wabi.TemplateRejected, "INCORRECT_CATEGORY", ""},
		{"utility that sells, re-categorised", with(tplOf("UTILITY", bodyOf("Your order shipped. Use the coupon for the next one.")),
			func(t *wabi.Template) { t.AllowCategoryChange = true }), wabi.TemplateApproved, "", wabi.CategoryMarketing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			normalizeTemplate(tt.tpl)
			v := DefaultReview(tt.tpl)
			if v.Status != tt.status || v.Reason != tt.reason || v.Category != tt.category {
				t.Errorf("verdict %+v, want status %s, reason %q, category %q", v, tt.status, tt.reason, tt.category)
			}
			if v.Status == wabi.TemplateRejected && (v.Detail == "" || v.Recommendation == "") {
				t.Errorf("a rejection without rejection_info: %+v", v)
			}
		})
	}
}
