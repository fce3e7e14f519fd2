package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// Limits of interactive messages (§2.8).
const (
	interactiveTypeList = "button, list, product, product_list, catalog_message, cta_url, flow, " +
		"location_request_message, call_permission_request, order_details, order_status, address_message"
	limHeaderText      = 60
	limInteractiveBody = 1024 // body text
	limFooterText      = 60
	limReplyButtons    = 3
	limButtonID        = 256
	limButtonTitle     = 20
	limListButton      = 20
	limSections        = 10
	limSectionTitle    = 24
	limListRows        = 10 // across all sections
	limRowID           = 200
	limRowTitle        = 24
	limRowDescription  = 72
	limProductItems    = 30 // per section and across all sections
	limDisplayText     = 20
	// limFlowCTA is the lenient limit: Meta's OpenAPI file says 30, the docs and one
	// SDK say 20. Rejecting what Meta may accept would break working clients.
	limFlowCTA = 30
)

// interactiveRule is what one interactive type allows beyond the common object.
type interactiveRule struct {
	headers        []string // header kinds allowed; none means no header
	headerRequired bool
	bodyOptional   bool
	noFooter       bool
	actionName     string                                        // required action.name, if any
	action         func(p paramPath, a *wabi.Action) *wabi.Error // nil: the action only has to be there
}

// interactiveRuleOf returns the rule of an outbound interactive type (§2.8.1–§2.8.7).
func interactiveRuleOf(kind string) (interactiveRule, bool) {
	anyHeader := []string{"text", "image", "video", "document"}
	textHeader := []string{"text"}
	switch kind {
	case wabi.InteractiveButton:
		return interactiveRule{headers: anyHeader, action: validateReplyButtons}, true
	case wabi.InteractiveList:
		return interactiveRule{headers: textHeader, action: validateList}, true
	case wabi.InteractiveProduct:
		return interactiveRule{bodyOptional: true, action: validateProduct}, true
	case wabi.InteractiveProductList:
		return interactiveRule{headers: textHeader, headerRequired: true, action: validateProductList}, true
	case wabi.InteractiveCatalog:
		// The reference is silent on catalog headers; accept any kind rather than
		// reject what Meta may allow.
		return interactiveRule{headers: anyHeader, actionName: "catalog_message", action: validateCatalog}, true
	case wabi.InteractiveCTAURL:
		return interactiveRule{headers: anyHeader, actionName: "cta_url", action: validateCTAURL}, true
	case wabi.InteractiveFlow:
		return interactiveRule{headers: textHeader, actionName: "flow", action: validateFlow}, true
	case wabi.InteractiveLocationRequest:
		return interactiveRule{noFooter: true, actionName: "send_location"}, true
	case "call_permission_request", "order_details", "order_status", "address_message":
		// Payments and calling messages get minimal validation (§2.8.7).
		return interactiveRule{headers: anyHeader}, true
	}
	return interactiveRule{}, false
}

// validateInteractive checks an outbound interactive object: the common parts, then the
// action of its type.
func validateInteractive(in *wabi.Interactive) *wabi.Error {
	p := paramPath("interactive")
	if in == nil {
		return p.required()
	}
	if in.Type == "" {
		return p.k("type").required()
	}
	rule, ok := interactiveRuleOf(in.Type)
	if !ok {
		return p.k("type").invalid("must be one of %s (got %q).", interactiveTypeList, in.Type)
	}
	for _, reply := range []struct {
		name string
		set  bool
	}{
		{wabi.InteractiveButtonReply, in.ButtonReply != nil},
		{wabi.InteractiveListReply, in.ListReply != nil},
		{wabi.InteractiveNFMReply, in.NFMReply != nil},
	} {
		if reply.set {
			return p.k(reply.name).invalid("is sent by users only, never in an outbound message.")
		}
	}
	if e := validateInteractiveHeader(p.k("header"), in.Type, in.Header, rule); e != nil {
		return e
	}
	switch {
	case in.Body != nil:
		if e := p.k("body").k("text").text(in.Body.Text, limInteractiveBody); e != nil {
			return e
		}
	case !rule.bodyOptional:
		return p.k("body").required()
	}
	if in.Footer != nil {
		if rule.noFooter {
			return p.k("footer").invalid("is not allowed for interactive type %s.", in.Type)
		}
		if e := p.k("footer").k("text").text(in.Footer.Text, limFooterText); e != nil {
			return e
		}
	}
	ap := p.k("action")
	if in.Action == nil {
		return ap.required()
	}
	if rule.actionName != "" {
		if e := ap.k("name").oneOf(in.Action.Name, rule.actionName); e != nil {
			return e
		}
	}
	if rule.action != nil {
		return rule.action(ap, in.Action)
	}
	return nil
}

