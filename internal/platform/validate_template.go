package platform

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// Template send rules (§2.9). Parameter counts and types against the stored
// template are checked where the template is looked up.
const (
	templateComponentList = "header, body, button, carousel, limited_time_offer"
	templateParamList     = "text, currency, date_time, image, video, document, location, payload, " +
		"coupon_code, action, limited_time_offer, product"
	limButtonIndex = 9
	limCouponCode  = 15

	// paramTextDetail is Meta's own details text for error 132018; clients match on it.
	paramTextDetail = "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
)

// validateTemplateSend checks a template send: which template, and the shape of its parameters.
func validateTemplateSend(t *wabi.TemplateSend) *wabi.Error {
	p := paramPath("template")
	switch {
	case t == nil:
		return p.required()
	case t.Name == "":
		return p.k("name").required()
	case t.Language == nil:
		return p.k("language").required()
	case t.Language.Code == "":
		return p.k("language").k("code").required()
	case t.Language.Policy != "" && t.Language.Policy != "deterministic":
		return p.k("language").k("policy").invalid("must be deterministic (got %q).", t.Language.Policy)
	}
	for i, c := range t.Components {
		if e := validateTemplateComponent(p.k("components").i(i), c); e != nil {
			return e
		}
	}
	return nil
}

// validateTemplateComponent checks one component's type, a button's sub_type and
// index, and each parameter.
func validateTemplateComponent(p paramPath, c wabi.TemplateParamComp) *wabi.Error {
	// Meta's docs write component types in lower case but accept any case.
	kind := strings.ToLower(c.Type)
	switch kind {
	case "":
		return p.k("type").required()
	case "header", "body", "carousel", "limited_time_offer":
	case "button":
		if c.SubType == "" {
			return p.k("sub_type").required()
		}
		if e := validateButtonIndex(p.k("index"), c.Index); e != nil {
			return e
		}
	default:
		return p.k("type").invalid("must be one of %s (got %q).", templateComponentList, c.Type)
	}
	for i, prm := range c.Parameters {
		if e := validateTemplateParam(p.k("parameters").i(i), prm); e != nil {
			return e
		}
	}
	return nil
}

// validateButtonIndex checks a button component's position, sent as "0" or as 0.
func validateButtonIndex(p paramPath, raw json.RawMessage) *wabi.Error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return p.required()
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return p.invalid("must be a string or a number.")
		}
	}
	if n, err := strconv.Atoi(s); err != nil || n < 0 || n > limButtonIndex {
		return p.invalid("must be a button position from 0 to %d, as a string or a number (got %s).", limButtonIndex, raw)
	}
	return nil
}

// validateTemplateParam checks that a parameter has a known type and carries the object
// that type names.
func validateTemplateParam(p paramPath, prm wabi.TemplateParam) *wabi.Error {
	// Template media is shown without a caption; only a document keeps its file name.
	use := mediaUse{where: "template parameters"}
	switch prm.Type {
	case "":
		return p.k("type").required()
	case "text":
		if prm.Text == nil || *prm.Text == "" {
			return p.k("text").required()
		}
		return validateParamText(p.k("text"), *prm.Text)
	case "currency":
		return validateCurrency(p.k("currency"), prm.Currency)
	case "date_time":
		switch {
		case prm.DateTime == nil:
			return p.k("date_time").required()
		case prm.DateTime.FallbackValue == "":
			return p.k("date_time").k("fallback_value").required()
		}
	case "image":
		return validateMedia(p.k("image"), prm.Image, use)
	case "video":
		return validateMedia(p.k("video"), prm.Video, use)
	case "document":
		use.filename = true
		return validateMedia(p.k("document"), prm.Document, use)
	case "location":
		return validateLocation(p.k("location"), prm.Location)
	case "payload":
		if prm.Payload == nil {
			return p.k("payload").required()
		}
	case "coupon_code":
		if prm.CouponCode == nil {
			return p.k("coupon_code").required()
		}
		return p.k("coupon_code").text(*prm.CouponCode, limCouponCode)
	case "action":
		return validateParamAction(p.k("action"), prm.Action)
	case "limited_time_offer", "product":
		// wabi.TemplateParam has no field for these objects, so there is nothing
		// more to look at.
	default:
		return p.k("type").invalid("must be one of %s (got %q).", templateParamList, prm.Type)
	}
	return nil
}

// validateCurrency checks a currency parameter; the amount is whatever the integer says.
func validateCurrency(p paramPath, c *wabi.Currency) *wabi.Error {
	switch {
	case c == nil:
		return p.required()
	case c.FallbackValue == "":
		return p.k("fallback_value").required()
	case c.Code == "":
		return p.k("code").required()
	}
	if len(c.Code) != 3 || strings.ContainsFunc(c.Code, func(r rune) bool {
		return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z')
	}) {
		return p.k("code").badValue("must be a three-letter ISO 4217 currency code (got %q).", c.Code)
	}
	return nil
}

// validateParamAction checks that a flow, catalog or multi-product button's action is an object.
func validateParamAction(p paramPath, raw json.RawMessage) *wabi.Error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return p.required()
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return p.invalid("must be an object.")
	}
	return nil
}

// validateParamText rejects the formatting Meta refuses in a text parameter: new lines,
// tabs and runs of more than four spaces (error 132018).
func validateParamText(p paramPath, s string) *wabi.Error {
	if strings.ContainsAny(s, "\n\r\t") || strings.Contains(s, "     ") {
		return wabi.Errorf(wabi.ETemplateParamText, "%s (%s).", paramTextDetail, p)
	}
	return nil
}
