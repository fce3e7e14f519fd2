package platform

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/wabi"
)

// templateVar matches a template variable: {{1}} or {{name}}.
var templateVar = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

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
// parameters against the template's variables, returning how it renders.
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

	given := map[string][]wabi.TemplateParam{}
	buttons := map[int]wabi.TemplateParamComp{}
	for _, c := range ts.Components {
		typ := strings.ToLower(c.Type)
		if typ == "button" {
			i, err := buttonIndex(c.Index)
			if err != nil {
				return nil, nil, err
			}
			buttons[i] = c
			continue
		}
		given[typ] = append(given[typ], c.Parameters...)
	}

	r := &wabi.RenderedOffer{}
	onlyBody := len(t.Components) == 1
	for _, tc := range t.Components {
		switch strings.ToUpper(tc.Type) {
		case "HEADER":
			h, err := renderHeader(tc, given["header"])
			if err != nil {
				return nil, nil, err
			}
			r.Header = h
		case "BODY":
			limit := 1024
			if onlyBody {
				limit = 32768
			}
			body, err := renderText("body", tc.Text, given["body"], limit)
			if err != nil {
				return nil, nil, err
			}
			r.Body = body
		case "FOOTER":
			r.Footer = tc.Text
		case "BUTTONS":
			for i, b := range tc.Buttons {
				r.Buttons = append(r.Buttons, b.Text)
				c, ok := buttons[i]
				if err := checkButton(i, b, c, ok); err != nil {
					return nil, nil, err
				}
				delete(buttons, i)
			}
		}
	}
	for i := range buttons {
		return nil, nil, wabi.Errorf(wabi.ETemplateParamCount, "button at index %d: the template has no such button", i)
	}
	if !hasComponent(t, "HEADER") && len(given["header"]) > 0 {
		return nil, nil, paramCount("header", len(given["header"]), 0)
	}
	if !hasComponent(t, "BODY") && len(given["body"]) > 0 {
		return nil, nil, paramCount("body", len(given["body"]), 0)
	}
	return t, r, nil
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

// renderHeader checks the header parameter against the header's format.
func renderHeader(tc wabi.TemplateComponent, ps []wabi.TemplateParam) (string, error) {
	format := strings.ToUpper(tc.Format)
	if format == "" || format == "TEXT" {
		return renderText("header", tc.Text, ps, 60)
	}
	if len(ps) != 1 {
		return "", paramCount("header", len(ps), 1)
	}
	want := strings.ToLower(format)
	if ps[0].Type != want {
		return "", wabi.Errorf(wabi.ETemplateFormat, "header: the template's header is %s, the parameter is %s", format, ps[0].Type)
	}
	return "[" + want + "]", nil
}

// renderText fills a text's variables from parameters, positional or named.
func renderText(where, text string, ps []wabi.TemplateParam, limit int) (string, error) {
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
		if prm.ParameterName != "" {
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

// checkButton checks the parameters sent for a template button, if any.
func checkButton(i int, b wabi.TemplateButton, c wabi.TemplateParamComp, sent bool) error {
	typ := strings.ToUpper(b.Type)
	needs := typ == "URL" && len(variables(b.URL)) > 0 || typ == "COPY_CODE"
	if !sent {
		if needs {
			return wabi.Errorf(wabi.ETemplateParamCount, "button at index %d (%s) needs a parameter", i, typ)
		}
		return nil
	}
	if sub := strings.ToUpper(c.SubType); sub != typ {
		return wabi.Errorf(wabi.ETemplateFormat, "button at index %d is %s, the parameters are for %s", i, typ, sub)
	}
	return nil
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
