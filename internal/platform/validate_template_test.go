package platform

import (
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// msgTemplate wraps template components into a message of template order_update.
func msgTemplate(components string) string {
	return `{"type":"template","template":{"name":"order_update","language":{"code":"en_US"},"components":[` + components + `]}}`
}

// msgBodyParam wraps a parameter into a body component.
func msgBodyParam(param string) string {
	return msgTemplate(`{"type":"body","parameters":[` + param + `]}`)
}

func validateTemplateCases() []validateCase {
	return []validateCase{
		{name: "spec 2.9 template", body: `{ "messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234", "type": "template",
  "template": {
    "name": "order_update",
    "language": { "code": "en_US", "policy": "deterministic" },
    "components": [
      { "type": "header", "parameters": [ { "type": "image", "image": { "link": "https://cdn.example.com/banner.jpg" } } ] },
      { "type": "body", "parameters": [
          { "type": "text", "text": "Ana" },
          { "type": "currency", "currency": { "fallback_value": "$100.99", "code": "USD", "amount_1000": 100990 } },
          { "type": "date_time", "date_time": { "fallback_value": "February 25, 1977" } } ] },
      { "type": "button", "sub_type": "quick_reply", "index": "0",
        "parameters": [ { "type": "payload", "payload": "STOP_PROMOS" } ] },
      { "type": "button", "sub_type": "url", "index": "1",
        "parameters": [ { "type": "text", "text": "order/7731" } ] } ] } }`},
		{name: "spec 2.9 named parameters", body: msgTemplate(`{ "type": "body", "parameters": [
  { "type": "text", "parameter_name": "customer_name", "text": "Ana" },
  { "type": "text", "parameter_name": "order_id", "text": "7731" } ] }`)},
		{name: "template without components", body: `{"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`},
		{name: "authentication template", body: msgTemplate(`{"type":"body","parameters":[{"type":"text","text":"123456"}]},
			{"type":"button","sub_type":"url","index":0,"parameters":[{"type":"text","text":"123456"}]}`)},
		{name: "upper-case component types", body: msgTemplate(`{"type":"HEADER","parameters":[{"type":"text","text":"Hi"}]},{"type":"Body"}`)},
		{name: "carousel and offer components", body: msgTemplate(`{"type":"limited_time_offer","parameters":[{"type":"limited_time_offer","limited_time_offer":{"expiration_time_ms":1}}]},
			{"type":"carousel","cards":[]}`)},
		{name: "product parameter", body: msgTemplate(`{"type":"header","parameters":[{"type":"product","product":{"product_retailer_id":"SKU","catalog_id":"1"}}]}`)},
		{name: "template object missing", body: `{"type":"template"}`,
			code: wabi.ERequired, msg: "The parameter template is required."},
		{name: "template name missing", body: `{"type":"template","template":{"language":{"code":"en_US"}}}`,
			code: wabi.ERequired, msg: "The parameter template['name'] is required."},
		{name: "template language missing", body: `{"type":"template","template":{"name":"hello_world"}}`,
			code: wabi.ERequired, msg: "The parameter template['language'] is required."},
		{name: "template language code missing", body: `{"type":"template","template":{"name":"hello_world","language":{"policy":"deterministic"}}}`,
			code: wabi.ERequired, msg: "The parameter template['language']['code'] is required."},
		{name: "template language policy unknown", body: `{"type":"template","template":{"name":"hello_world","language":{"code":"en","policy":"fallback"}}}`,
			code: wabi.EInvalidParam, msg: `Param template['language']['policy'] must be deterministic (got "fallback").`},
		{name: "component type missing", body: msgTemplate(`{"parameters":[]}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['type'] is required."},
		{name: "component type footer", body: msgTemplate(`{"type":"body"},{"type":"footer"}`),
			code: wabi.EInvalidParam, msg: `Param template['components'][1]['type'] must be one of header, body, button, carousel, limited_time_offer (got "footer").`},

		// Buttons.
		{name: "button index 9", body: msgTemplate(`{"type":"button","sub_type":"quick_reply","index":"9","parameters":[{"type":"payload","payload":"P"}]}`)},
		{name: "button sub_type missing", body: msgTemplate(`{"type":"button","index":"0"}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['sub_type'] is required."},
		{name: "button index missing", body: msgTemplate(`{"type":"button","sub_type":"quick_reply"}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['index'] is required."},
		{name: "button index 10", body: msgTemplate(`{"type":"button","sub_type":"url","index":"10"}`),
			code: wabi.EInvalidParam, msg: `Param template['components'][0]['index'] must be a button position from 0 to 9, as a string or a number (got "10").`},
		{name: "button index negative", body: msgTemplate(`{"type":"button","sub_type":"url","index":-1}`),
			code: wabi.EInvalidParam, msg: "template['components'][0]['index'] must be a button position"},
		{name: "button index a word", body: msgTemplate(`{"type":"button","sub_type":"url","index":"first"}`),
			code: wabi.EInvalidParam, msg: "template['components'][0]['index'] must be a button position"},
		{name: "button index a boolean", body: msgTemplate(`{"type":"button","sub_type":"url","index":true}`),
			code: wabi.EInvalidParam, msg: "template['components'][0]['index'] must be a button position"},

		// Parameters.
		{name: "text of four spaces in a row", body: msgBodyParam(`{"type":"text","text":"a    b"}`)},
		{name: "parameter type missing", body: msgBodyParam(`{"text":"Ana"}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['type'] is required."},
		{name: "parameter type unknown", body: msgBodyParam(`{"type":"string","text":"Ana"}`),
			code: wabi.EInvalidParam, msg: `Param template['components'][0]['parameters'][0]['type'] must be one of text, currency, date_time,`},
		{name: "text missing", body: msgBodyParam(`{"type":"text","payload":"Ana"}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['text'] is required."},
		{name: "text empty", body: msgBodyParam(`{"type":"text","text":""}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['text'] is required."},
		{name: "text with a new line", body: msgTemplate(`{"type":"body","parameters":[{"type":"text","text":"a"},{"type":"text","text":"a\nb"}]}`),
			code: wabi.ETemplateParamText, msg: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces (template['components'][0]['parameters'][1]['text'])."},
		{name: "text with a tab", body: msgBodyParam(`{"type":"text","text":"a\tb"}`),
			code: wabi.ETemplateParamText, msg: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"},
		{name: "text with five spaces in a row", body: msgBodyParam(`{"type":"text","text":"a     b"}`),
			code: wabi.ETemplateParamText, msg: "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"},
		{name: "currency missing", body: msgBodyParam(`{"type":"currency"}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['currency'] is required."},
		{name: "currency fallback missing", body: msgBodyParam(`{"type":"currency","currency":{"code":"USD","amount_1000":1}}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['currency']['fallback_value'] is required."},
		{name: "currency code missing", body: msgBodyParam(`{"type":"currency","currency":{"fallback_value":"$1","amount_1000":1000}}`),
			code: wabi.ERequired, msg: "['currency']['code'] is required."},
		{name: "currency code not ISO", body: msgBodyParam(`{"type":"currency","currency":{"fallback_value":"$1","code":"US$","amount_1000":1000}}`),
			code: wabi.EInvalidValue, msg: `Param template['components'][0]['parameters'][0]['currency']['code'] must be a three-letter ISO 4217 currency code (got "US$").`},
		{name: "date_time fallback missing", body: msgBodyParam(`{"type":"date_time","date_time":{}}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['date_time']['fallback_value'] is required."},
		{name: "date_time missing", body: msgBodyParam(`{"type":"date_time"}`),
			code: wabi.ERequired, msg: "['date_time'] is required."},
		{name: "document header parameter with file name", body: msgTemplate(`{"type":"header","parameters":[{"type":"document","document":{"id":"1","filename":"invoice.pdf"}}]}`)},
		{name: "video header parameter by link", body: msgTemplate(`{"type":"header","parameters":[{"type":"video","video":{"link":"https://e.com/v.mp4"}}]}`)},
		{name: "image header without id or link", body: msgTemplate(`{"type":"header","parameters":[{"type":"image","image":{}}]}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['image']['id'] or template['components'][0]['parameters'][0]['image']['link'] is required."},
		{name: "image header missing", body: msgTemplate(`{"type":"header","parameters":[{"type":"image"}]}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['image'] is required."},
		{name: "image header with caption", body: msgTemplate(`{"type":"header","parameters":[{"type":"image","image":{"id":"1","caption":"c"}}]}`),
			code: wabi.EInvalidParam, msg: "Param template['components'][0]['parameters'][0]['image']['caption'] is not allowed on template parameters."},
		{name: "image header with bad link", body: msgTemplate(`{"type":"header","parameters":[{"type":"image","image":{"link":"banner.jpg"}}]}`),
			code: wabi.EInvalidValue, msg: "Param template['components'][0]['parameters'][0]['image']['link'] must be an absolute http or https URL"},
		{name: "location header", body: msgTemplate(`{"type":"header","parameters":[{"type":"location","location":{"latitude":"37.48","longitude":"122.14","name":"HQ","address":"1 Hacker Way"}}]}`)},
		{name: "location header without latitude", body: msgTemplate(`{"type":"header","parameters":[{"type":"location","location":{"longitude":1}}]}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['location']['latitude'] is required."},
		{name: "payload missing", body: msgTemplate(`{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload"}]}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['payload'] is required."},
		{name: "coupon code", body: msgTemplate(`{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code","coupon_code":"SAVE20"}]}`)},
		{name: "coupon code missing", body: msgTemplate(`{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code"}]}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['coupon_code'] is required."},
		{name: "coupon code of 16 characters", body: msgTemplate(`{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code","coupon_code":"` + strings.Repeat("A", 16) + `"}]}`),
			code: wabi.EInvalidParam, msg: "Param template['components'][0]['parameters'][0]['coupon_code'] must be at most 15 characters long"},
		{name: "flow button action", body: msgTemplate(`{"type":"button","sub_type":"flow","index":"0","parameters":[{"type":"action","action":{"flow_token":"t","flow_action_data":{"a":1}}}]}`)},
		{name: "action parameter missing", body: msgTemplate(`{"type":"button","sub_type":"flow","index":"0","parameters":[{"type":"action"}]}`),
			code: wabi.ERequired, msg: "The parameter template['components'][0]['parameters'][0]['action'] is required."},
		{name: "action not an object", body: msgTemplate(`{"type":"button","sub_type":"catalog","index":"0","parameters":[{"type":"action","action":"SKU"}]}`),
			code: wabi.EInvalidParam, msg: "Param template['components'][0]['parameters'][0]['action'] must be an object."},
	}
}
