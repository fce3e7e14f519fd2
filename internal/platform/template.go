package platform

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/wabi"
)

// templateVar matches a template variable: {{1}} or {{name}}.
var templateVar = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// Send-time limits of hydrated template texts (§2.9).
const (
	limSendHeader   = 60
	limSendBody     = 1024
	limSendOnlyBody = 32768
	limOTP          = 15
)

// headerMime lists the media types a template's media header may carry.
var headerMime = map[string][]string{
	"IMAGE":    {"image/jpeg", "image/png"},
	"VIDEO":    {"video/mp4"},
	"DOCUMENT": {"application/pdf"},
}

// variables returns the distinct variable names of a template text, in order.
func variables(text string) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range templateVar.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	return names
}

// checkTemplate finds the approved template a message names and checks its
// parameters against the template's components, returning how it renders on
// the phone: header text (or "[image]" and the like), body, footer and button
// labels.
func (p *Platform) checkTemplate(ctx context.Context, w *wabi.WABA, ts *wabi.TemplateSend) (*wabi.Template, *wabi.RenderedOffer, error) {
	all, err := p.templates(ctx, w.ID)
	if err != nil {
		return nil, nil, err
	}
	var t *wabi.Template
	for _, x := range all {
		if x.Name == ts.Name && x.Language == ts.Language.Code {
			t = x
		}
	}
	switch {
	case t == nil:
		return nil, nil, wabi.Errorf(wabi.ETemplateNotFound, "template name (%s) does not exist in %s", ts.Name, ts.Language.Code)
	case t.Status == wabi.TemplatePaused:
		return nil, nil, wabi.Errorf(wabi.ETemplatePaused, "Template %s is paused because of low quality.", ts.Name)
	case t.Status == wabi.TemplateDisabled:
		return nil, nil, wabi.Errorf(wabi.ETemplateDisabled, "Template %s is disabled.", ts.Name)
	case t.Status != wabi.TemplateApproved:
		return nil, nil, wabi.Errorf(wabi.ETemplateNotFound, "template name (%s) does not exist in %s (its status is %s, not APPROVED)", ts.Name, ts.Language.Code, t.Status)
	}
	r, err := p.renderTemplate(ctx, t, ts)
	if err != nil {
		return nil, nil, err
	}
	return t, r, nil
}

// renderTemplate checks a send's parameters against the template's components
// and renders what the phone shows.
func (p *Platform) renderTemplate(ctx context.Context, t *wabi.Template, ts *wabi.TemplateSend) (*wabi.RenderedOffer, error) {
	given := map[string][]wabi.TemplateParam{}
	buttons := map[int]wabi.TemplateParamComp{}
	for _, c := range ts.Components {
		typ := strings.ToLower(c.Type)
		if typ == "button" {
			i, err := buttonIndex(c.Index)
			if err != nil {
				return nil, err
			}
			if _, dup := buttons[i]; dup {
				return nil, wabi.Errorf(wabi.EInvalidParam, "button at index %d: parameters are given twice", i)
			}
			buttons[i] = c
			continue
		}
		given[typ] = append(given[typ], c.Parameters...)
	}

	named := t.ParameterFormat == FormatNamed
	r := &wabi.RenderedOffer{}
	onlyBody := len(t.Components) == 1
	for _, tc := range t.Components {
		switch strings.ToUpper(tc.Type) {
		case "HEADER":
			h, err := p.renderHeader(ctx, tc, given["header"], named)
			if err != nil {
				return nil, err
			}
			r.Header = h
		case "BODY":
			limit := limSendBody
			if onlyBody {
				limit = limSendOnlyBody
			}
			body, err := renderTextAs("body", tc.Text, given["body"], limit, named)
			if err != nil {
				return nil, err
			}
			r.Body = body
		case "FOOTER":
			r.Footer = tc.Text
		case "BUTTONS":
			for i, b := range tc.Buttons {
				r.Buttons = append(r.Buttons, buttonLabel(b))
				c, ok := buttons[i]
				if err := checkButtonParams(i, b, c, ok); err != nil {
					return nil, err
				}
				delete(buttons, i)
			}
		}
	}
	for i := range buttons {
		return nil, wabi.Errorf(wabi.ETemplateParamCount, "button at index %d: the template has no such button", i)
	}
	if !hasComponent(t, "HEADER") && len(given["header"]) > 0 {
		return nil, paramCount("header", len(given["header"]), 0)
	}
	if !hasComponent(t, "BODY") && len(given["body"]) > 0 {
		return nil, paramCount("body", len(given["body"]), 0)
	}
	return r, nil
}

func hasComponent(t *wabi.Template, typ string) bool {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, typ) {
			return true
		}
	}
	return false
}

