package platform

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/wabi"
)

// Template definition limits (spec §7.1).
const (
	limTemplateName   = 512
	limTplHeader      = 60
	limTplBody        = 1024
	limTplFooter      = 60
	limButtonText     = 25
	limButtonURL      = 2000
	limButtonPhone    = 20
	limButtons        = 10
	limURLButtons     = 2
	limCarouselCards  = 10
	limOfferText      = 16
	limSupportedApps  = 5
	limSignatureHash  = 11
	limCodeExpiryMins = 90
	// TemplateLimit is how many template names a WABA may have (2388019).
	TemplateLimit = 250
)

// Parameter formats of a template's variables.
const (
	FormatPositional = "POSITIONAL"
	FormatNamed      = "NAMED"
)

var (
	templateNameRE = regexp.MustCompile(`^[a-z0-9_]+$`)
	// anyVar matches anything written as a variable, well formed or not.
	anyVar = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
	// positionalVar and namedVar are the two well-formed kinds of variable.
	positionalVar = regexp.MustCompile(`^[1-9][0-9]*$`)
	namedVar      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// adjacentVars finds two variables with nothing but space between them.
	adjacentVars = regexp.MustCompile(`\}\}\s*\{\{`)
)

// tplPath names a field of a template definition in errors, as Graph writes it.
type tplPath string

func (p tplPath) k(name string) tplPath { return p + tplPath("['"+name+"']") }
func (p tplPath) i(n int) tplPath       { return p + tplPath("["+strconv.Itoa(n)+"]") }

// err returns an error with the code about the field.
func (p tplPath) err(code wabi.Code, format string, args ...any) *wabi.Error {
	return wabi.Errorf(code, "%s %s", p, fmt.Sprintf(format, args...))
}

// maxLen checks a text against its character limit (2388040).
func (p tplPath) maxLen(s string, max int) *wabi.Error {
	if n := utf8.RuneCountInString(s); n > max {
		return p.err(wabi.ETemplateTooLong, "is %d characters long; the limit is %d.", n, max)
	}
	return nil
}

// normalizeTemplate writes enums in upper case, fills the parameter format and
// writes the fixed texts of authentication templates, so that rules and sends
// see one spelling.
func normalizeTemplate(t *wabi.Template) {
	t.Category = strings.ToUpper(strings.TrimSpace(t.Category))
	t.ParameterFormat = strings.ToUpper(strings.TrimSpace(t.ParameterFormat))
	if t.ParameterFormat == "" {
		t.ParameterFormat = FormatPositional
	}
	normalizeComponents(t.Components, t.Category)
}

func normalizeComponents(cs []wabi.TemplateComponent, category string) {
	for i := range cs {
		c := &cs[i]
		c.Type = strings.ToUpper(strings.TrimSpace(c.Type))
		c.Format = strings.ToUpper(strings.TrimSpace(c.Format))
		if c.Type == "HEADER" && c.Format == "" && c.Text != "" {
			c.Format = "TEXT"
		}
		for j := range c.Buttons {
			b := &c.Buttons[j]
			b.Type = strings.ToUpper(strings.TrimSpace(b.Type))
			b.OTPType = strings.ToUpper(strings.TrimSpace(b.OTPType))
			if b.Type == "OTP" && b.Text == "" {
				b.Text = "Copy code"
				if b.OTPType == "ONE_TAP" || b.OTPType == "ZERO_TAP" {
					b.Text = "Autofill"
				}
			}
		}
		for j := range c.Cards {
			normalizeComponents(c.Cards[j].Components, category)
		}
		if category != wabi.CategoryAuthentication {
			continue
		}
		// Meta writes the text of authentication templates itself.
		switch c.Type {
		case "BODY":
			if c.Text == "" {
				c.Text = "*{{1}}* is your verification code."
				if c.AddSecurityRecommendation != nil && *c.AddSecurityRecommendation {
					c.Text += " For your security, do not share this code."
				}
			}
		case "FOOTER":
			if c.Text == "" && c.CodeExpirationMinutes != nil {
				c.Text = fmt.Sprintf("This code expires in %d minutes.", *c.CodeExpirationMinutes)
			}
		}
	}
}

// checkTemplateDef applies Meta's creation rules to a normalized template. Strict
// is the Graph API's view: examples are required and the body's variables must
// not start or end it nor crowd it. The operator's control API is lenient about
// those, so that tests can store any template they need; review applies them.
func checkTemplateDef(t *wabi.Template, strict bool) *wabi.Error {
	if e := checkTemplateHead(t); e != nil {
		return e
	}
	return checkComponents(tplPath("components"), t.Components, t, strict, false)
}

