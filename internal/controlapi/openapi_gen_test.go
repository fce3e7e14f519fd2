package controlapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// This file writes openapi.json, the control API's OpenAPI description, from
// the operations listed in operations below and the Go types the handlers
// answer with. Response schemas are read from those types by reflection, with
// their JSON tags, so they follow the types; request bodies that handlers
// decode into local structs are described by a copy of that struct here.
//
// After changing a route, a request body or a type an answer holds, run
//
//	go test ./internal/controlapi -run TestOpenAPIDocument -update
//
// and commit openapi.json with the change.

var updateOpenAPI = flag.Bool("update", false, "rewrite openapi.json from openapi_gen_test.go")

// TestOpenAPIDocument checks that the embedded openapi.json is what the
// description here makes of today's types, or rewrites it with -update.
func TestOpenAPIDocument(t *testing.T) {
	doc, err := openapiDocument()
	if err != nil {
		t.Fatalf("build the OpenAPI document: %v", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatalf("encode the OpenAPI document: %v", err)
	}
	b = append(b, '\n')
	if *updateOpenAPI {
		if err := os.WriteFile("openapi.json", b, 0o644); err != nil {
			t.Fatalf("write openapi.json: %v", err)
		}
		return
	}
	if !bytes.Equal(b, openapiJSON) {
		t.Fatalf("openapi.json is not what openapi_gen_test.go makes of the code; run\n" +
			"\tgo test ./internal/controlapi -run TestOpenAPIDocument -update\nand review the change")
	}
}

// operation is one route of the control API as the document describes it.
type operation struct {
	method, path string
	// id is the operationId: what a generated client names the call.
	id      string
	tag     string
	summary string
	// query lists the query parameters; path parameters come from the path.
	query []param
	// body is a value of the type the JSON request body decodes into; nil for
	// none. bodyOptional marks a body that may be left out.
	body         any
	bodyOptional bool
	// need names the members of a body of a shared type that the operation
	// requires; the bodies declared here tag theirs req:"".
	need []string
	// content, when set, describes a request body that is not JSON.
	content map[string]any
	status  int
	// resp is a value of the type of the JSON answer; nil for none.
	resp any
	// respMedia, when set, is the media type of an answer that is not JSON.
	respMedia string
	// note is the operation's description, when its summary is not enough.
	note string
}

// param is a query parameter.
type param struct {
	name, desc string
	schema     map[string]any
	required   bool
}

func str(desc string) param {
	return param{name: "", desc: desc, schema: map[string]any{"type": "string"}}
}

// q names a query parameter.
func q(name string, p param) param { p.name = name; return p }

// must marks a query parameter required.
func must(p param) param { p.required = true; return p }

// enumOf is a string parameter that takes one of values.
func enumOf[T ~string](desc string, values ...T) param {
	p := str(desc)
	p.schema["enum"] = values
	return p
}

var (
	businessID    = q("business_id", str("Only the objects of this business; it must exist."))
	wabaID        = q("waba_id", str("Only the objects of this WABA; it must exist."))
	phoneNumberID = q("phone_number_id", str("Only what concerns this business phone number; it must exist."))
	before        = q("before", str("The next_before of the previous page: the items older than this id."))
	limit         = q("limit", param{desc: "How many items a page holds.",
		schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}})
)