func paramCount(where string, got, want int) error {
	return wabi.Errorf(wabi.ETemplateParamCount, "%s: number of localizable_params (%d) does not match the expected number of params (%d)", where, got, want)
}

// renderHeader checks the header parameter against the header's format: a text
// with its variable, or one media or location parameter of the header's kind.
func (p *Platform) renderHeader(ctx context.Context, tc wabi.TemplateComponent, ps []wabi.TemplateParam, named bool) (string, error) {
	format := strings.ToUpper(tc.Format)
	if format == "" || format == "TEXT" {
		return renderTextAs("header", tc.Text, ps, limSendHeader, named)
	}
	if len(ps) != 1 {
		return "", paramCount("header", len(ps), 1)
	}
	want := strings.ToLower(format)
	if ps[0].Type != want {
		return "", wabi.Errorf(wabi.ETemplateFormat, "header: the template's header is %s, the parameter is %s", format, ps[0].Type)
	}
	if err := p.checkHeaderMedia(ctx, format, ps[0]); err != nil {
		return "", err
	}
	return "[" + want + "]", nil
}

// checkHeaderMedia checks that an uploaded header medium is of a type template
// headers take: JPEG or PNG images, MP4 videos, PDF documents. Media sent by
// link are checked when they are fetched; an unknown id is left for the media
// checks to report.
func (p *Platform) checkHeaderMedia(ctx context.Context, format string, prm wabi.TemplateParam) error {
	md := prm.Image
	switch format {
	case "VIDEO":
		md = prm.Video
	case "DOCUMENT":
		md = prm.Document
	}
	allowed, ok := headerMime[format]
	if !ok || md == nil || md.ID == "" {
		return nil
	}
	mf, err := p.store.MediaFile(ctx, md.ID)
	if err != nil {
		return nil
	}
	if mt := mediaCanonical(mf.MimeType); !slices.Contains(allowed, mt) {
		return wabi.Errorf(wabi.ETemplateFormat, "header: a %s header takes %s; media %s is %s", format, strings.Join(allowed, " or "), md.ID, mt)
	}
	return nil
}

// checkLinkedHeader checks header media sent by link, once fetched, against the
// template's header format; a mismatch fails the message (132012).
func (p *Platform) checkLinkedHeader(ctx context.Context, t *wabi.Template, ts *wabi.TemplateSend) *wabi.Error {
	format := ""
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, "HEADER") {
			format = strings.ToUpper(c.Format)
		}
	}
	for _, c := range ts.Components {
		if !strings.EqualFold(c.Type, "header") {
			continue
		}
		for _, prm := range c.Parameters {
			linked := false
			for _, md := range []*wabi.Media{prm.Image, prm.Video, prm.Document} {
				linked = linked || (md != nil && md.Link != "")
			}
			if !linked {
				continue
			}
			if e := wabi.AsError(p.checkHeaderMedia(ctx, format, prm)); e != nil {
				return e
			}
		}
	}
	return nil
}

// renderText fills a text's variables from parameters, positional or named
// (named when the text's variables are names and the parameters name them).
func renderText(where, text string, ps []wabi.TemplateParam, limit int) (string, error) {
	return renderTextAs(where, text, ps, limit, false)
}

// renderTextAs is renderText for a template whose parameter format is known:
// named templates need a parameter_name on every parameter.
func renderTextAs(where, text string, ps []wabi.TemplateParam, limit int, named bool) (string, error) {
	vars := variables(text)
	if len(ps) != len(vars) {
		return "", paramCount(where, len(ps), len(vars))
	}
	values := map[string]string{}
	for i, prm := range ps {
		v, err := paramValue(where, prm)
		if err != nil {
			return "", err
		}
		name := strconv.Itoa(i + 1)
		if named || prm.ParameterName != "" && !positionalVar.MatchString(vars[0]) {
			if prm.ParameterName == "" {
				return "", wabi.Errorf(wabi.ETemplateFormat, "%s: the template's variables are named, so parameter %d needs a parameter_name", where, i+1)
			}
			name = prm.ParameterName
		}
		values[name] = v
	}
	for _, v := range vars {
		if _, ok := values[v]; !ok {
			return "", wabi.Errorf(wabi.ETemplateParamCount, "%s: no parameter for variable {{%s}}", where, v)
		}
	}
	out := templateVar.ReplaceAllStringFunc(text, func(s string) string {
		return values[templateVar.FindStringSubmatch(s)[1]]
	})
	if utf8.RuneCountInString(out) > limit {
		return "", wabi.Errorf(wabi.ETemplateTextLength, "%s: the text with its parameters is %d characters long; the limit is %d", where, utf8.RuneCountInString(out), limit)
	}
	return out, nil
}