// checkTemplateHead checks what names a template: name, language, category and
// parameter format.
func checkTemplateHead(t *wabi.Template) *wabi.Error {
	switch {
	case t.Name == "":
		return wabi.Errorf(wabi.EInvalidParam, "The parameter name is required.")
	case utf8.RuneCountInString(t.Name) > limTemplateName || !templateNameRE.MatchString(t.Name):
		return wabi.Errorf(wabi.EInvalidParam, "Param name must be at most %d lower-case letters, digits and underscores (got %q).", limTemplateName, t.Name)
	case t.Language == "":
		return wabi.Errorf(wabi.EInvalidParam, "The parameter language is required.")
	case !isTemplateLanguage(t.Language):
		return wabi.Errorf(wabi.EInvalidParam, "Param language must be one of Meta's template locales such as en, en_US or pt_BR (got %q).", t.Language)
	}
	switch t.Category {
	case wabi.CategoryMarketing, wabi.CategoryUtility, wabi.CategoryAuthentication:
	case "":
		return wabi.Errorf(wabi.EInvalidParam, "The parameter category is required.")
	default:
		return wabi.Errorf(wabi.EInvalidParam, "Param category must be MARKETING, UTILITY or AUTHENTICATION (got %q).", t.Category)
	}
	if t.ParameterFormat != FormatPositional && t.ParameterFormat != FormatNamed {
		return wabi.Errorf(wabi.EInvalidParam, "Param parameter_format must be POSITIONAL or NAMED (got %q).", t.ParameterFormat)
	}
	return nil
}

// checkComponents checks a template's (or a carousel card's) components.
func checkComponents(p tplPath, cs []wabi.TemplateComponent, t *wabi.Template, strict, inCard bool) *wabi.Error {
	if len(cs) == 0 {
		return p.err(wabi.EInvalidParam, "is required: a template needs at least a BODY component.")
	}
	seen := map[string]bool{}
	for i, c := range cs {
		cp := p.i(i)
		if seen[c.Type] {
			return cp.k("type").err(wabi.EInvalidParam, "repeats %s: a template has at most one component of each type.", c.Type)
		}
		seen[c.Type] = true
		var e *wabi.Error
		switch c.Type {
		case "HEADER":
			e = checkHeaderDef(cp, c, t, strict)
		case "BODY":
			e = checkBodyDef(cp, c, t, strict)
		case "FOOTER":
			e = checkFooterDef(cp, c, t)
		case "BUTTONS":
			e = checkButtonsDef(cp.k("buttons"), c.Buttons, t, strict)
		case "CAROUSEL":
			e = checkCarousel(cp, c, t, strict, inCard)
		case "LIMITED_TIME_OFFER":
			e = checkOffer(cp, c, t, inCard)
		case "":
			e = cp.k("type").err(wabi.EInvalidParam, "is required.")
		default:
			e = cp.k("type").err(wabi.EInvalidParam, "must be HEADER, BODY, FOOTER, BUTTONS, CAROUSEL or LIMITED_TIME_OFFER (got %q).", c.Type)
		}
		if e != nil {
			return e
		}
	}
	if !seen["BODY"] {
		return p.err(wabi.ETemplateBodyFormat, "has no BODY component; every template needs one.")
	}
	if t.Category == wabi.CategoryAuthentication && !seen["BUTTONS"] {
		return p.err(wabi.EInvalidParam, "has no BUTTONS component; an AUTHENTICATION template needs one OTP button.")
	}
	return nil
}

// checkHeaderDef checks a HEADER: its format, text and example.
func checkHeaderDef(p tplPath, c wabi.TemplateComponent, t *wabi.Template, strict bool) *wabi.Error {
	if t.Category == wabi.CategoryAuthentication {
		return p.err(wabi.ETemplateHeaderFormat, "is a HEADER; AUTHENTICATION templates have none.")
	}
	ex, e := exampleOf(p.k("example"), c.Example, wabi.ETemplateHeaderFormat)
	if e != nil {
		return e
	}
	switch c.Format {
	case "TEXT":
		if c.Text == "" {
			return p.k("text").err(wabi.ETemplateHeaderFormat, "is required for a TEXT header.")
		}
		if e := p.k("text").maxLen(c.Text, limTplHeader); e != nil {
			return e
		}
		if strings.ContainsAny(c.Text, "\n\r") {
			return p.k("text").err(wabi.ETemplateHeaderFormat, "must be one line: a header cannot hold new lines.")
		}
		vars, e := checkVars(p.k("text"), c.Text, t.ParameterFormat, wabi.ETemplateHeaderFormat)
		if e != nil {
			return e
		}
		if len(vars) > 1 {
			return p.k("text").err(wabi.ETemplateHeaderFormat, "has %d variables; a header may have at most one.", len(vars))
		}
		if len(vars) == 1 && strict {
			return checkExamples(p.k("example"), vars, t.ParameterFormat, ex.HeaderText, ex.HeaderTextNamed, "header_text", wabi.ETemplateHeaderFormat)
		}
	case "IMAGE", "VIDEO", "DOCUMENT":
		if c.Text != "" {
			return p.k("text").err(wabi.ETemplateHeaderFormat, "must be left out: a %s header has no text.", c.Format)
		}
		if strict && (len(ex.HeaderHandle) != 1 || ex.HeaderHandle[0] == "") {
			return p.k("example").k("header_handle").err(wabi.ETemplateHeaderFormat, "must hold one upload handle of a sample %s (from the Resumable Upload API).", strings.ToLower(c.Format))
		}
	case "LOCATION":
		if t.Category != wabi.CategoryUtility && t.Category != wabi.CategoryMarketing {
			return p.k("format").err(wabi.ETemplateHeaderFormat, "LOCATION is for UTILITY and MARKETING templates only.")
		}
	case "":
		return p.k("format").err(wabi.ETemplateHeaderFormat, "is required: TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.")
	default:
		return p.k("format").err(wabi.ETemplateHeaderFormat, "must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION (got %q).", c.Format)
	}
	return nil
}