// Request bodies that handlers decode into local structs. Each is a copy of
// the handler's struct; a field tagged req:"" is required.
type (
	createBusinessBody struct {
		Name string `json:"name"`
	}
	createWABABody struct {
		BusinessID string `json:"business_id" req:""`
		Name       string `json:"name"`
	}
	subscribeAppBody struct {
		AppID               string `json:"app_id" req:""`
		OverrideCallbackURL string `json:"override_callback_uri"`
		VerifyToken         string `json:"verify_token"`
	}
	unsubscribeAppBody struct {
		AppID string `json:"app_id"`
	}
	createPhoneNumberBody struct {
		WABAID       string        `json:"waba_id" req:""`
		PhoneNumber  string        `json:"phone_number"`
		VerifiedName string        `json:"verified_name"`
		Platform     wabi.Platform `json:"platform_type"`
		Registered   *bool         `json:"registered"`
	}
	reportErrorsBody struct {
		Errors []struct {
			Code    any    `json:"code" req:""`
			Details string `json:"details" req:""`
		} `json:"errors" req:""`
	}
	createAppBody struct {
		BusinessID string `json:"business_id" req:""`
		Name       string `json:"name"`
		Secret     string `json:"secret"`
	}
	appWebhookBody struct {
		CallbackURL string   `json:"callback_url"`
		VerifyToken string   `json:"verify_token"`
		Fields      []string `json:"fields"`
		APIVersion  string   `json:"api_version"`
	}
	createTokenBody struct {
		BusinessID string   `json:"business_id" req:""`
		AppID      string   `json:"app_id"`
		Name       string   `json:"name"`
		WABAIDs    []string `json:"waba_ids"`
		Scopes     []string `json:"scopes"`
		Token      string   `json:"token"`
	}
	createTemplateBody struct {
		WABAID              string                   `json:"waba_id" req:""`
		Name                string                   `json:"name"`
		Language            string                   `json:"language"`
		Category            string                   `json:"category"`
		Components          []wabi.TemplateComponent `json:"components"`
		ParameterFormat     string                   `json:"parameter_format"`
		AllowCategoryChange bool                     `json:"allow_category_change"`
		Status              string                   `json:"status"`
	}
	templateStatusBody struct {
		Status      string `json:"status" req:""`
		Reason      string `json:"reason"`
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	templateCategoryBody struct {
		Category string `json:"category" req:""`
	}
	templateQualityBody struct {
		QualityScore string `json:"quality_score" req:""`
	}
	phoneReadBody struct {
		PhoneNumberID string   `json:"phone_number_id"`
		MessageIDs    []string `json:"message_ids"`
	}
	phoneTapBody struct {
		MessageID string `json:"message_id" req:""`
		Button    *int   `json:"button"`
		RowID     string `json:"row_id"`
	}
	redeliverAllBody struct {
		State string `json:"state" req:""`
		AppID string `json:"app_id"`
	}
	qualityBody struct {
		Rating string `json:"rating" req:""`
	}
	throughputBody struct {
		Level string `json:"level" req:""`
	}
	messagingLimitBody struct {
		Tier string `json:"tier" req:""`
	}
	feedbackBody struct {
		PhoneNumberID string `json:"phone_number_id" req:""`
	}
	restrictBody struct {
		Duration *wabi.Duration `json:"duration" req:""`
	}
	putRelayBody struct {
		BaseURL     string `json:"base_url"`
		APIVersion  string `json:"api_version"`
		NumberID    string `json:"phone_number_id"`
		WABAID      string `json:"waba_id"`
		AccessToken string `json:"access_token"`
		AppSecret   string `json:"app_secret"`
		VerifyToken string `json:"verify_token"`
	}
)

// Answers that handlers build in place.
type (
	reportErrorsAnswer struct {
		PhoneNumberID string `json:"phone_number_id"`
		Errors        int    `json:"errors"`
	}
	readAnswer struct {
		Read int `json:"read"`
	}
	redeliverAllAnswer struct {
		Redelivered int  `json:"redelivered"`
		More        bool `json:"more"`
	}
	deleteFaultsAnswer struct {
		Deleted int `json:"deleted"`
	}
	networkAnswer struct {
		Network string `json:"network"`
	}
)

// operations lists every route of the control API. TestOpenAPIRoutes checks
// it against the routes registered.
func operations() []operation {
	return []operation{
		{method: "GET", path: "/api/info", id: "getInfo", tag: "Info", status: 200, resp: info{},
			summary: "The demo tenancy, ready to use, and where wabi's surfaces are"},
		{method: "GET", path: openapiPath, id: "getOpenAPI", tag: "Info", status: 200, respMedia: "application/json",
			summary: "This description of the control API"},

		{method: "GET", path: "/api/businesses", id: "listBusinesses", tag: "Businesses", status: 200,
			resp: list[*wabi.Business]{}, summary: "List businesses, oldest first"},
		{method: "POST", path: "/api/businesses", id: "createBusiness", tag: "Businesses", status: 201,
			body: createBusinessBody{}, resp: wabi.Business{}, summary: "Create a business"},
		{method: "GET", path: "/api/businesses/{id}", id: "getBusiness", tag: "Businesses", status: 200,
			resp: wabi.Business{}, summary: "Get a business"},

		{method: "GET", path: "/api/wabas", id: "listWABAs", tag: "WABAs", status: 200, query: []param{businessID},
			resp: list[*wabi.WABA]{}, summary: "List WABAs, oldest first"},
		{method: "POST", path: "/api/wabas", id: "createWABA", tag: "WABAs", status: 201,
			body: createWABABody{}, resp: wabi.WABA{}, summary: "Create a WABA in a business"},
		{method: "GET", path: "/api/wabas/{id}", id: "getWABA", tag: "WABAs", status: 200,
			resp: wabi.WABA{}, summary: "Get a WABA"},
		{method: "GET", path: "/api/wabas/{id}/subscribed_apps", id: "listSubscribedApps", tag: "Subscribed apps", status: 200,
			resp: list[subscribedApp]{}, summary: "List the apps subscribed to a WABA's webhooks"},
		{method: "POST", path: "/api/wabas/{id}/subscribed_apps", id: "subscribeApp", tag: "Subscribed apps", status: 201,
			body: subscribeAppBody{}, resp: subscribedApp{},
			summary: "Subscribe an app to a WABA, or change its override callback URL",
			note:    "An override callback URL must pass the hub.challenge handshake."},
		{method: "DELETE", path: "/api/wabas/{id}/subscribed_apps", id: "unsubscribeApp", tag: "Subscribed apps", status: 204,
			query: []param{q("app_id", str("The app to unsubscribe; it may be given in the body instead."))},
			body:  unsubscribeAppBody{}, bodyOptional: true, summary: "Unsubscribe an app from a WABA"},

		{method: "GET", path: "/api/phone_numbers", id: "listPhoneNumbers", tag: "Phone numbers", status: 200,
			query: []param{wabaID}, resp: list[*wabi.PhoneNumber]{},
			summary: "List phone numbers, each with the code on its simulated SIM"},
		{method: "POST", path: "/api/phone_numbers", id: "createPhoneNumber", tag: "Phone numbers", status: 201,
			body: createPhoneNumberBody{}, resp: wabi.PhoneNumber{},
			summary: "Add a phone number to a WABA", note: "registered defaults to true."},
		{method: "GET", path: "/api/phone_numbers/{id}", id: "getPhoneNumber", tag: "Phone numbers", status: 200,
			resp: wabi.PhoneNumber{}, summary: "Get a phone number, with the code on its simulated SIM"},
		{method: "GET", path: "/api/phone_numbers/{id}/profile", id: "getNumberProfile", tag: "Phone numbers", status: 200,
			resp: numberProfile{}, summary: "A number's business profile as the virtual phones see it"},
		{method: "GET", path: "/api/phone_numbers/{id}/onprem_api_key", id: "getOnPremAPIKey", tag: "Phone numbers", status: 200,
			resp: platform.APIKey{}, summary: "An On-Premises number's own API key"},
		{method: "POST", path: "/api/phone_numbers/{id}/onprem_api_key/rotate", id: "rotateOnPremAPIKey", tag: "Phone numbers",
			status: 200, resp: platform.APIKey{}, summary: "Replace an On-Premises number's API key"},
		{method: "POST", path: "/api/phone_numbers/{id}/errors", id: "reportErrors", tag: "Phone numbers", status: 202,
			body: reportErrorsBody{}, resp: reportErrorsAnswer{},
			summary: "Send the number's receivers an errors webhook",
			note:    "Each code is a Cloud API error code (130429) or a wabi code (\"rate_limit\")."},

		{method: "GET", path: "/api/apps", id: "listApps", tag: "Apps", status: 200, query: []param{businessID},
			resp: list[*wabi.App]{}, summary: "List apps, oldest first"},
		{method: "POST", path: "/api/apps", id: "createApp", tag: "Apps", status: 201,
			body: createAppBody{}, resp: wabi.App{}, summary: "Create an app in a business"},
		{method: "GET", path: "/api/apps/{id}", id: "getApp", tag: "Apps", status: 200,
			resp: wabi.App{}, summary: "Get an app"},
		{method: "PUT", path: "/api/apps/{id}/webhook", id: "setAppWebhook", tag: "Apps", status: 200,
			body: appWebhookBody{}, resp: wabi.App{},
			summary: "Set an app's callback URL, verify token, fields and API version",
			note:    "A new URL or token must pass the hub.challenge handshake; its failure is a 400 webhook_verify."},

		{method: "GET", path: "/api/tokens", id: "listTokens", tag: "Tokens", status: 200, query: []param{businessID},
			resp: list[*wabi.Token]{}, summary: "List access tokens, values in full"},
		{method: "POST", path: "/api/tokens", id: "createToken", tag: "Tokens", status: 201,
			body: createTokenBody{}, resp: wabi.Token{}, summary: "Create an access token"},
		{method: "DELETE", path: "/api/tokens/{token}", id: "revokeToken", tag: "Tokens", status: 204,
			summary: "Revoke an access token"},

		{method: "GET", path: "/api/templates", id: "listTemplates", tag: "Templates", status: 200, query: []param{wabaID},
			resp: list[*wabi.Template]{}, summary: "List message templates"},
		{method: "POST", path: "/api/templates", id: "createTemplate", tag: "Templates", status: 201,
			body: createTemplateBody{}, resp: wabi.Template{}, summary: "Store a template",
			note: "The status defaults to APPROVED; a PENDING template is reviewed as if a business had submitted it."},
		{method: "GET", path: "/api/templates/{id}", id: "getTemplate", tag: "Templates", status: 200,
			resp: wabi.Template{}, summary: "Get a template"},
		{method: "POST", path: "/api/templates/{id}/status", id: "setTemplateStatus", tag: "Templates", status: 200,
			body: templateStatusBody{}, resp: wabi.Template{}, summary: "Decide a template's review as Meta would"},
		{method: "POST", path: "/api/templates/{id}/category", id: "setTemplateCategory", tag: "Templates", status: 200,
			body: templateCategoryBody{}, resp: wabi.Template{}, summary: "Re-categorise a template"},
		{method: "POST", path: "/api/templates/{id}/quality", id: "setTemplateQuality", tag: "Templates", status: 200,
			body: templateQualityBody{}, resp: wabi.Template{}, summary: "Set a template's quality score"},

		{method: "GET", path: "/api/phones", id: "listPhones", tag: "Virtual phones", status: 200,
			query: []param{q("phone_number_id", str("Add each phone's last message with this business number and its unread count; it must exist."))},
			resp:  list[phone]{}, summary: "List virtual phones"},
		{method: "POST", path: "/api/phones", id: "createPhone", tag: "Virtual phones", status: 201,
			body: phoneBody{}, need: []string{"wa_id"}, resp: phone{}, summary: "Add a virtual phone"},
		{method: "GET", path: "/api/phones/{wa_id}", id: "getPhone", tag: "Virtual phones", status: 200,
			resp: phone{}, summary: "Get a virtual phone"},
		{method: "PATCH", path: "/api/phones/{wa_id}", id: "patchPhone", tag: "Virtual phones", status: 200,
			body: phonePatch{}, resp: phone{}, summary: "Change the fields given of a virtual phone"},
		{method: "PUT", path: "/api/phones/{wa_id}", id: "putPhone", tag: "Virtual phones", status: 200,
			body: phoneBody{}, resp: phone{}, summary: "Create or replace a virtual phone"},
		{method: "POST", path: "/api/phones/{wa_id}/messages", id: "phoneSend", tag: "Phone actions", status: 201,
			body: phoneMessage{}, need: []string{"to", "type"}, resp: wabi.Message{}, summary: "Send a message from a virtual phone to a business number",
			note: "The body holds to, type and the type's object, as the Cloud API's inbound webhooks name it."},
		{method: "GET", path: "/api/phones/{wa_id}/messages", id: "phoneChat", tag: "Phone actions", status: 200,
			query: []param{phoneNumberID, before, limit}, resp: chat{},
			summary: "What a phone sent and received, newest first"},
		{method: "POST", path: "/api/phones/{wa_id}/read", id: "phoneRead", tag: "Phone actions", status: 200,
			body: phoneReadBody{}, bodyOptional: true, resp: readAnswer{},
			summary: "Open delivered messages: the ones named, or all"},
		{method: "POST", path: "/api/phones/{wa_id}/tap", id: "phoneTap", tag: "Phone actions", status: 201,
			body: phoneTapBody{}, resp: wabi.Message{},
			summary: "Tap a quick reply, reply button (button) or list row (row_id) of a received message"},
		{method: "POST", path: "/api/phones/{wa_id}/media", id: "phoneUpload", tag: "Phone actions", status: 201,
			query: []param{
				must(q("phone_number_id", str("The business number the media is for."))),
				q("filename", str("The file's name, for raw bytes.")),
			},
			content: map[string]any{
				"multipart/form-data": map[string]any{"schema": map[string]any{
					"type": "object", "required": []string{"file"},
					"properties": map[string]any{
						"file": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"},
						"type": map[string]any{"type": "string", "description": "The file's media type, if not the part's."},
					},
				}},
				"*/*": map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}},
			},
			resp: wabi.MediaFile{}, summary: "Upload a file a virtual phone is about to send",
			note: "A multipart form with a file part, or the file's bytes with their Content-Type."},
		{method: "GET", path: "/api/phones/{wa_id}/messages/{id}/media", id: "phoneMedia", tag: "Phone actions", status: 200,
			respMedia: "*/*", summary: "The bytes of the media of a message in the phone's chat"},

		{method: "GET", path: "/api/messages", id: "listMessages", tag: "Messages", status: 200,
			query: []param{
				phoneNumberID,
				q("wa_id", str("Only the chat of this consumer.")),
				q("direction", enumOf("Only messages in this direction.", wabi.Inbound, wabi.Outbound)),
				q("type", enumOf("Only messages of this type.", messageTypes...)),
				q("status", enumOf("Only messages with this status.", messageStatuses...)),
				q("since", param{desc: "Only messages from this time on.", schema: map[string]any{"type": "string", "format": "date-time"}}),
				q("until", param{desc: "Only messages before this time.", schema: map[string]any{"type": "string", "format": "date-time"}}),
				before, limit,
			},
			resp: list[*wabi.Message]{}, summary: "List messages of every chat, newest first"},
		{method: "GET", path: "/api/messages/{id}", id: "getMessage", tag: "Messages", status: 200,
			resp: wabi.Message{}, summary: "Get a message"},

		{method: "GET", path: "/api/deliveries", id: "listDeliveries", tag: "Webhook deliveries", status: 200,
			query: []param{
				q("app_id", str("Only deliveries to this app; it must exist.")),
				q("target_id", str("Only deliveries to this target (an app or an On-Premises number).")),
				q("dialect", enumOf("Only deliveries in this dialect.", wabi.DialectCloud, wabi.DialectOnPrem)),
				q("state", enumOf("Only deliveries in this state.", wabi.DeliveryPending, wabi.DeliveryDelivered, wabi.DeliveryFailed)),
				q("message_id", str("Only deliveries about this message.")),
				before, limit,
			},
			resp: list[*wabi.Delivery]{}, summary: "List webhook deliveries, newest first"},
		{method: "GET", path: "/api/deliveries/{id}", id: "getDelivery", tag: "Webhook deliveries", status: 200,
			resp: deliveryDetail{}, summary: "Get a delivery with its body, request and attempts"},
		{method: "POST", path: "/api/deliveries/{id}/redeliver", id: "redeliver", tag: "Webhook deliveries", status: 200,
			resp: deliveryDetail{}, summary: "Send a delivery again"},
		{method: "POST", path: "/api/deliveries/redeliver", id: "redeliverAll", tag: "Webhook deliveries", status: 200,
			body: redeliverAllBody{}, resp: redeliverAllAnswer{},
			summary: "Send failed deliveries again, up to 1000 at a time", note: "state must be failed."},

		{method: "GET", path: eventsPath, id: "events", tag: "Live events", status: 200, respMedia: "text/event-stream",
			summary: "A stream of server-sent events: message, delivery and overflow",
			note: "Each event's data is JSON: a message, a delivery as GET /api/deliveries/{id} shows it, or " +
				"{\"message\": ...} when the stream fell behind and ends. A browser's EventSource, which cannot " +
				"set headers, may give the admin key as ?key=."},
		{method: "GET", path: "/api/metrics", id: "metrics", tag: "Metrics", status: 200,
			respMedia: "text/plain", summary: "The server's metrics in Prometheus's text format"},

		{method: "GET", path: "/api/limits", id: "getLimits", tag: "Limits", status: 200,
			resp: serverLimits{}, summary: "The server's limit mode and default limits"},
		{method: "GET", path: "/api/wabas/{id}/limits", id: "getWABALimits", tag: "Limits", status: 200,
			resp: platform.LimitView{}, summary: "A WABA's limits: its override and what applies"},
		{method: "PUT", path: "/api/wabas/{id}/limits", id: "putWABALimits", tag: "Limits", status: 200,
			body: platform.LimitOverride{}, resp: platform.LimitView{}, summary: "Override a WABA's limits"},
		{method: "DELETE", path: "/api/wabas/{id}/limits", id: "deleteWABALimits", tag: "Limits", status: 200,
			resp: platform.LimitView{}, summary: "Drop a WABA's limit override"},
		{method: "GET", path: "/api/phone_numbers/{id}/limits", id: "getNumberLimits", tag: "Limits", status: 200,
			query: []param{q("wa_id", str("Also show where this consumer's pair stands."))},
			resp:  platform.LimitView{}, summary: "A number's limits: its override and what applies"},
		{method: "PUT", path: "/api/phone_numbers/{id}/limits", id: "putNumberLimits", tag: "Limits", status: 200,
			body: platform.LimitOverride{}, resp: platform.LimitView{}, summary: "Override a number's limits"},
		{method: "DELETE", path: "/api/phone_numbers/{id}/limits", id: "deleteNumberLimits", tag: "Limits", status: 200,
			resp: platform.LimitView{}, summary: "Drop a number's limit override"},

		{method: "GET", path: "/api/phone_numbers/{id}/quality", id: "getQuality", tag: "Quality", status: 200,
			resp: platform.Quality{}, summary: "A number's quality rating and throughput"},
		{method: "POST", path: "/api/phone_numbers/{id}/quality", id: "forceQuality", tag: "Quality", status: 200,
			body: qualityBody{}, resp: platform.Quality{}, summary: "Set a number's quality rating"},
		{method: "POST", path: "/api/phone_numbers/{id}/throughput", id: "setThroughput", tag: "Quality", status: 200,
			body: throughputBody{}, resp: platform.Quality{}, summary: "Set a number's throughput level"},
		{method: "GET", path: "/api/phone_numbers/{id}/blocks", id: "listBlocks", tag: "Quality", status: 200,
			resp: list[string]{}, summary: "The wa_ids of the consumers who block a number"},
		{method: "GET", path: "/api/businesses/{id}/messaging_limit", id: "getMessagingLimit", tag: "Quality", status: 200,
			resp: platform.MessagingLimit{}, summary: "A business's messaging limit tier"},
		{method: "PUT", path: "/api/businesses/{id}/messaging_limit", id: "setMessagingLimit", tag: "Quality", status: 200,
			body: messagingLimitBody{}, resp: platform.MessagingLimit{}, summary: "Set a business's messaging limit tier"},
		{method: "POST", path: "/api/businesses/{id}/verify", id: "verifyBusiness", tag: "Quality", status: 200,
			resp: platform.MessagingLimit{}, summary: "Verify a business"},
		{method: "POST", path: "/api/phones/{wa_id}/block", id: "blockNumber", tag: "Quality", status: 200,
			body: feedbackBody{}, resp: platform.Blocked{}, summary: "A virtual phone blocks a business number"},
		{method: "POST", path: "/api/phones/{wa_id}/unblock", id: "unblockNumber", tag: "Quality", status: 200,
			body: feedbackBody{}, resp: platform.Blocked{}, summary: "A virtual phone unblocks a business number"},
		{method: "POST", path: "/api/phones/{wa_id}/report", id: "reportNumber", tag: "Quality", status: 200,
			body: feedbackBody{}, resp: platform.Blocked{}, summary: "A virtual phone reports a business number"},
		{method: "GET", path: "/api/wabas/{id}/restriction", id: "getRestriction", tag: "Quality", status: 200,
			resp: platform.Restriction{}, summary: "A WABA's restriction"},
		{method: "POST", path: "/api/wabas/{id}/restriction", id: "restrictWABA", tag: "Quality", status: 200,
			body: restrictBody{}, resp: platform.Restriction{}, summary: "Restrict a WABA for a while"},
		{method: "DELETE", path: "/api/wabas/{id}/restriction", id: "unrestrictWABA", tag: "Quality", status: 204,
			summary: "Lift a WABA's restriction"},

		{method: "POST", path: "/api/faults", id: "createFault", tag: "Faults", status: 201,
			body: faultRequest{}, need: []string{"kind"}, resp: wabi.Fault{}, summary: "Inject a fault",
			note: "A fault needs a phone_number_id, a wa_id or both; delivery_failed needs a code, " +
				"status_delayed and webhook_delayed a delay."},
		{method: "GET", path: "/api/faults", id: "listFaults", tag: "Faults", status: 200,
			query: []param{q("phone_number_id", str("Only faults of this business number.")), q("wa_id", str("Only faults of this consumer."))},
			resp:  list[*wabi.Fault]{}, summary: "List the faults in force"},
		{method: "DELETE", path: "/api/faults", id: "deleteFaults", tag: "Faults", status: 200,
			query: []param{q("phone_number_id", str("Only faults of this business number.")), q("wa_id", str("Only faults of this consumer."))},
			resp:  deleteFaultsAnswer{}, summary: "Remove faults, all or those filtered"},
		{method: "GET", path: "/api/faults/{id}", id: "getFault", tag: "Faults", status: 200,
			resp: wabi.Fault{}, summary: "Get a fault"},
		{method: "DELETE", path: "/api/faults/{id}", id: "deleteFault", tag: "Faults", status: 204,
			summary: "Remove a fault"},

		{method: "PUT", path: "/api/phone_numbers/{id}/relay", id: "putRelay", tag: "Relay", status: 200,
			body: putRelayBody{}, resp: relayView{}, summary: "Put a number on the relay to a real upstream",
			note: "A secret left empty keeps the one stored."},
		{method: "GET", path: "/api/phone_numbers/{id}/relay", id: "getRelay", tag: "Relay", status: 200,
			resp: relayView{}, summary: "A number's relay, its secrets shown by their last characters"},
		{method: "DELETE", path: "/api/phone_numbers/{id}/relay", id: "deleteRelay", tag: "Relay", status: 200,
			resp: networkAnswer{}, summary: "Take a number off the relay, back to the simulated network"},
		{method: "GET", path: "/api/phone_numbers/{id}/relay/exchanges", id: "listRelayExchanges", tag: "Relay", status: 200,
			query: []param{limit}, resp: list[*wabi.RelayExchange]{}, summary: "The relay's latest calls to its upstream"},

		{method: "GET", path: "/api/channels", id: "listChannels", tag: "Channels", status: 200, query: []param{wabaID},
			resp: list[channel]{}, summary: "List channels: each number with its network and key count"},
		{method: "POST", path: "/api/phone_numbers/{id}/keys", id: "createChannelKey", tag: "Channels", status: 201,
			resp: platform.NewChannelKey{}, summary: "Make a channel key, shown in full this once"},
		{method: "GET", path: "/api/phone_numbers/{id}/keys", id: "listChannelKeys", tag: "Channels", status: 200,
			resp: list[*platform.ChannelKey]{}, summary: "List a number's channel keys"},
		{method: "DELETE", path: "/api/phone_numbers/{id}/keys/{key_id}", id: "deleteChannelKey", tag: "Channels", status: 204,
			summary: "Revoke a channel key"},
	}
}

