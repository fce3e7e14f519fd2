package cloudapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/wabi"
)

// allCodes is every wabi.Code the domain declares.
var allCodes = wabi.Codes()

var fbtraceRE = regexp.MustCompile(`"fbtrace_id":"([A-Za-z0-9_-]*)"`)

// mustErrorResponse runs writeError for err on a request and returns the
// recorder, the body with its fbtrace_id fixed, and what was logged.
func mustErrorResponse(t *testing.T, method, path string, err error) (*httptest.ResponseRecorder, []byte, string) {
	t.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest(method, path, nil), logger, err)
	body := rec.Body.Bytes()
	m := fbtraceRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("body has no fbtrace_id: %s", body)
	}
	if len(m[1]) != 23 {
		t.Errorf("fbtrace_id %q has %d characters, want 23", m[1], len(m[1]))
	}
	return rec, fbtraceRE.ReplaceAll(body, []byte(`"fbtrace_id":"FBTRACE_ID_FOR_TESTS_0000"`)), logs.String()
}

func TestErrorTableIsComplete(t *testing.T) {
	seen := map[wabi.Code]bool{}
	for _, c := range allCodes {
		if seen[c] {
			t.Errorf("code %s listed twice", c)
		}
		seen[c] = true
		s, ok := graphErrorFor(c)
		if !ok {
			t.Errorf("code %s has no Cloud API mapping", c)
			continue
		}
		if s.status < 400 || s.code == 0 || s.title == "" || (s.typ != oauthException && s.typ != graphMethodException) {
			t.Errorf("code %s has an incomplete mapping: %+v", c, s)
		}
	}
	if _, ok := graphErrorFor("no_such_code"); ok {
		t.Error("an unknown code is mapped")
	}
}

