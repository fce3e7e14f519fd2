package platform

import (
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestNormalizeWaID: recipients as businesses write them, read from the sender's
// country when there is no "+".
func TestNormalizeWaID(t *testing.T) {
	tests := []struct {
		to, sender, want string
		code             wabi.Code
	}{
		{"+1 (650) 555-1234", "15550001000", "16505551234", ""},
		{"16505551234", "15550001000", "16505551234", ""},
		{"(650) 555-1234", "15550001000", "16505551234", ""},
		{"(631) 555-1234", "919876543210", "916315551234", ""},
		{"447700900123", "15550001000", "447700900123", ""},
		{"+44 7700 900123", "919876543210", "447700900123", ""},
		{"  +55 11 91234-5678 ", "15550001000", "5511912345678", ""},
		{"call-me", "15550001000", "", wabi.EInvalidValue},
		{"+1 555", "15550001000", "", wabi.EInvalidValue},
		{"+1234567890123456", "15550001000", "", wabi.EInvalidValue},
		{"", "15550001000", "", wabi.EInvalidValue},
	}
	for _, tt := range tests {
		got, err := NormalizeWaID(tt.to, tt.sender)
		if wabi.ErrorCode(err) != tt.code || got != tt.want {
			t.Errorf("NormalizeWaID(%q, %q) = %q, %v; want %q, %q", tt.to, tt.sender, got, err, tt.want, tt.code)
		}
	}
}

// TestRenderText fills positional and named variables and enforces counts and length.
func TestRenderText(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name, text string
		params     []wabi.TemplateParam
		limit      int
		want       string
		code       wabi.Code
	}{
		{"positional", "Hi {{1}}, order {{2}}.", []wabi.TemplateParam{{Type: "text", Text: s("Ana")}, {Type: "text", Text: s("7")}}, 1024, "Hi Ana, order 7.", ""},
		{"named", "Hi {{name}}!", []wabi.TemplateParam{{Type: "text", ParameterName: "name", Text: s("Ana")}}, 1024, "Hi Ana!", ""},
		{"currency and date", "{{1}} on {{2}}", []wabi.TemplateParam{{Type: "currency", Currency: &wabi.Currency{FallbackValue: "$5"}}, {Type: "date_time", DateTime: &wabi.DateTime{FallbackValue: "May 1"}}}, 1024, "$5 on May 1", ""},
		{"repeated variable counts once", "{{1}} and {{1}}", []wabi.TemplateParam{{Type: "text", Text: s("x")}}, 1024, "x and x", ""},
		{"too few", "Hi {{1}} {{2}}", []wabi.TemplateParam{{Type: "text", Text: s("a")}}, 1024, "", wabi.ETemplateParamCount},
		{"too many", "Hi", []wabi.TemplateParam{{Type: "text", Text: s("a")}}, 1024, "", wabi.ETemplateParamCount},
		{"unknown name", "Hi {{name}}", []wabi.TemplateParam{{Type: "text", ParameterName: "other", Text: s("a")}}, 1024, "", wabi.ETemplateParamCount},
		{"image cannot fill text", "Hi {{1}}", []wabi.TemplateParam{{Type: "image", Image: &wabi.Media{Link: "https://x"}}}, 1024, "", wabi.ETemplateFormat},
		{"too long", "{{1}}", []wabi.TemplateParam{{Type: "text", Text: s("abcdef")}}, 5, "", wabi.ETemplateTextLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderText("body", tt.text, tt.params, tt.limit)
			if wabi.ErrorCode(err) != tt.code || got != tt.want {
				t.Errorf("got %q, %v; want %q, %q", got, err, tt.want, tt.code)
			}
		})
	}
}

// TestTokenAllows: a token reaches its business, its WABAs and its scopes only.
func TestTokenAllows(t *testing.T) {
	all := &wabi.Token{BusinessID: "b1", Scopes: []string{wabi.ScopeMessaging, wabi.ScopeManagement}}
	one := &wabi.Token{BusinessID: "b1", WABAIDs: []string{"w1"}, Scopes: []string{wabi.ScopeMessaging}}
	tests := []struct {
		tok              *wabi.Token
		scope, biz, waba string
		want             bool
	}{
		{all, wabi.ScopeMessaging, "b1", "w9", true},
		{all, wabi.ScopeMessaging, "b2", "w9", false},
		{one, wabi.ScopeMessaging, "b1", "w1", true},
		{one, wabi.ScopeMessaging, "b1", "w2", false},
		{one, wabi.ScopeManagement, "b1", "w1", false},
	}
	for _, tt := range tests {
		if got := tt.tok.Allows(tt.scope, tt.biz, tt.waba); got != tt.want {
			t.Errorf("%+v.Allows(%s, %s, %s) = %v", tt.tok, tt.scope, tt.biz, tt.waba, got)
		}
	}
}