// checkBodyDef checks a BODY: its text, variables and examples. Authentication
// bodies are Meta's own text.
func checkBodyDef(p tplPath, c wabi.TemplateComponent, t *wabi.Template, strict bool) *wabi.Error {
	if t.Category == wabi.CategoryAuthentication {
		return nil
	}
	tp := p.k("text")
	if strings.TrimSpace(c.Text) == "" {
		return tp.err(wabi.ETemplateBodyFormat, "is required.")
	}
	if e := tp.maxLen(c.Text, limTplBody); e != nil {
		return e
	}
	vars, e := checkVars(tp, c.Text, t.ParameterFormat, wabi.ETemplateBodyFormat)
	if e != nil || len(vars) == 0 || !strict {
		return e
	}
	trimmed := strings.TrimSpace(c.Text)
	if strings.HasPrefix(trimmed, "{{") || strings.HasSuffix(trimmed, "}}") {
		return tp.err(wabi.ETemplateVarPosition, "starts or ends with a variable; put text before the first variable and after the last.")
	}
	if words := len(strings.Fields(anyVar.ReplaceAllString(c.Text, " "))); words < 2*len(vars) {
		return tp.err(wabi.ETemplateTooManyVars, "has %d variables and only %d words around them; write at least two words per variable or use fewer variables.", len(vars), words)
	}
	ex, e := exampleOf(p.k("example"), c.Example, wabi.ETemplateBodyFormat)
	if e != nil {
		return e
	}
	var rows []string
	if len(ex.BodyText) > 0 {
		rows = ex.BodyText[0]
		if len(ex.BodyText) > 1 {
			return p.k("example").k("body_text").err(wabi.ETemplateBodyFormat, "must hold one list of sample values, not %d.", len(ex.BodyText))
		}
	}
	return checkExamples(p.k("example"), vars, t.ParameterFormat, rows, ex.BodyTextNamed, "body_text", wabi.ETemplateBodyFormat)
}

// checkFooterDef checks a FOOTER: plain text, or an authentication template's code
// expiry.
func checkFooterDef(p tplPath, c wabi.TemplateComponent, t *wabi.Template) *wabi.Error {
	if t.Category == wabi.CategoryAuthentication {
		if m := c.CodeExpirationMinutes; m != nil && (*m < 1 || *m > limCodeExpiryMins) {
			return p.k("code_expiration_minutes").err(wabi.ETemplateFooterFormat, "must be from 1 to %d (got %d).", limCodeExpiryMins, *m)
		}
		return nil
	}
	if c.Text == "" {
		return p.k("text").err(wabi.ETemplateFooterFormat, "is required.")
	}
	if e := p.k("text").maxLen(c.Text, limTplFooter); e != nil {
		return e
	}
	if anyVar.MatchString(c.Text) {
		return p.k("text").err(wabi.ETemplateFooterFormat, "cannot hold variables.")
	}
	return nil
}

// checkCarousel checks a CAROUSEL: 1 to 10 cards, each a small template.
func checkCarousel(p tplPath, c wabi.TemplateComponent, t *wabi.Template, strict, inCard bool) *wabi.Error {
	switch {
	case inCard:
		return p.k("type").err(wabi.EInvalidParam, "CAROUSEL cannot be nested in a card.")
	case t.Category != wabi.CategoryMarketing && t.Category != wabi.CategoryUtility:
		return p.k("type").err(wabi.EInvalidParam, "CAROUSEL is for MARKETING and UTILITY templates only.")
	case len(c.Cards) == 0 || len(c.Cards) > limCarouselCards:
		return p.k("cards").err(wabi.EInvalidParam, "must hold 1 to %d cards (got %d).", limCarouselCards, len(c.Cards))
	}
	for i, card := range c.Cards {
		if e := checkComponents(p.k("cards").i(i).k("components"), card.Components, t, strict, true); e != nil {
			return e
		}
	}
	return nil
}

// checkOffer checks a LIMITED_TIME_OFFER component of a marketing template.
func checkOffer(p tplPath, c wabi.TemplateComponent, t *wabi.Template, inCard bool) *wabi.Error {
	if t.Category != wabi.CategoryMarketing || inCard {
		return p.k("type").err(wabi.EInvalidParam, "LIMITED_TIME_OFFER is for MARKETING templates only, outside carousels.")
	}
	if c.Text == "" {
		return p.k("text").err(wabi.EInvalidParam, "is required.")
	}
	return p.k("text").maxLen(c.Text, limOfferText)
}
