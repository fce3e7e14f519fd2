package platform

import (
	"fmt"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// msgInteractive wraps an interactive object into a message.
func msgInteractive(obj string) string { return `{"type":"interactive","interactive":` + obj + `}` }

// msgButtons returns an interactive reply-buttons message with the given header and buttons.
func msgButtons(header, list string) string {
	if header != "" {
		header = `"header":` + header + `,`
	}
	return msgInteractive(`{"type":"button",` + header + `"body":{"text":"Pick"},"action":{"buttons":[` + list + `]}}`)
}

// jsonReply returns a reply button.
func jsonReply(id, title string) string {
	return fmt.Sprintf(`{"type":"reply","reply":{"id":%q,"title":%q}}`, id, title)
}

// jsonRows returns n list rows whose ids start with prefix.
func jsonRows(prefix string, n int) string {
	rs := make([]string, n)
	for i := range rs {
		rs[i] = fmt.Sprintf(`{"id":"%s%d","title":"Row %d"}`, prefix, i, i)
	}
	return strings.Join(rs, ",")
}

// msgList returns an interactive list message with the given sections.
func msgList(sections string) string {
	return msgInteractive(`{"type":"list","body":{"text":"Pick"},"action":{"button":"Choose","sections":[` + sections + `]}}`)
}

// jsonItems returns n product items.
func jsonItems(n int) string {
	return strings.TrimSuffix(strings.Repeat(`{"product_retailer_id":"SKU"},`, n), ",")
}

// msgProductList returns a product_list message with the given sections.
func msgProductList(sections string) string {
	return msgInteractive(`{"type":"product_list","header":{"type":"text","text":"Shop"},"body":{"text":"Pick"},
		"action":{"catalog_id":"146265584024623","sections":[` + sections + `]}}`)
}

// msgFlow returns a flow message with the given action parameters.
func msgFlow(params string) string {
	return msgInteractive(`{"type":"flow","body":{"text":"Book"},"action":{"name":"flow","parameters":` + params + `}}`)
}

// msgCTAURL returns a cta_url message with the given action parameters.
func msgCTAURL(params string) string {
	return msgInteractive(`{"type":"cta_url","body":{"text":"Dates"},"action":{"name":"cta_url","parameters":` + params + `}}`)
}

func validateInteractiveCases() []validateCase {
	two := jsonReply("confirm-123", "Confirm") + "," + jsonReply("cancel-123", "Cancel")
	return []validateCase{
		{name: "spec 2.8.1 reply buttons", body: msgInteractive(`{"type":"button",
			"header":{"type":"text","text":"Order 7731"},"body":{"text":"Confirm your order?"},"footer":{"text":"Reply below"},
			"action": { "buttons": [
  { "type": "reply", "reply": { "id": "confirm-123", "title": "Confirm" } },
  { "type": "reply", "reply": { "id": "cancel-123",  "title": "Cancel" } } ] }}`)},
		{name: "interactive object missing", body: `{"type":"interactive"}`,
			code: wabi.ERequired, msg: "The parameter interactive is required."},
		{name: "interactive type missing", body: msgInteractive(`{"body":{"text":"x"},"action":{}}`),
			code: wabi.ERequired, msg: "The parameter interactive['type'] is required."},
		{name: "interactive type unknown", body: msgInteractive(`{"type":"button_reply","body":{"text":"x"},"action":{}}`),
			code: wabi.EInvalidParam, msg: `Param interactive['type'] must be one of button, list,`},
		{name: "inbound reply object", body: msgInteractive(`{"type":"button","body":{"text":"x"},"button_reply":{"id":"a","title":"b"},"action":{}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['button_reply'] is sent by users only"},
		{name: "body missing", body: msgInteractive(`{"type":"button","action":{"buttons":[` + two + `]}}`),
			code: wabi.ERequired, msg: "The parameter interactive['body'] is required."},
		{name: "body text empty", body: msgInteractive(`{"type":"button","body":{"text":""},"action":{"buttons":[` + two + `]}}`),
			code: wabi.ERequired, msg: "The parameter interactive['body']['text'] is required."},
		{name: "body of 1024 characters", body: msgInteractive(`{"type":"button","body":{"text":"` + strings.Repeat("é", 1024) + `"},"action":{"buttons":[` + two + `]}}`)},
		{name: "body of 1025 characters", body: msgInteractive(`{"type":"button","body":{"text":"` + strings.Repeat("a", 1025) + `"},"action":{"buttons":[` + two + `]}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['body']['text'] must be at most 1024 characters long"},
		{name: "footer of 61 characters", body: msgInteractive(`{"type":"button","body":{"text":"x"},"footer":{"text":"` + strings.Repeat("a", 61) + `"},"action":{"buttons":[` + two + `]}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['footer']['text'] must be at most 60 characters long"},
		{name: "footer text empty", body: msgInteractive(`{"type":"button","body":{"text":"x"},"footer":{},"action":{"buttons":[` + two + `]}}`),
			code: wabi.ERequired, msg: "The parameter interactive['footer']['text'] is required."},
		{name: "action missing", body: msgInteractive(`{"type":"button","body":{"text":"x"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action'] is required."},

		// Headers.
		{name: "image header by id", body: msgButtons(`{"type":"image","image":{"id":"1"}}`, two)},
		{name: "video header by link", body: msgButtons(`{"type":"video","video":{"link":"https://e.com/v.mp4"}}`, two)},
		{name: "document header with file name", body: msgButtons(`{"type":"document","document":{"id":"1","filename":"menu.pdf"}}`, two)},
		{name: "header text of 60 characters", body: msgButtons(`{"type":"text","text":"`+strings.Repeat("é", 60)+`"}`, two)},
		{name: "header text of 61 characters", body: msgButtons(`{"type":"text","text":"`+strings.Repeat("a", 61)+`"}`, two),
			code: wabi.EInvalidParam, msg: "Param interactive['header']['text'] must be at most 60 characters long"},
		{name: "header text empty", body: msgButtons(`{"type":"text"}`, two),
			code: wabi.ERequired, msg: "The parameter interactive['header']['text'] is required."},
		{name: "header type missing", body: msgButtons(`{"text":"x"}`, two),
			code: wabi.ERequired, msg: "The parameter interactive['header']['type'] is required."},
		{name: "audio header", body: msgButtons(`{"type":"audio"}`, two),
			code: wabi.EInvalidParam, msg: `Param interactive['header']['type'] must be one of text, image, video, document for interactive type button (got "audio").`},
		{name: "header media object missing", body: msgButtons(`{"type":"image"}`, two),
			code: wabi.ERequired, msg: "The parameter interactive['header']['image'] is required."},
		{name: "header media without id or link", body: msgButtons(`{"type":"image","image":{}}`, two),
			code: wabi.ERequired, msg: "The parameter interactive['header']['image']['id'] or interactive['header']['image']['link'] is required."},
		{name: "header media with caption", body: msgButtons(`{"type":"image","image":{"id":"1","caption":"c"}}`, two),
			code: wabi.EInvalidParam, msg: "Param interactive['header']['image']['caption'] is not allowed on interactive headers."},
		{name: "header media with bad link", body: msgButtons(`{"type":"video","video":{"link":"e.com/v.mp4"}}`, two),
			code: wabi.EInvalidValue, msg: "interactive['header']['video']['link']"},
		{name: "text header with image object", body: msgButtons(`{"type":"text","text":"x","image":{"id":"1"}}`, two),
			code: wabi.EInvalidParam, msg: "Param interactive['header']['image'] is not allowed in a header of type text."},
		{name: "list with image header", body: msgInteractive(`{"type":"list","header":{"type":"image","image":{"id":"1"}},"body":{"text":"x"},
			"action":{"button":"Go","sections":[{"rows":[{"id":"a","title":"A"}]}]}}`),
			code: wabi.EInvalidParam, msg: "must be one of text for interactive type list"},
		{name: "product with header", body: msgInteractive(`{"type":"product","header":{"type":"text","text":"x"},
			"action":{"catalog_id":"1","product_retailer_id":"SKU"}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['header'] is not allowed for interactive type product."},
		{name: "location request with header", body: msgInteractive(`{"type":"location_request_message","header":{"type":"text","text":"x"},
			"body":{"text":"Where?"},"action":{"name":"send_location"}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['header'] is not allowed for interactive type location_request_message."},
		{name: "location request with footer", body: msgInteractive(`{"type":"location_request_message","footer":{"text":"x"},
			"body":{"text":"Where?"},"action":{"name":"send_location"}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['footer'] is not allowed for interactive type location_request_message."},
		{name: "product list without header", body: msgInteractive(`{"type":"product_list","body":{"text":"x"},
			"action":{"catalog_id":"1","sections":[{"title":"A","product_items":[{"product_retailer_id":"SKU"}]}]}}`),
			code: wabi.ERequired, msg: "The parameter interactive['header'] is required."},

		// Reply buttons.
		{name: "three buttons", body: msgButtons("", two+","+jsonReply("later", "Later"))},
		{name: "titles of 20 characters", body: msgButtons("", jsonReply("a", strings.Repeat("é", 20))+","+jsonReply(strings.Repeat("b", 256), strings.Repeat("ü", 20)))},
		{name: "buttons missing", body: msgInteractive(`{"type":"button","body":{"text":"x"},"action":{}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['buttons'] is required."},
		{name: "no buttons", body: msgButtons("", ""),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['buttons'] must have between 1 and 3 items"},
		{name: "four buttons", body: msgButtons("", two+","+jsonReply("c", "C")+","+jsonReply("d", "D")),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['buttons'] must have between 1 and 3 items (got 4)."},
		{name: "button type url", body: msgButtons("", `{"type":"url","reply":{"id":"a","title":"A"}}`),
			code: wabi.EInvalidParam, msg: `Param interactive['action']['buttons'][0]['type'] must be one of reply (got "url").`},
		{name: "button type missing", body: msgButtons("", `{"reply":{"id":"a","title":"A"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['buttons'][0]['type'] is required."},
		{name: "button reply missing", body: msgButtons("", `{"type":"reply"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['buttons'][0]['reply'] is required."},
		{name: "button id missing", body: msgButtons("", jsonReply("", "A")),
			code: wabi.ERequired, msg: "The parameter interactive['action']['buttons'][0]['reply']['id'] is required."},
		{name: "button id of 257 characters", body: msgButtons("", jsonReply(strings.Repeat("a", 257), "A")),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['buttons'][0]['reply']['id'] must be at most 256 characters long"},
		{name: "button id with leading space", body: msgButtons("", jsonReply(" a", "A")),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['buttons'][0]['reply']['id'] must not have leading or trailing spaces."},
		{name: "button ids repeated", body: msgButtons("", jsonReply("a", "A")+","+jsonReply("a", "B")),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['buttons'][1]['reply']['id'] duplicates interactive['action']['buttons'][0]['reply']['id']"},
		{name: "button title missing", body: msgButtons("", jsonReply("a", "")),
			code: wabi.ERequired, msg: "The parameter interactive['action']['buttons'][0]['reply']['title'] is required."},
		{name: "button title of 21 characters", body: msgButtons("", jsonReply("a", strings.Repeat("a", 21))),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long"},
		{name: "button titles repeated", body: msgButtons("", jsonReply("a", "Yes")+","+jsonReply("b", "No")+","+jsonReply("c", "Yes")),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['buttons'][2]['reply']['title'] duplicates"},
	}
}

func validateActionCases() []validateCase {
	return []validateCase{
		// Lists.
		{name: "spec 2.8.2 list", body: msgInteractive(`{"type":"list","header":{"type":"text","text":"Shipping"},"body":{"text":"How fast?"},
			"action": { "button": "Choose shipping",
  "sections": [ { "title": "Fast", "rows": [
      { "id": "priority_express", "title": "Priority Express", "description": "Next day" } ] },
    { "title": "Cheap", "rows": [ { "id": "ground", "title": "Ground" } ] } ] }}`)},
		{name: "one section without title", body: msgList(`{"rows":[` + jsonRows("r", 10) + `]}`)},
		{name: "ten rows across sections", body: msgList(`{"title":"A","rows":[` + jsonRows("a", 5) + `]},{"title":"B","rows":[` + jsonRows("b", 5) + `]}`)},
		{name: "list button missing", body: msgInteractive(`{"type":"list","body":{"text":"x"},"action":{"sections":[{"rows":[` + jsonRows("r", 1) + `]}]}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['button'] is required."},
		{name: "list button of 21 characters", body: msgInteractive(`{"type":"list","body":{"text":"x"},"action":{"button":"` + strings.Repeat("a", 21) + `","sections":[{"rows":[` + jsonRows("r", 1) + `]}]}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['button'] must be at most 20 characters long"},
		{name: "sections missing", body: msgInteractive(`{"type":"list","body":{"text":"x"},"action":{"button":"Go"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['sections'] is required."},
		{name: "eleven sections", body: msgList(strings.TrimSuffix(strings.Repeat(`{"title":"S","rows":[{"id":"x","title":"X"}]},`, 11), ",")),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'] must have between 1 and 10 items (got 11)."},
		{name: "second section without title", body: msgList(`{"title":"A","rows":[` + jsonRows("a", 1) + `]},{"rows":[` + jsonRows("b", 1) + `]}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['sections'][1]['title'] is required."},
		{name: "section title of 25 characters", body: msgList(`{"title":"` + strings.Repeat("a", 25) + `","rows":[` + jsonRows("a", 1) + `]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['title'] must be at most 24 characters long"},
		{name: "section rows missing", body: msgList(`{"title":"A"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['sections'][0]['rows'] is required."},
		{name: "section rows empty", body: msgList(`{"title":"A","rows":[]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['rows'] must have between 1 and 10 items (got 0)."},
		{name: "eleven rows in a section", body: msgList(`{"rows":[` + jsonRows("r", 11) + `]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['rows'] must have between 1 and 10 items (got 11)."},
		{name: "eleven rows across sections", body: msgList(`{"title":"A","rows":[` + jsonRows("a", 6) + `]},{"title":"B","rows":[` + jsonRows("b", 5) + `]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'] must have at most 10 rows in total across all sections (got 11)."},
		{name: "row ids repeated across sections", body: msgList(`{"title":"A","rows":[` + jsonRows("r", 2) + `]},{"title":"B","rows":[` + jsonRows("r", 1) + `]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][1]['rows'][0]['id'] duplicates interactive['action']['sections'][0]['rows'][0]['id']"},
		{name: "row id of 201 characters", body: msgList(`{"rows":[{"id":"` + strings.Repeat("a", 201) + `","title":"A"}]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['rows'][0]['id'] must be at most 200 characters long"},
		{name: "row title missing", body: msgList(`{"rows":[{"id":"a"}]}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['sections'][0]['rows'][0]['title'] is required."},
		{name: "row title of 25 characters", body: msgList(`{"rows":[{"id":"a","title":"` + strings.Repeat("a", 25) + `"}]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['rows'][0]['title'] must be at most 24 characters long"},
		{name: "row description of 73 characters", body: msgList(`{"rows":[{"id":"a","title":"A","description":"` + strings.Repeat("a", 73) + `"}]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['rows'][0]['description'] must be at most 72 characters long"},

		// Products and catalogs.
		{name: "spec 2.8.3 product", body: msgInteractive(`{"type":"product","action": { "catalog_id": "367025965434465", "product_retailer_id": "SKU-42" }}`)},
		{name: "product with body and footer", body: msgInteractive(`{"type":"product","body":{"text":"Look"},"footer":{"text":"Shop"},
			"action":{"catalog_id":"1","product_retailer_id":"SKU"}}`)},
		{name: "product catalog missing", body: msgInteractive(`{"type":"product","action":{"product_retailer_id":"SKU"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['catalog_id'] is required."},
		{name: "product retailer id missing", body: msgInteractive(`{"type":"product","action":{"catalog_id":"1"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['product_retailer_id'] is required."},
		{name: "spec 2.8.3 product list", body: msgInteractive(`{"type":"product_list","header":{"type":"text","text":"Our picks"},"body":{"text":"Take a look"},
			"action": { "catalog_id": "146265584024623",
            "sections": [ { "title": "Bestsellers", "product_items": [ { "product_retailer_id": "SKU-1" } ] } ] }}`)},
		{name: "thirty items across sections", body: msgProductList(`{"title":"A","product_items":[` + jsonItems(15) + `]},{"title":"B","product_items":[` + jsonItems(15) + `]}`)},
		{name: "product list catalog missing", body: msgInteractive(`{"type":"product_list","header":{"type":"text","text":"x"},"body":{"text":"x"},
			"action":{"sections":[{"title":"A","product_items":[` + jsonItems(1) + `]}]}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['catalog_id'] is required."},
		{name: "product list section title missing", body: msgProductList(`{"product_items":[` + jsonItems(1) + `]}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['sections'][0]['title'] is required."},
		{name: "product list section title of 25 characters", body: msgProductList(`{"title":"` + strings.Repeat("a", 25) + `","product_items":[` + jsonItems(1) + `]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['title'] must be at most 24 characters long"},
		{name: "product items missing", body: msgProductList(`{"title":"A"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['sections'][0]['product_items'] is required."},
		{name: "thirty-one items in a section", body: msgProductList(`{"title":"A","product_items":[` + jsonItems(31) + `]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'][0]['product_items'] must have between 1 and 30 items (got 31)."},
		{name: "thirty-one items across sections", body: msgProductList(`{"title":"A","product_items":[` + jsonItems(16) + `]},{"title":"B","product_items":[` + jsonItems(15) + `]}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['sections'] must have at most 30 product items in total"},
		{name: "product item without retailer id", body: msgProductList(`{"title":"A","product_items":[` + jsonItems(1) + `,{}]}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['sections'][0]['product_items'][1]['product_retailer_id'] is required."},
		{name: "spec 2.8.3 catalog message", body: msgInteractive(`{"type":"catalog_message","body":{"text":"Browse"},
			"action": { "name": "catalog_message", "parameters": { "thumbnail_product_retailer_id": "SKU-9" } }}`)},
		{name: "catalog message without parameters", body: msgInteractive(`{"type":"catalog_message","body":{"text":"Browse"},"action":{"name":"catalog_message"}}`)},
		{name: "catalog action name missing", body: msgInteractive(`{"type":"catalog_message","body":{"text":"Browse"},"action":{}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['name'] is required."},
		{name: "catalog action name wrong", body: msgInteractive(`{"type":"catalog_message","body":{"text":"Browse"},"action":{"name":"catalog"}}`),
			code: wabi.EInvalidParam, msg: `Param interactive['action']['name'] must be one of catalog_message (got "catalog").`},
		{name: "catalog thumbnail of the wrong type", body: msgInteractive(`{"type":"catalog_message","body":{"text":"Browse"},
			"action":{"name":"catalog_message","parameters":{"thumbnail_product_retailer_id":9}}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters']['thumbnail_product_retailer_id'] must be a string, not a JSON number."},

		// Call-to-action URLs.
		{name: "spec 2.8.4 cta url", body: msgCTAURL(`{ "display_text": "See dates", "url": "https://example.com/dates?c=1" }`)},
		{name: "cta url with image header and footer", body: msgInteractive(`{"type":"cta_url","header":{"type":"image","image":{"link":"https://e.com/a.png"}},
			"body":{"text":"x"},"footer":{"text":"y"},"action":{"name":"cta_url","parameters":{"display_text":"Go","url":"http://e.com"}}}`)},
		{name: "cta url action name wrong", body: msgInteractive(`{"type":"cta_url","body":{"text":"x"},"action":{"name":"url","parameters":{"display_text":"Go","url":"https://e.com"}}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['name'] must be one of cta_url"},
		{name: "cta url parameters missing", body: msgInteractive(`{"type":"cta_url","body":{"text":"x"},"action":{"name":"cta_url"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['parameters'] is required."},
		{name: "cta url parameters not an object", body: msgCTAURL(`"https://e.com"`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters'] must be an object, not a JSON string."},
		{name: "cta url display text missing", body: msgCTAURL(`{"url":"https://e.com"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['parameters']['display_text'] is required."},
		{name: "cta url display text of 21 characters", body: msgCTAURL(`{"display_text":"` + strings.Repeat("a", 21) + `","url":"https://e.com"}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters']['display_text'] must be at most 20 characters long"},
		{name: "cta url display text of the wrong type", body: msgCTAURL(`{"display_text":true,"url":"https://e.com"}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters']['display_text'] must be a string, not a JSON bool."},
		{name: "cta url url missing", body: msgCTAURL(`{"display_text":"Go"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['parameters']['url'] is required."},
		{name: "cta url url not absolute", body: msgCTAURL(`{"display_text":"Go","url":"example.com/dates"}`),
			code: wabi.EInvalidValue, msg: "Param interactive['action']['parameters']['url'] must be an absolute http or https URL"},

		// Flows.
		{name: "spec 2.8.5 flow", body: msgFlow(`{
  "flow_message_version": "3", "flow_id": "1234567890", "flow_cta": "Book now",
  "flow_token": "AQAAAAACS5FpgQ_cAAAAAD0QI3s.", "mode": "published",
  "flow_action": "navigate",
  "flow_action_payload": { "screen": "WELCOME", "data": { "customer_id": "42" } } }`)},
		{name: "flow by name with numbers unquoted", body: msgFlow(`{"flow_message_version":3,"flow_name":"booking","flow_cta":"Book","mode":"draft"}`)},
		{name: "flow id as a number", body: msgFlow(`{"flow_message_version":"3","flow_id":1234567890,"flow_cta":"Book","flow_action":"data_exchange"}`)},
		{name: "flow cta of 30 characters", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"` + strings.Repeat("é", 30) + `"}`)},
		{name: "flow with text header", body: msgInteractive(`{"type":"flow","header":{"type":"text","text":"Book"},"body":{"text":"x"},
			"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"1","flow_cta":"Go"}}}`)},
		{name: "flow with image header", body: msgInteractive(`{"type":"flow","header":{"type":"image","image":{"id":"1"}},"body":{"text":"x"},
			"action":{"name":"flow","parameters":{"flow_message_version":"3","flow_id":"1","flow_cta":"Go"}}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['header']['type'] must be one of text for interactive type flow"},
		{name: "flow parameters missing", body: msgInteractive(`{"type":"flow","body":{"text":"x"},"action":{"name":"flow"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['parameters'] is required."},
		{name: "flow version missing", body: msgFlow(`{"flow_id":"1","flow_cta":"Go"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['parameters']['flow_message_version'] is required."},
		{name: "flow version 2", body: msgFlow(`{"flow_message_version":"2","flow_id":"1","flow_cta":"Go"}`),
			code: wabi.EInvalidParam, msg: `Param interactive['action']['parameters']['flow_message_version'] must be one of 3 (got "2").`},
		{name: "flow without id or name", body: msgFlow(`{"flow_message_version":"3","flow_cta":"Go"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['parameters']['flow_id'] or interactive['action']['parameters']['flow_name'] is required."},
		{name: "flow with id and name", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_name":"n","flow_cta":"Go"}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters'] must have either flow_id or flow_name, not both."},
		{name: "flow id an object", body: msgFlow(`{"flow_message_version":"3","flow_id":{},"flow_cta":"Go"}`),
			code: wabi.EInvalidParam, msg: "interactive['action']['parameters']['flow_id'] must be a string, not a JSON object."},
		{name: "flow cta missing", body: msgFlow(`{"flow_message_version":"3","flow_id":"1"}`),
			code: wabi.ERequired, msg: "The parameter interactive['action']['parameters']['flow_cta'] is required."},
		{name: "flow cta of 31 characters", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"` + strings.Repeat("a", 31) + `"}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters']['flow_cta'] must be at most 30 characters long"},
		{name: "flow mode unknown", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"Go","mode":"live"}`),
			code: wabi.EInvalidParam, msg: `Param interactive['action']['parameters']['mode'] must be one of draft, published (got "live").`},
		{name: "flow action unknown", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"Go","flow_action":"open"}`),
			code: wabi.EInvalidParam, msg: `Param interactive['action']['parameters']['flow_action'] must be one of navigate, data_exchange (got "open").`},
		{name: "flow payload with data exchange", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"Go","flow_action":"data_exchange","flow_action_payload":{"screen":"A"}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters']['flow_action_payload'] is only allowed when flow_action is navigate."},
		{name: "flow payload data empty", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"Go","flow_action_payload":{"screen":"A","data":{}}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters']['flow_action_payload']['data'] must be a non-empty object."},
		{name: "flow payload data an array", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"Go","flow_action_payload":{"data":[1]}}`),
			code: wabi.EInvalidParam, msg: "['flow_action_payload']['data'] must be a non-empty object."},
		{name: "flow payload screen a number", body: msgFlow(`{"flow_message_version":"3","flow_id":"1","flow_cta":"Go","flow_action_payload":{"screen":4}}`),
			code: wabi.EInvalidParam, msg: "Param interactive['action']['parameters']['flow_action_payload']['screen'] must be a string, not a JSON number."},

		// Location requests and the minimally checked types.
		{name: "spec 2.8.6 location request", body: `{"type":"interactive","interactive": { "type": "location_request_message", "body": { "text": "Share your pickup point" },
                 "action": { "name": "send_location" } }}`},
		{name: "location request action name wrong", body: msgInteractive(`{"type":"location_request_message","body":{"text":"x"},"action":{"name":"location"}}`),
			code: wabi.EInvalidParam, msg: `Param interactive['action']['name'] must be one of send_location (got "location").`},
		{name: "location request body missing", body: msgInteractive(`{"type":"location_request_message","action":{"name":"send_location"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['body'] is required."},
		{name: "call permission request", body: msgInteractive(`{"type":"call_permission_request","body":{"text":"May we call?"},"action":{"name":"call_permission_request"}}`)},
		{name: "order details", body: msgInteractive(`{"type":"order_details","header":{"type":"image","image":{"link":"https://e.com/o.png"}},"body":{"text":"Your order"},
			"action":{"name":"review_and_pay","parameters":{"reference_id":"o-1","type":"digital-goods","currency":"INR"}}}`)},
		{name: "order status", body: msgInteractive(`{"type":"order_status","body":{"text":"Shipped"},"action":{"name":"review_order","parameters":{"reference_id":"o-1"}}}`)},
		{name: "address message", body: msgInteractive(`{"type":"address_message","body":{"text":"Where to?"},"action":{"name":"address_message","parameters":{"country":"IN"}}}`)},
		{name: "order details action missing", body: msgInteractive(`{"type":"order_details","body":{"text":"Your order"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['action'] is required."},
		{name: "order status body missing", body: msgInteractive(`{"type":"order_status","action":{"name":"review_order"}}`),
			code: wabi.ERequired, msg: "The parameter interactive['body'] is required."},
	}
}