// validateInteractiveHeader checks an interactive header: a kind the type allows, and exactly the
// object that kind names. Media headers carry no caption.
func validateInteractiveHeader(p paramPath, kind string, h *wabi.InteractiveHeader, rule interactiveRule) *wabi.Error {
	if h == nil {
		if rule.headerRequired {
			return p.required()
		}
		return nil
	}
	if len(rule.headers) == 0 {
		return p.invalid("is not allowed for interactive type %s.", kind)
	}
	if h.Type == "" {
		return p.k("type").required()
	}
	if !slices.Contains(rule.headers, h.Type) {
		return p.k("type").invalid("must be one of %s for interactive type %s (got %q).", strings.Join(rule.headers, ", "), kind, h.Type)
	}
	for _, o := range []struct {
		name string
		set  bool
	}{
		{"text", h.Text != ""},
		{"image", h.Image != nil},
		{"video", h.Video != nil},
		{"document", h.Document != nil},
	} {
		if o.set && o.name != h.Type {
			return p.k(o.name).invalid("is not allowed in a header of type %s.", h.Type)
		}
	}
	use := mediaUse{where: "interactive headers"}
	switch h.Type {
	case "image":
		return validateMedia(p.k("image"), h.Image, use)
	case "video":
		return validateMedia(p.k("video"), h.Video, use)
	case "document":
		use.filename = true
		return validateMedia(p.k("document"), h.Document, use)
	}
	return p.k("text").text(h.Text, limHeaderText)
}

// validateReplyButtons checks the action of a reply-buttons message (§2.8.1).
func validateReplyButtons(p paramPath, a *wabi.Action) *wabi.Error {
	bp := p.k("buttons")
	if e := bp.count(len(a.Buttons), a.Buttons == nil, 1, limReplyButtons); e != nil {
		return e
	}
	ids, titles := map[string]paramPath{}, map[string]paramPath{}
	for i, b := range a.Buttons {
		ip := bp.i(i)
		if e := ip.k("type").oneOf(b.Type, "reply"); e != nil {
			return e
		}
		rp := ip.k("reply")
		if b.Reply == nil {
			return rp.required()
		}
		id, title := b.Reply.ID, b.Reply.Title
		if e := rp.k("id").text(id, limButtonID); e != nil {
			return e
		}
		if strings.TrimSpace(id) != id {
			return rp.k("id").invalid("must not have leading or trailing spaces.")
		}
		if e := firstError(
			rp.k("id").unique(ids, id),
			rp.k("title").text(title, limButtonTitle),
			rp.k("title").unique(titles, title),
		); e != nil {
			return e
		}
	}
	return nil
}

// validateList checks the action of a list message (§2.8.2).
func validateList(p paramPath, a *wabi.Action) *wabi.Error {
	if e := p.k("button").text(a.Button, limListButton); e != nil {
		return e
	}
	sp := p.k("sections")
	if e := sp.count(len(a.Sections), a.Sections == nil, 1, limSections); e != nil {
		return e
	}
	ids, total := map[string]paramPath{}, 0
	for i, s := range a.Sections {
		ip := sp.i(i)
		if s.Title == "" && len(a.Sections) > 1 {
			return ip.k("title").required()
		}
		if e := ip.k("title").maxLen(s.Title, limSectionTitle); e != nil {
			return e
		}
		if e := ip.k("rows").count(len(s.Rows), s.Rows == nil, 1, limListRows); e != nil {
			return e
		}
		for j, r := range s.Rows {
			rp := ip.k("rows").i(j)
			if e := firstError(
				rp.k("id").text(r.ID, limRowID),
				rp.k("id").unique(ids, r.ID),
				rp.k("title").text(r.Title, limRowTitle),
				rp.k("description").maxLen(r.Description, limRowDescription),
			); e != nil {
				return e
			}
		}
		total += len(s.Rows)
	}
	if total > limListRows {
		return sp.invalid("must have at most %d rows in total across all sections (got %d).", limListRows, total)
	}
	return nil
}

// validateProduct checks the action of a single-product message (§2.8.3).
func validateProduct(p paramPath, a *wabi.Action) *wabi.Error {
	switch {
	case a.CatalogID == "":
		return p.k("catalog_id").required()
	case a.ProductRetailerID == "":
		return p.k("product_retailer_id").required()
	}
	return nil
}

// validateProductList checks the action of a multi-product message (§2.8.3).
func validateProductList(p paramPath, a *wabi.Action) *wabi.Error {
	if a.CatalogID == "" {
		return p.k("catalog_id").required()
	}
	sp := p.k("sections")
	if e := sp.count(len(a.Sections), a.Sections == nil, 1, limSections); e != nil {
		return e
	}
	total := 0
	for i, s := range a.Sections {
		ip := sp.i(i)
		if e := firstError(
			ip.k("title").text(s.Title, limSectionTitle),
			ip.k("product_items").count(len(s.ProductItems), s.ProductItems == nil, 1, limProductItems),
		); e != nil {
			return e
		}
		for j, item := range s.ProductItems {
			if item.ProductRetailerID == "" {
				return ip.k("product_items").i(j).k("product_retailer_id").required()
			}
		}
		total += len(s.ProductItems)
	}
	if total > limProductItems {
		return sp.invalid("must have at most %d product items in total across all sections (got %d).", limProductItems, total)
	}
	return nil
}