// pathParams describes the parameters in paths, by the collection before them.
var pathParams = map[string]string{
	"businesses":    "The business's id.",
	"wabas":         "The WABA's id.",
	"phone_numbers": "The phone number's id.",
	"apps":          "The app's id.",
	"tokens":        "The token's value.",
	"templates":     "The template's id.",
	"phones":        "The virtual phone's WhatsApp id.",
	"messages":      "The message's id.",
	"deliveries":    "The delivery's id.",
	"faults":        "The fault's id.",
	"keys":          "The channel key's id.",
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openapiDocument builds the OpenAPI document of the operations.
func openapiDocument() (map[string]any, error) {
	g := &schemaGen{components: map[string]any{}, names: map[string]reflect.Type{}}
	paths := map[string]map[string]any{}
	var tags []any
	seen := map[string]bool{}
	for _, op := range operations() {
		if !seen[op.tag] {
			seen[op.tag] = true
			tags = append(tags, map[string]any{"name": op.tag})
		}
		item, err := g.operation(op)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", op.method, op.path, err)
		}
		if paths[op.path] == nil {
			paths[op.path] = map[string]any{}
		}
		m := strings.ToLower(op.method)
		if _, dup := paths[op.path][m]; dup {
			return nil, fmt.Errorf("%s %s is listed twice", op.method, op.path)
		}
		paths[op.path][m] = item
	}
	errSchema := g.schema(reflect.TypeFor[errorBody](), false)
	if g.err != nil {
		return nil, g.err
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "wabi control API",
			"version": "1",
			"description": "wabi's own JSON API under /api/: the operator's and a test suite's. It creates and " +
				"lists tenancy objects, plays Meta's side, drives the virtual phones of the simulated network, " +
				"and shows messages and webhook deliveries. docs/control-api.md describes each route with " +
				"examples. When wabi runs with an admin key every request must carry it; without one (on " +
				"loopback only) the API is open.",
		},
		"servers": []any{map[string]any{"url": "/", "description": "The wabi that serves this document."}},
		"security": []any{
			map[string]any{"bearerAdminKey": []string{}},
			map[string]any{"headerAdminKey": []string{}},
		},
		"tags":  tags,
		"paths": paths,
		"components": map[string]any{
			"schemas": g.components,
			"responses": map[string]any{
				"Failure": map[string]any{
					"description": "The request failed: the error envelope, with wabi's domain code.",
					"content":     map[string]any{"application/json": map[string]any{"schema": errSchema}},
				},
			},
			"securitySchemes": map[string]any{
				"bearerAdminKey": map[string]any{"type": "http", "scheme": "bearer",
					"description": "The admin key (WABI_ADMIN_KEY), as \"Authorization: Bearer <key>\"."},
				"headerAdminKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-Wabi-Admin-Key",
					"description": "The admin key (WABI_ADMIN_KEY) in its own header."},
				"queryAdminKey": map[string]any{"type": "apiKey", "in": "query", "name": "key",
					"description": "The admin key in the URL: GET /api/events only, for a browser's EventSource."},
			},
		},
	}, nil
}