// paramValue is what a text-like parameter shows.
func paramValue(where string, prm wabi.TemplateParam) (string, error) {
	switch prm.Type {
	case "text":
		if prm.Text != nil {
			return *prm.Text, nil
		}
	case "currency":
		if prm.Currency != nil {
			return prm.Currency.FallbackValue, nil
		}
	case "date_time":
		if prm.DateTime != nil {
			return prm.DateTime.FallbackValue, nil
		}
	}
	return "", wabi.Errorf(wabi.ETemplateFormat, "%s: a parameter of type %s cannot fill a text variable", where, prm.Type)
}

// buttonLabel is what a button shows on the phone.
func buttonLabel(b wabi.TemplateButton) string {
	if strings.EqualFold(b.Type, "COPY_CODE") && b.Text == "" {
		return "Copy offer code"
	}
	return b.Text
}

// buttonParam says what a template button takes when it is sent: the sub_type
// its parameters come under, the parameter type, and whether they are required.
type buttonParam struct {
	subTypes  []string
	paramType string
	required  bool
}

// buttonParamOf returns what a button takes; ok is false for buttons that take
// no parameters.
func buttonParamOf(b wabi.TemplateButton) (buttonParam, bool) {
	switch strings.ToUpper(b.Type) {
	case "QUICK_REPLY":
		return buttonParam{[]string{"quick_reply"}, "payload", false}, true
	case "URL":
		if len(variables(b.URL)) == 0 {
			return buttonParam{}, false
		}
		return buttonParam{[]string{"url"}, "text", true}, true
	case "COPY_CODE":
		return buttonParam{[]string{"copy_code"}, "coupon_code", true}, true
	case "OTP":
		// One-time passwords are sent as a url button, as Meta documents; some
		// clients say copy_code.
		return buttonParam{[]string{"url", "copy_code"}, "text", true}, true
	case "FLOW":
		return buttonParam{[]string{"flow"}, "action", false}, true
	case "CATALOG", "MPM":
		return buttonParam{[]string{strings.ToLower(b.Type)}, "action", false}, true
	}
	return buttonParam{}, false
}

// checkButtonParams checks the parameters sent for a template button, if any.
func checkButtonParams(i int, b wabi.TemplateButton, c wabi.TemplateParamComp, sent bool) error {
	typ := strings.ToUpper(b.Type)
	want, takes := buttonParamOf(b)
	if !sent {
		if takes && want.required {
			return wabi.Errorf(wabi.ETemplateParamCount, "button at index %d (%s) needs a parameter", i, typ)
		}
		return nil
	}
	sub := strings.ToLower(c.SubType)
	if !takes {
		if len(c.Parameters) > 0 {
			return paramCount(fmt.Sprintf("button at index %d (%s)", i, typ), len(c.Parameters), 0)
		}
		if sub != strings.ToLower(typ) {
			return wabi.Errorf(wabi.ETemplateFormat, "button at index %d is %s, the parameters are for %s", i, typ, strings.ToUpper(sub))
		}
		return nil
	}
	if !slices.Contains(want.subTypes, sub) {
		return wabi.Errorf(wabi.ETemplateFormat, "button at index %d is %s, the parameters are for %s", i, typ, strings.ToUpper(sub))
	}
	where := fmt.Sprintf("button at index %d (%s)", i, typ)
	if len(c.Parameters) != 1 && (want.required || len(c.Parameters) > 1) {
		return paramCount(where, len(c.Parameters), 1)
	}
	if len(c.Parameters) == 0 {
		return nil
	}
	prm := c.Parameters[0]
	if prm.Type != want.paramType {
		return wabi.Errorf(wabi.ETemplateFormat, "%s: the parameter must be of type %s, not %s", where, want.paramType, prm.Type)
	}
	switch typ {
	case "URL":
		if n := utf8.RuneCountInString(templateVar.ReplaceAllString(b.URL, deref(prm.Text))); n > limButtonURL {
			return wabi.Errorf(wabi.ETemplateTextLength, "%s: the URL with its parameter is %d characters long; the limit is %d", where, n, limButtonURL)
		}
	case "OTP":
		if n := utf8.RuneCountInString(deref(prm.Text)); n > limOTP {
			return wabi.Errorf(wabi.ETemplateTextLength, "%s: the one-time password is %d characters long; the limit is %d", where, n, limOTP)
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// buttonIndex reads a button component's index, a string or a number from 0 to 9.
func buttonIndex(raw []byte) (int, error) {
	s := strings.Trim(string(raw), `"`)
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i > 9 {
		return 0, wabi.Errorf(wabi.EInvalidParam, "Param template['components'][]['index'] must be a number from 0 to 9, not %s.", fmt.Sprint(string(raw)))
	}
	return i, nil
}