func TestWriteError(t *testing.T) {
	// Each code with the message the platform would give it; the golden file holds
	// the exact body.
	tests := []struct {
		code       wabi.Code
		msg        string
		method     string
		path       string
		wantStatus int
	}{
		{wabi.EInternal, "store: disk I/O error", "POST", "/v23.0/106540352242922/messages", 500},
		{wabi.EBadRequest, "The parameter messaging_product is required.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EInvalidParam, "Param text['body'] must be at most 4096 characters long.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ERequired, "The parameter text['body'] is required.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EInvalidValue, "Parameter to must be a valid phone number.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EUnauthenticated, "No access token.", "GET", "/v23.0/106540352242922", 400},
		{wabi.EInvalidToken, "The access token is unknown or revoked.", "GET", "/v23.0/106540352242922", 401},
		{wabi.EPermission, "The token lacks the whatsapp_business_messaging permission.", "POST", "/v23.0/106540352242922/messages", 403},
		{wabi.ENotFound, "no phone number 999", "POST", "/v23.0/999/messages", 400},
		{wabi.EConflict, "A template named order_update in en_US already exists.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.EUnsupportedType, "Message type poll is not supported.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ERecipientIsSender, "Recipient cannot be sender.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ENotRegistered, "Phone number not registered.", "POST", "/v23.0/106540352242922/messages", 404},
		{wabi.EWrongPlatform, "Phone number 106540352242922 is served by the On-Premises API.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EOutsideWindow, "Message failed to send because more than 24 hours have passed since the customer last replied to this number.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ENotOnWhatsApp, "Message undeliverable.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EMediaUpload, "Media link https://example.com/a.png could not be fetched.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ETemplateNotFound, "template name (order_update) does not exist in fr", "POST", "/v23.0/106540352242922/messages", 404},
		{wabi.ETemplateParamCount, "body: number of localizable_params (1) does not match the expected number of params (2)", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ETemplateFormat, "header: expected image, got document", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ETemplateTextLength, "Hydrated body text is 1100 characters long; the limit is 1024.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ETemplateParamText, "Param text cannot have new-line/tab characters or more than 4 consecutive spaces", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ETemplatePaused, "Template order_update is paused.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ETemplateDisabled, "Template order_update is disabled.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ERateLimit, "Too many messages sent from this phone number in a short period of time.", "POST", "/v23.0/106540352242922/messages", 429},
		{wabi.EWebhookVerify, "Callback verification failed with the following errors: HTTP Status Code = 403", "POST", "/v23.0/1234567890/subscriptions", 400},
		{wabi.ENumberExists, "Phone number +1 555-000-1000 was already added.", "POST", "/v23.0/102290129340398/phone_numbers", 400},
		{wabi.EVerifyCode, "The code does not match the code sent to the number.", "POST", "/v23.0/106540352242922/verify_code", 400},
		{wabi.ENotVerified, "Verify the ownership of phone number 106540352242922 with request_code and verify_code before registering it.", "POST", "/v23.0/106540352242922/register", 400},
		{wabi.EPINMismatch, "The PIN does not match the two-step verification PIN of the number.", "POST", "/v23.0/106540352242922/register", 400},
		{wabi.EPINLocked, "Too many wrong PINs. Try again after 2026-11-01T13:00:00Z.", "POST", "/v23.0/106540352242922/register", 400},
		{wabi.EPINTooFast, "Wait 10 seconds after a wrong PIN before trying again.", "POST", "/v23.0/106540352242922/register", 400},
		{wabi.ERegisterLimit, "Phone number 106540352242922 was registered or deregistered 10 times in the last 72 hours.", "POST", "/v23.0/106540352242922/register", 429},
		{wabi.EBackup, "The backup data cannot be decrypted with this password, or is damaged.", "POST", "/v23.0/106540352242922/register", 400},
		{wabi.EPasswordChange, "The admin password is still the default one.", "POST", "/v23.0/106540352242922/register", 400},
		{wabi.EUserExists, "Unable to create user. Already exist?", "POST", "/v23.0/106540352242922/register", 400},
		{wabi.ETemplateNamespace, "Parameter 'template.namespace' is required.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.ETemplateExists, "There is already en_US content for the template order_update. Create a template with another name, or add another language.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.ETemplateLimit, "WhatsApp Business Account 102290129340398 already has 250 message templates, the most it may have.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.ETemplateNotEditable, "Template 1689556908129832 is in review (PENDING); edit it once it is approved or rejected.", "POST", "/v23.0/1689556908129832", 400},
		{wabi.ETemplateTooLong, "components[1]['text'] is 1100 characters long; the limit is 1024.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.ETemplateHeaderFormat, "components[0]['format'] must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION (got GIF).", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.ETemplateBodyFormat, "components[1]['text'] has 2 variables but no {{1}}: number them from {{1}} without gaps.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.ETemplateFooterFormat, "components[2]['text'] cannot hold variables.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.ETemplateTooManyVars, "components[1]['text'] has 3 variables and only 2 words around them.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.ETemplateVarPosition, "components[1]['text'] starts or ends with a variable.", "POST", "/v23.0/102290129340398/message_templates", 400},
		{wabi.EPairRateLimit, "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.", "POST", "/v23.0/106540352242922/messages", 429},
		{wabi.ECallLimit, "App 1234567890 made 200 calls on WhatsApp Business Account 102290129340398 in the last hour, its limit.", "GET", "/v23.0/102290129340398/message_templates", 429},
		{wabi.ESpamLimit, "Business-initiated messages from this number are stopped while its quality rating is RED.", "POST", "/v23.0/106540352242922/messages", 429},
		{wabi.EMessagingLimit, "The business reached its messaging limit of 250 unique customers in 24 hours.", "POST", "/v23.0/106540352242922/messages", 429},
		{wabi.EThroughputUpgrade, "Phone number 106540352242922 is moving to a higher throughput; try again in a minute.", "POST", "/v23.0/106540352242922/messages", 503},
		{wabi.ERestricted, "WhatsApp Business Account 102290129340398 is restricted from business-initiated messaging until 2026-12-07T00:00:00Z.", "POST", "/v23.0/106540352242922/messages", 403},
		{wabi.EMarketingCap, "This message was not delivered to maintain healthy ecosystem engagement.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EOptedOut, "The customer stopped marketing messages from this business.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EExperiment, "The customer is part of a marketing message experiment.", "POST", "/v23.0/106540352242922/messages", 400},
		{wabi.EUnavailable, "The service is temporarily unavailable.", "POST", "/v23.0/106540352242922/messages", 503},
	}
	if len(tests) != len(allCodes) {
		t.Fatalf("%d cases for %d codes: every code needs a golden body", len(tests), len(allCodes))
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			rec, body, logs := mustErrorResponse(t, tt.method, tt.path, wabi.Errorf(tt.code, "%s", tt.msg))
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=UTF-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			golden.Assert(t, filepath.Join("testdata", "errors", string(tt.code)+".json"), body)

			// Graph's fixed texts replace the domain message; an internal one is
			// never shown.
			hidden := map[wabi.Code]bool{wabi.EInternal: true, wabi.EUnauthenticated: true, wabi.EInvalidToken: true, wabi.ENotFound: true}
			if shown := bytes.Contains(body, []byte(tt.msg)); shown == hidden[tt.code] {
				t.Errorf("body contains the domain message = %v, want %v", shown, !hidden[tt.code])
			}
			internal := tt.code == wabi.EInternal
			if logged := strings.Contains(logs, tt.msg); logged != internal {
				t.Errorf("message logged = %v, want %v (logs: %s)", logged, internal, logs)
			}
		})
	}
}

func TestWriteErrorOfPlainErrorIsInternal(t *testing.T) {
	secret := errors.New("sqlite: database is locked (/var/lib/wabi/wabi.db)")
	wrapped := fmt.Errorf("send: %w", wabi.Errorf(wabi.ERequired, "The parameter to is required."))
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   int
		wantLog    bool
	}{
		{"plain error", secret, 500, 131000, true},
		{"wrapped plain error", fmt.Errorf("platform: %w", secret), 500, 131000, true},
		{"wrapped domain error keeps its code", wrapped, 400, 131008, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, body, logs := mustErrorResponse(t, "POST", "/v23.0/1/messages", tt.err)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			var env struct {
				Error struct {
					Code      int `json:"code"`
					ErrorData struct {
						Details string `json:"details"`
					} `json:"error_data"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if env.Error.Code != tt.wantCode {
				t.Errorf("code = %d, want %d", env.Error.Code, tt.wantCode)
			}
			if bytes.Contains(body, []byte("sqlite")) {
				t.Errorf("body leaks the internal error: %s", body)
			}
			if got := strings.Contains(logs, "database is locked"); got != tt.wantLog {
				t.Errorf("logged = %v, want %v: %s", got, tt.wantLog, logs)
			}
			if tt.wantLog && !strings.Contains(logs, "level=ERROR") {
				t.Errorf("internal error not logged at error level: %s", logs)
			}
		})
	}
}

func TestNotFoundMessage(t *testing.T) {
	const tail = "' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
	tests := []struct {
		method, path string
		want         string
	}{
		{"POST", "/v23.0/999/messages", "Unsupported post request. Object with ID '999" + tail},
		{"GET", "/v24.0/12345?fields=id,name", "Unsupported get request. Object with ID '12345" + tail},
		{"DELETE", "/777", "Unsupported delete request. Object with ID '777" + tail},
		{"GET", "/888/phone_numbers", "Unsupported get request. Object with ID '888" + tail},
		{"GET", "/version/42", "Unsupported get request. Object with ID 'version" + tail},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec, body, _ := mustErrorResponse(t, tt.method, tt.path, wabi.Errorf(wabi.ENotFound, "gone"))
			var env struct {
				Error struct {
					Message   string          `json:"message"`
					Type      string          `json:"type"`
					Subcode   int             `json:"error_subcode"`
					ErrorData json.RawMessage `json:"error_data"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			if rec.Code != 400 || env.Error.Message != tt.want || env.Error.Type != "GraphMethodException" ||
				env.Error.Subcode != 33 || env.Error.ErrorData != nil {
				t.Errorf("got %d %+v\nwant message %q", rec.Code, env.Error, tt.want)
			}
		})
	}
}

func TestStatusError(t *testing.T) {
	tests := []struct {
		name string
		in   *wabi.Error
		want string
	}{
		{"outside window", wabi.Errorf(wabi.EOutsideWindow, "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
			`{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}`},
		{"not on WhatsApp", wabi.Errorf(wabi.ENotOnWhatsApp, "Message Undeliverable."),
			`{"code":131026,"title":"Message Undeliverable","message":"Message Undeliverable","error_data":{"details":"Message Undeliverable."},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}`},
		{"no details", &wabi.Error{Code: wabi.EMediaUpload},
			`{"code":131053,"title":"Media upload error","message":"Media upload error","href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}`},
		{"nil is internal", nil,
			`{"code":131000,"title":"Something went wrong","message":"Something went wrong","error_data":{"details":"An unknown error occurred. Please retry the request later."},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}`},
		{"unknown code is internal", &wabi.Error{Code: "mystery", Message: "x"},
			`{"code":131000,"title":"Something went wrong","message":"Something went wrong","error_data":{"details":"x"},"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(statusError(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("statusError =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestTraceID(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{23}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := traceID()
		if !valid.MatchString(id) {
			t.Fatalf("traceID() = %q, want 23 characters of [A-Za-z0-9_-]", id)
		}
		if seen[id] {
			t.Fatalf("traceID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestIsGraphVersion(t *testing.T) {
	for seg, want := range map[string]bool{
		"v23.0": true, "v24.0": true, "v3.11": true,
		"v23": false, "23.0": false, "v.0": false, "v23.": false, "vx.0": false, "": false, "106540352242922": false,
	} {
		if got := isGraphVersion(seg); got != want {
			t.Errorf("isGraphVersion(%q) = %v, want %v", seg, got, want)
		}
	}
}