// operation describes op as an OpenAPI operation object.
func (g *schemaGen) operation(op operation) (map[string]any, error) {
	o := map[string]any{
		"operationId": op.id,
		"summary":     op.summary,
		"tags":        []string{op.tag},
	}
	if op.note != "" {
		o["description"] = op.note
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatchIndex(op.path, -1) {
		name := op.path[m[2]:m[3]]
		segs := strings.Split(strings.TrimSuffix(op.path[:m[0]], "/"), "/")
		desc, ok := pathParams[segs[len(segs)-1]]
		if !ok {
			return nil, fmt.Errorf("no description of path parameter %s after %s", name, segs[len(segs)-1])
		}
		params = append(params, map[string]any{"name": name, "in": "path", "required": true,
			"description": desc, "schema": map[string]any{"type": "string"}})
	}
	for _, p := range op.query {
		qp := map[string]any{"name": p.name, "in": "query", "description": p.desc, "schema": p.schema}
		if p.required {
			qp["required"] = true
		}
		params = append(params, qp)
	}
	if params != nil {
		o["parameters"] = params
	}
	switch {
	case op.content != nil:
		o["requestBody"] = map[string]any{"required": true, "content": op.content}
	case op.body != nil:
		body := g.object(reflect.TypeOf(op.body), true)
		if len(op.need) > 0 {
			req, _ := body["required"].([]string)
			req = append(slices.Clone(req), op.need...)
			slices.Sort(req)
			body["required"] = req
		}
		o["requestBody"] = map[string]any{
			"required": !op.bodyOptional,
			"content":  map[string]any{"application/json": map[string]any{"schema": body}},
		}
	}
	ok := map[string]any{"description": http.StatusText(op.status)}
	switch {
	case op.respMedia != "":
		ok["content"] = map[string]any{op.respMedia: map[string]any{}}
	case op.resp != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{
			"schema": g.schema(reflect.TypeOf(op.resp), false)}}
	}
	o["responses"] = map[string]any{
		fmt.Sprint(op.status): ok,
		"default":             map[string]any{"$ref": "#/components/responses/Failure"},
	}
	if op.path == eventsPath {
		o["security"] = []any{
			map[string]any{"bearerAdminKey": []string{}},
			map[string]any{"headerAdminKey": []string{}},
			map[string]any{"queryAdminKey": []string{}},
		}
	}
	return o, g.err
}

