package platform

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode"

	"github.com/wabihq/wabi/internal/wabi"
)

// buttonLimits caps how many buttons of a type one template may have; types
// not listed may appear up to the overall limit.
var buttonLimits = map[string]int{
	"URL": limURLButtons, "PHONE_NUMBER": 1, "COPY_CODE": 1, "OTP": 1, "FLOW": 1,
	"VOICE_CALL": 1, "MPM": 1, "CATALOG": 1, "SPM": 1,
}

// checkButtonsDef checks a BUTTONS component: 1 to 10 buttons, quick replies kept
// together, per-type counts, and each button's own rules.
func checkButtonsDef(p tplPath, bs []wabi.TemplateButton, t *wabi.Template, strict bool) *wabi.Error {
	if len(bs) == 0 || len(bs) > limButtons {
		return p.err(wabi.EInvalidParam, "must hold 1 to %d buttons (got %d).", limButtons, len(bs))
	}
	counts := map[string]int{}
	quickRuns := 0
	for i, b := range bs {
		bp := p.i(i)
		if b.Type == "QUICK_REPLY" && (i == 0 || bs[i-1].Type != "QUICK_REPLY") {
			quickRuns++
		}
		counts[b.Type]++
		if max, ok := buttonLimits[b.Type]; ok && counts[b.Type] > max {
			return bp.k("type").err(wabi.EInvalidParam, "makes %d %s buttons; a template may have at most %d.", counts[b.Type], b.Type, max)
		}
		auth := t.Category == wabi.CategoryAuthentication
		if auth != (b.Type == "OTP") {
			if auth {
				return bp.k("type").err(wabi.EInvalidParam, "must be OTP: AUTHENTICATION templates have one OTP button only.")
			}
			return bp.k("type").err(wabi.EInvalidParam, "OTP buttons are for AUTHENTICATION templates only.")
		}
		if e := checkButtonDef(bp, b, strict); e != nil {
			return e
		}
	}
	if quickRuns > 1 {
		return p.err(wabi.EInvalidParam, "mixes QUICK_REPLY buttons with others: keep all quick replies together, before or after the other buttons.")
	}
	return nil
}

// checkButtonDef checks one button against the rules of its type.
func checkButtonDef(p tplPath, b wabi.TemplateButton, strict bool) *wabi.Error {
	text := func() *wabi.Error {
		if b.Text == "" {
			return p.k("text").err(wabi.EInvalidParam, "is required.")
		}
		return p.k("text").maxLen(b.Text, limButtonText)
	}
	switch b.Type {
	case "QUICK_REPLY", "MPM", "CATALOG", "SPM", "VOICE_CALL", "APP":
		return text()
	case "URL":
		if e := text(); e != nil {
			return e
		}
		return checkURLButtonDef(p, b, strict)
	case "PHONE_NUMBER":
		if e := text(); e != nil {
			return e
		}
		pp := p.k("phone_number")
		if b.PhoneNumber == "" {
			return pp.err(wabi.EInvalidParam, "is required.")
		}
		if e := pp.maxLen(b.PhoneNumber, limButtonPhone); e != nil {
			return e
		}
		if strings.Trim(b.PhoneNumber, "+0123456789 -()") != "" || len(onlyDigits(b.PhoneNumber)) < 5 {
			return pp.err(wabi.EInvalidParam, "must be a phone number with its country code, such as +15550001234 (got %q).", b.PhoneNumber)
		}
	case "COPY_CODE":
		code, given := stringExample(b.Example)
		if !given {
			if strict {
				return p.k("example").err(wabi.EInvalidParam, "is required: the sample offer code, at most %d characters.", limCouponCode)
			}
			return nil
		}
		return p.k("example").maxLen(code, limCouponCode)
	case "OTP":
		return checkOTPButtonDef(p, b)
	case "FLOW":
		if e := text(); e != nil {
			return e
		}
		set := 0
		for _, s := range []string{b.FlowID, b.FlowName, b.FlowJSON} {
			if s != "" {
				set++
			}
		}
		if set != 1 {
			return p.err(wabi.EInvalidParam, "needs exactly one of flow_id, flow_name and flow_json.")
		}
		if a := strings.ToLower(b.FlowAction); a != "" && a != "navigate" && a != "data_exchange" {
			return p.k("flow_action").err(wabi.EInvalidParam, "must be navigate or data_exchange (got %q).", b.FlowAction)
		}
	case "":
		return p.k("type").err(wabi.EInvalidParam, "is required.")
	default:
		return p.k("type").err(wabi.EInvalidParam, "must be QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, FLOW, MPM, CATALOG, SPM, VOICE_CALL or APP (got %q).", b.Type)
	}
	return nil
}

