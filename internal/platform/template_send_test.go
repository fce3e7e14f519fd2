package platform

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// sendOf decodes a send's template object as the Cloud API receives it.
func sendOf(t *testing.T, raw string) *wabi.TemplateSend {
	t.Helper()
	var ts wabi.TemplateSend
	if err := json.Unmarshal([]byte(raw), &ts); err != nil {
		t.Fatalf("template %s: %v", raw, err)
	}
	return &ts
}

// TestRenderTemplate checks sends against stored templates: the parameters each
// component takes, their types and lengths, and what the phone shows.
func TestRenderTemplate(t *testing.T) {
	yes := true
	shipping := tplOf("UTILITY", textHeader("Order {{1}}", "7731"), goodBody, footerOf("Reply STOP to opt out"),
		buttonsOf(quick("Stop updates"), urlButton("https://example.com/t/{{1}}", "https://example.com/t/1"), phoneButton("+16467043595")))
	promo := tplOf("MARKETING", bodyOf("Spring is here: save on everything."),
		buttonsOf(wabi.TemplateButton{Type: "COPY_CODE", Example: "SPRING"}, urlButton("https://example.com/shop")))
	named := with(tplOf("UTILITY", namedBody("Hi {{first_name}}, order {{order}} is ready for you.", "first_name", "A", "order", "1")),
		func(t *wabi.Template) { t.ParameterFormat = "NAMED" })
	auth := tplOf("AUTHENTICATION", wabi.TemplateComponent{Type: "BODY", AddSecurityRecommendation: &yes}, buttonsOf(otp("COPY_CODE")))
	image := tplOf("MARKETING", mediaHeader("IMAGE", "4::x"), bodyOf("New hats are in."))
	location := tplOf("UTILITY", mediaHeader("LOCATION"), bodyOf("Your parcel waits here."))
	for _, tpl := range []*wabi.Template{shipping, promo, named, auth, image, location} {
		normalizeTemplate(tpl)
	}

	const (
		header = `{"type":"header","parameters":[{"type":"text","text":"7731"}]}`
		body   = `{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"7731"}]}`
		url    = `{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"7731"}]}`
	)
	send := func(cs ...string) string {
		return `{"name":"order_update","language":{"code":"en_US"},"components":[` + strings.Join(cs, ",") + `]}`
	}
	tests := []struct {
		name string
		tpl  *wabi.Template
		send string
		want *wabi.RenderedOffer
		code wabi.Code
		says string
	}{
		{"every part", shipping, send(header, body, url, `{"type":"button","sub_type":"quick_reply","index":0,"parameters":[{"type":"payload","payload":"STOP"}]}`),
			&wabi.RenderedOffer{Header: "Order 7731", Body: "Hi Ana, your order 7731 has shipped.", Footer: "Reply STOP to opt out",
				Buttons: []string{"Stop updates", "Track", "Call us"}}, "", ""},
		{"quick reply needs no payload", shipping, send(header, body, url), &wabi.RenderedOffer{Header: "Order 7731",
			Body: "Hi Ana, your order 7731 has shipped.", Footer: "Reply STOP to opt out", Buttons: []string{"Stop updates", "Track", "Call us"}}, "", ""},
		{"header parameter missing", shipping, send(body, url), nil, wabi.ETemplateParamCount, "header"},
		{"body parameter missing", shipping, send(header, `{"type":"body","parameters":[{"type":"text","text":"Ana"}]}`, url), nil, wabi.ETemplateParamCount, "body"},
		{"URL suffix missing", shipping, send(header, body), nil, wabi.ETemplateParamCount, "index 1 (URL)"},
		{"URL suffix of the wrong type", shipping, send(header, body, `{"type":"button","sub_type":"url","index":1,"parameters":[{"type":"payload","payload":"x"}]}`), nil, wabi.ETemplateFormat, "type text"},
		{"URL suffix too long", shipping, send(header, body, `{"type":"button","sub_type":"url","index":1,"parameters":[{"type":"text","text":"`+strings.Repeat("x", 2000)+`"}]}`), nil, wabi.ETemplateTextLength, "2000"},
		{"quick reply with text", shipping, send(header, body, url, `{"type":"button","sub_type":"quick_reply","index":0,"parameters":[{"type":"text","text":"x"}]}`), nil, wabi.ETemplateFormat, "type payload"},
		{"parameters for a phone button", shipping, send(header, body, url, `{"type":"button","sub_type":"phone_number","index":2,"parameters":[{"type":"text","text":"x"}]}`), nil, wabi.ETemplateParamCount, "PHONE_NUMBER"},
		{"sub_type of another button", shipping, send(header, body, `{"type":"button","sub_type":"quick_reply","index":1,"parameters":[{"type":"payload","payload":"x"}]}`), nil, wabi.ETemplateFormat, "is URL"},
		{"a button the template lacks", shipping, send(header, body, url, `{"type":"button","sub_type":"quick_reply","index":5,"parameters":[{"type":"payload","payload":"x"}]}`), nil, wabi.ETemplateParamCount, "no such button"},
		{"header text too long", shipping, send(`{"type":"header","parameters":[{"type":"text","text":"`+strings.Repeat("7", 60)+`"}]}`, body, url), nil, wabi.ETemplateTextLength, "limit is 60"},
		{"coupon code", promo, send(`{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code","coupon_code":"SPRING25"}]}`),
			&wabi.RenderedOffer{Body: "Spring is here: save on everything.", Buttons: []string{"Copy offer code", "Track"}}, "", ""},
		{"coupon code missing", promo, send(), nil, wabi.ETemplateParamCount, "COPY_CODE"},
		{"suffix for a fixed URL", promo, send(`{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code","coupon_code":"S"}]}`,
			`{"type":"button","sub_type":"url","index":1,"parameters":[{"type":"text","text":"x"}]}`), nil, wabi.ETemplateParamCount, "(URL)"},
		{"named parameters", named, send(`{"type":"body","parameters":[{"type":"text","parameter_name":"order","text":"7731"},{"type":"text","parameter_name":"first_name","text":"Ana"}]}`),
			&wabi.RenderedOffer{Body: "Hi Ana, order 7731 is ready for you."}, "", ""},
		{"named template, unnamed parameters", named, send(`{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"7731"}]}`), nil, wabi.ETemplateFormat, "parameter_name"},
		{"one-time password", auth, send(`{"type":"body","parameters":[{"type":"text","text":"123456"}]}`, `{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"123456"}]}`),
			&wabi.RenderedOffer{Body: "*123456* is your verification code. For your security, do not share this code.", Buttons: []string{"Copy code"}}, "", ""},
		{"one-time password too long", auth, send(`{"type":"body","parameters":[{"type":"text","text":"1"}]}`, `{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"1234567890123456"}]}`), nil, wabi.ETemplateTextLength, "limit is 15"},
		{"one-time password button left out", auth, send(`{"type":"body","parameters":[{"type":"text","text":"1"}]}`), nil, wabi.ETemplateParamCount, "(OTP)"},
		{"image header", image, send(`{"type":"header","parameters":[{"type":"image","image":{"link":"https://cdn.example.com/hat.jpg"}}]}`),
			&wabi.RenderedOffer{Header: "[image]", Body: "New hats are in."}, "", ""},
		{"document for an image header", image, send(`{"type":"header","parameters":[{"type":"document","document":{"link":"https://cdn.example.com/hat.pdf"}}]}`), nil, wabi.ETemplateFormat, "IMAGE"},
		{"image header left out", image, send(), nil, wabi.ETemplateParamCount, "header"},
		{"location header", location, send(`{"type":"header","parameters":[{"type":"location","location":{"latitude":1,"longitude":2}}]}`),
			&wabi.RenderedOffer{Header: "[location]", Body: "Your parcel waits here."}, "", ""},
	}
	p := &Platform{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.renderTemplate(context.Background(), tt.tpl, sendOf(t, tt.send))
			if code := wabi.ErrorCode(err); code != tt.code {
				t.Fatalf("code %q (%v), want %q", code, err, tt.code)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.says) {
					t.Errorf("error %q does not say %q", err, tt.says)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rendered %+v, want %+v", got, tt.want)
			}
		})
	}
}