// schemaGen makes JSON Schemas of Go types as encoding/json serialises them.
// A named struct type becomes a component, named after the Go type. A request
// body is described inline, and the named types within it as components of
// their own, since what a request must hold differs from what an answer
// always holds.
type schemaGen struct {
	components map[string]any
	names      map[string]reflect.Type
	// docs holds the doc comments of the packages the types are in, by
	// package path; loaded as needed.
	docs map[string]*comments
	err  error
}

// comments are the doc comments of a package's types ("Business") and of
// their fields ("Business.Name"), each as one paragraph.
type comments map[string]string

// module is wabi's module path; its packages are in the directories it names,
// from the repository's root two levels up.
const module = "github.com/wabihq/wabi"

// doc returns the doc comment of a type or, with a field, of the field.
func (g *schemaGen) doc(t reflect.Type, field string) string {
	pkg := t.PkgPath()
	dir, ok := strings.CutPrefix(pkg, module)
	if !ok {
		return ""
	}
	if g.docs == nil {
		g.docs = map[string]*comments{}
	}
	c, ok := g.docs[pkg]
	if !ok {
		cs, err := loadComments(filepath.Join("..", "..", filepath.FromSlash(dir)))
		if err != nil {
			g.fail(err)
		}
		c = &cs
		g.docs[pkg] = c
	}
	name, _, _ := strings.Cut(t.Name(), "[") // a generic type's doc is its declaration's
	if field != "" {
		name += "." + field
	}
	return (*c)[name]
}