// validateCatalog checks the optional parameters of a catalog message (§2.8.3).
func validateCatalog(p paramPath, a *wabi.Action) *wabi.Error {
	var params struct {
		Thumbnail string `json:"thumbnail_product_retailer_id"`
	}
	_, e := decodeActionParams(p.k("parameters"), a.Parameters, &params)
	return e
}

// validateCTAURL checks the parameters of a call-to-action URL message (§2.8.4).
func validateCTAURL(p paramPath, a *wabi.Action) *wabi.Error {
	pp := p.k("parameters")
	var params struct {
		DisplayText string `json:"display_text"`
		URL         string `json:"url"`
	}
	if sent, e := decodeActionParams(pp, a.Parameters, &params); e != nil || !sent {
		return firstError(e, pp.required())
	}
	if e := pp.k("display_text").text(params.DisplayText, limDisplayText); e != nil {
		return e
	}
	if params.URL == "" {
		return pp.k("url").required()
	}
	return pp.k("url").httpURL(params.URL)
}

// validateFlow checks the parameters of a flow message (§2.8.5).
func validateFlow(p paramPath, a *wabi.Action) *wabi.Error {
	pp := p.k("parameters")
	// Every documented field is declared, even unchecked ones, so that a value of the
	// wrong JSON type is reported.
	var params struct {
		Version    looseString `json:"flow_message_version"`
		ID         looseString `json:"flow_id"`
		Name       string      `json:"flow_name"`
		CTA        string      `json:"flow_cta"`
		Token      string      `json:"flow_token"`
		Mode       string      `json:"mode"`
		FlowAction string      `json:"flow_action"`
		Payload    *struct {
			Screen string          `json:"screen"`
			Data   json.RawMessage `json:"data"`
		} `json:"flow_action_payload"`
	}
	if sent, e := decodeActionParams(pp, a.Parameters, &params); e != nil || !sent {
		return firstError(e, pp.required())
	}
	if e := pp.k("flow_message_version").oneOf(string(params.Version), "3"); e != nil {
		return e
	}
	switch {
	case params.ID == "" && params.Name == "":
		return wabi.Errorf(wabi.ERequired, "The parameter %s or %s is required.", pp.k("flow_id"), pp.k("flow_name"))
	case params.ID != "" && params.Name != "":
		return pp.invalid("must have either flow_id or flow_name, not both.")
	}
	if e := pp.k("flow_cta").text(params.CTA, limFlowCTA); e != nil {
		return e
	}
	if params.Mode != "" {
		if e := pp.k("mode").oneOf(params.Mode, "draft", "published"); e != nil {
			return e
		}
	}
	if params.FlowAction != "" {
		if e := pp.k("flow_action").oneOf(params.FlowAction, "navigate", "data_exchange"); e != nil {
			return e
		}
	}
	if params.Payload == nil {
		return nil
	}
	if params.FlowAction == "data_exchange" {
		return pp.k("flow_action_payload").invalid("is only allowed when flow_action is navigate.")
	}
	if data := params.Payload.Data; len(data) > 0 && string(data) != "null" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(data, &fields); err != nil || len(fields) == 0 {
			return pp.k("flow_action_payload").k("data").invalid("must be a non-empty object.")
		}
	}
	return nil
}

// unique records v at p in seen and reports a value seen before. Empty values are
// left to the required checks.
func (p paramPath) unique(seen map[string]paramPath, v string) *wabi.Error {
	if v == "" {
		return nil
	}
	if prev, dup := seen[v]; dup {
		return p.invalid("duplicates %s: the values must be unique (got %q twice).", prev, v)
	}
	seen[v] = p
	return nil
}

// decodeActionParams decodes raw action parameters into dst and reports whether any were
// sent. A value of the wrong JSON type is an invalid parameter named by its path.
func decodeActionParams(p paramPath, raw json.RawMessage, dst any) (sent bool, e *wabi.Error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return false, nil
	}
	err := json.Unmarshal(raw, dst)
	if err == nil {
		return true, nil
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return true, p.invalid("is not valid: %v.", err)
	}
	fp := p
	if te.Field != "" {
		for _, name := range strings.Split(te.Field, ".") {
			fp = fp.k(name)
		}
	}
	return true, fp.invalid("must be %s, not a JSON %s.", jsonKind(te.Type), te.Value)
}

// jsonKind names the JSON kind a Go type decodes from, for error messages.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}

// looseString is a string that also accepts a JSON number: SDKs send flow ids and
// the flow message version both quoted and unquoted.
type looseString string

// UnmarshalJSON accepts "3" and 3.
func (s *looseString) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = looseString(str)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[string]()}
	}
	*s = looseString(n.String())
	return nil
}

// jsonValueKind names the kind of a JSON value from its first byte, as
// json.UnmarshalTypeError does.
func jsonValueKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "value"
}