// checkURLButtonDef checks a URL button's address: http(s), at most 2,000
// characters, at most one variable and only at the end, with a sample URL.
func checkURLButtonDef(p tplPath, b wabi.TemplateButton, strict bool) *wabi.Error {
	up := p.k("url")
	if b.URL == "" {
		return up.err(wabi.EInvalidParam, "is required.")
	}
	if e := up.maxLen(b.URL, limButtonURL); e != nil {
		return e
	}
	vars := anyVar.FindAllStringIndex(b.URL, -1)
	switch {
	case len(vars) > 1:
		return up.err(wabi.EInvalidParam, "has %d variables; a URL may have one, at its end.", len(vars))
	case len(vars) == 1 && (vars[0][1] != len(b.URL) || b.URL[vars[0][0]:] != "{{1}}"):
		return up.err(wabi.EInvalidParam, "may only end with the variable {{1}} (got %q).", b.URL)
	}
	u, err := url.Parse(anyVar.ReplaceAllString(b.URL, "x"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return up.err(wabi.EInvalidParam, "must be an absolute http or https URL (got %q).", b.URL)
	}
	if len(vars) == 0 || !strict {
		return nil
	}
	sample, _ := stringExample(b.Example)
	if !urlExample(b.URL, sample) {
		return p.k("example").err(wabi.EInvalidParam, "is required for a URL with a variable: the variable's sample value, such as [\"7731\"], or the full URL with it, such as [%q] (got %s).",
			strings.Replace(b.URL, "{{1}}", "7731", 1), exampleText(b.Example))
	}
	return nil
}

// urlExample reports whether sample is a good example for a URL button whose
// address ends with {{1}}. Meta's field table asks for the full URL with the
// sample filled in ("https://example.com/t/7731") and its own published examples
// give the variable's sample alone ("summer2023"); both are taken. A full URL is
// told by its scheme; a sample must fill the variable to a valid URL.
func urlExample(address, sample string) bool {
	if sample == "" {
		return false
	}
	if strings.Contains(sample, "://") {
		u, err := url.Parse(sample)
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	}
	if strings.IndexFunc(sample, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return false
	}
	u, err := url.Parse(strings.Replace(address, "{{1}}", sample, 1))
	return err == nil && u.Host != ""
}

// exampleText shows an example as the caller sent it, for errors.
func exampleText(v any) string {
	if v == nil {
		return "none"
	}
	raw, err := json.Marshal(v)
	if err != nil || len(raw) > 100 {
		return "an example of another shape"
	}
	return string(raw)
}

// checkOTPButtonDef checks the one-time password button of an authentication template.
func checkOTPButtonDef(p tplPath, b wabi.TemplateButton) *wabi.Error {
	switch b.OTPType {
	case "COPY_CODE":
		return p.k("text").maxLen(b.Text, limButtonText)
	case "ONE_TAP", "ZERO_TAP":
	case "":
		return p.k("otp_type").err(wabi.EInvalidParam, "is required: COPY_CODE, ONE_TAP or ZERO_TAP.")
	default:
		return p.k("otp_type").err(wabi.EInvalidParam, "must be COPY_CODE, ONE_TAP or ZERO_TAP (got %q).", b.OTPType)
	}
	if e := p.k("text").maxLen(b.Text, limButtonText); e != nil {
		return e
	}
	var apps []struct {
		PackageName   string `json:"package_name"`
		SignatureHash string `json:"signature_hash"`
	}
	if b.SupportedApps != nil {
		raw, _ := json.Marshal(b.SupportedApps)
		if err := json.Unmarshal(raw, &apps); err != nil {
			return p.k("supported_apps").err(wabi.EInvalidParam, "must be a list of {package_name, signature_hash}.")
		}
	} else if b.PackageName != "" || b.SignatureHash != "" {
		apps = append(apps, struct {
			PackageName   string `json:"package_name"`
			SignatureHash string `json:"signature_hash"`
		}{b.PackageName, b.SignatureHash})
	}
	if len(apps) == 0 || len(apps) > limSupportedApps {
		return p.k("supported_apps").err(wabi.EInvalidParam, "must name 1 to %d Android apps (package_name and signature_hash) for %s.", limSupportedApps, b.OTPType)
	}
	for i, a := range apps {
		if a.PackageName == "" || len(a.SignatureHash) != limSignatureHash {
			return p.k("supported_apps").i(i).err(wabi.EInvalidParam, "needs a package_name and an %d-character signature_hash.", limSignatureHash)
		}
	}
	if b.OTPType == "ZERO_TAP" && (b.ZeroTapTermsAccepted == nil || !*b.ZeroTapTermsAccepted) {
		return p.k("zero_tap_terms_accepted").err(wabi.EInvalidParam, "must be true: accept the zero-tap terms to use ZERO_TAP.")
	}
	return nil
}

// stringExample reads a button's example: a string, or a list of one string.
func stringExample(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []string:
		if len(x) > 0 {
			return x[0], true
		}
	case []any:
		if len(x) > 0 {
			s, ok := x[0].(string)
			return s, ok
		}
	}
	return "", false
}