// loadComments reads the doc comments of the Go files in dir, tests left out.
func loadComments(dir string) (comments, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	c := comments{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("read the doc comments of %s: %w", name, err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				c[ts.Name.Name] = paragraph(doc)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fl := range st.Fields.List {
					text := paragraph(fl.Doc)
					if text == "" {
						text = paragraph(fl.Comment)
					}
					for _, n := range fl.Names {
						c[ts.Name.Name+"."+n.Name] = text
					}
				}
			}
		}
	}
	return c, nil
}

// paragraph is a comment's text on one line.
func paragraph(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	return strings.Join(strings.Fields(cg.Text()), " ")
}

// describe sets s's description to the doc comment text, its first word, a
// Go name, replaced by the name the JSON knows it by.
func describe(s map[string]any, text, goName, jsonName string) map[string]any {
	if text == "" {
		return s
	}
	if rest, ok := strings.CutPrefix(text, goName+" "); ok {
		text = jsonName + " " + rest
	}
	if _, ok := s["$ref"]; ok || s["description"] != nil {
		// A reference's own description goes beside it; a schema with one
		// of its own keeps it, after the field's.
		n := map[string]any{}
		for k, v := range s {
			n[k] = v
		}
		if d, ok := s["description"].(string); ok && s["$ref"] == nil {
			text += " " + d
		}
		n["description"] = text
		return n
	}
	s["description"] = text
	return s
}

// alwaysSet are the answers whose embedded pointers the handlers never leave
// nil, so that the members they bring are always there.
var alwaysSet = map[reflect.Type]bool{
	reflect.TypeFor[phone]():          true,
	reflect.TypeFor[deliveryDetail](): true,
	reflect.TypeFor[info]():           true,
}

// enums are the values of wabi's enumerated string types.
var enums = map[reflect.Type]any{
	reflect.TypeFor[wabi.Code]():          wabi.Codes(),
	reflect.TypeFor[wabi.FaultKind]():     wabi.FaultKinds(),
	reflect.TypeFor[wabi.Platform]():      []wabi.Platform{wabi.PlatformCloud, wabi.PlatformOnPrem, wabi.PlatformNotSet},
	reflect.TypeFor[wabi.Direction]():     []wabi.Direction{wabi.Inbound, wabi.Outbound},
	reflect.TypeFor[wabi.DeliveryState](): []wabi.DeliveryState{wabi.DeliveryPending, wabi.DeliveryDelivered, wabi.DeliveryFailed},
}

// special describes the types whose JSON is not what their kind makes it: each
// of them that has its own (un)marshaller must be here.
func special(t reflect.Type, request bool) (map[string]any, bool) {
	switch t {
	case reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}, true
	case reflect.TypeFor[json.RawMessage]():
		return map[string]any{"description": "Any JSON value."}, true
	case reflect.TypeFor[wabi.Duration]():
		if request {
			return map[string]any{"anyOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}},
				"description": "A Go duration such as \"1.5s\" or \"250ms\", or a number of milliseconds."}, true
		}
		return map[string]any{"type": "string", "description": "A Go duration such as \"1.5s\"."}, true
	case reflect.TypeFor[wabi.Float]():
		if request {
			return map[string]any{"anyOf": []any{map[string]any{"type": "number"}, map[string]any{"type": "string"}},
				"description": "A number, or a string that holds one."}, true
		}
		return map[string]any{"type": "number"}, true
	}
	return nil, false
}

var (
	marshaler     = reflect.TypeFor[json.Marshaler]()
	unmarshaler   = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// schema returns the schema of t; request describes it as a request body.
func (g *schemaGen) schema(t reflect.Type, request bool) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := special(t, request); ok {
		return s
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(marshaler) || pt.Implements(unmarshaler) || pt.Implements(textMarshaler) {
		g.fail(fmt.Errorf("type %v has its own JSON encoding; describe it in special", t))
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		s := map[string]any{"type": "string"}
		if e, ok := enums[t]; ok {
			s["enum"] = e
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), request)}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			g.fail(fmt.Errorf("map %v has keys that are not strings", t))
		}
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), request)}
	case reflect.Struct:
		if t.Name() == "" || strings.Contains(t.Name(), "[") {
			return g.object(t, request)
		}
		return g.component(t, request)
	}
	g.fail(fmt.Errorf("no JSON schema for %v", t))
	return map[string]any{}
}

// component describes the named struct type t once, under its Go name; as
// part of a request body, under the name with "Input" after it.
func (g *schemaGen) component(t reflect.Type, request bool) map[string]any {
	name := strings.ToUpper(t.Name()[:1]) + t.Name()[1:]
	if request {
		name += "Input"
	}
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	if prev, ok := g.names[name]; ok {
		if prev != t {
			g.fail(fmt.Errorf("types %v and %v would both be schema %s", prev, t, name))
		}
		return ref
	}
	g.names[name] = t
	g.components[name] = map[string]any{} // a placeholder, for types that hold themselves
	g.components[name] = describe(g.object(t, request), g.doc(t, ""), t.Name(), name)
	return ref
}

// field is a JSON member of a struct.
type field struct {
	name     string
	doc      string
	goName   string
	typ      reflect.Type
	depth    int
	required bool
	nullable bool
}

// object describes a struct as an object with its JSON members.
func (g *schemaGen) object(t reflect.Type, request bool) map[string]any {
	var fields []field
	g.fields(t, 0, true, request, &fields)
	props := map[string]any{}
	var req []string
	for _, f := range fields {
		s := g.schema(f.typ, request)
		if f.nullable {
			s = nullable(s)
		}
		props[f.name] = describe(s, f.doc, f.goName, f.name)
		if f.required {
			req = append(req, f.name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(req) > 0 {
		slices.Sort(req)
		s["required"] = req
	}
	return s
}

// fields gathers the JSON members of t as encoding/json finds them, promoting
// those of embedded structs; a shallower member hides a deeper one of the same
// name. present is false under an embedded pointer, whose members are left
// out when it is nil.
func (g *schemaGen) fields(t reflect.Type, depth int, present, request bool, out *[]field) {
	// A list's data is never null: listOf makes it an empty array.
	isList := strings.HasPrefix(t.Name(), "list[")
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		always := alwaysSet[t]
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				g.fields(et, depth+1, present && (ft.Kind() != reflect.Pointer || always), request, out)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		omit := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		f := field{name: name, doc: g.doc(t, sf.Name), goName: sf.Name, typ: ft, depth: depth}
		if request {
			_, f.required = sf.Tag.Lookup("req")
		} else {
			f.required = present && !omit
			switch ft.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
				f.nullable = !omit && !(isList && name == "data") && ft != reflect.TypeFor[json.RawMessage]()
			}
		}
		j := slices.IndexFunc(*out, func(o field) bool { return o.name == name })
		switch {
		case j < 0:
			*out = append(*out, f)
		case (*out)[j].depth > depth:
			(*out)[j] = f
		case (*out)[j].depth == depth:
			g.fail(fmt.Errorf("%v: two members named %s at one depth", t, name))
		}
	}
}

// nullable lets s be null as well. It says so with anyOf rather than a list
// of types, which more of the tools that generate clients understand.
func nullable(s map[string]any) map[string]any {
	if len(s) == 0 || (len(s) == 1 && s["description"] != nil) {
		return s // any value, null included
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func (g *schemaGen) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}
