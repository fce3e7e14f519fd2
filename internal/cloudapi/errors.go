package cloudapi

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/httplog"
	"github.com/wabihq/wabi/internal/wabi"
)

// Graph error types: nearly everything is an OAuthException, including the
// WhatsApp-specific codes; only "object does not exist" is a GraphMethodException.
const (
	oauthException       = "OAuthException"
	graphMethodException = "GraphMethodException"
)

// errorCodesHref is where failed-status webhooks point for the meaning of a code.
const errorCodesHref = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

// messageStyle says how the message and error_data of a Graph error body are built.
type messageStyle int

const (
	// styleWhatsApp: "(#<code>) <title>", with error_data.details carrying the
	// domain message. Meta uses it for every WhatsApp-specific code.
	styleWhatsApp messageStyle = iota
	// stylePrefixed: "(#<code>) " + the domain message and no error_data, as
	// generic Graph parameter errors read ("(#100) The parameter ... is required.").
	stylePrefixed
	// styleFixed: Graph's own fixed text and no error_data (auth failures).
	styleFixed
	// styleNotFound: Graph's "Unsupported <method> request. Object with ID ..."
	// text, built from the request.
	styleNotFound
	// styleUserError: Graph's "Invalid parameter" with the WhatsApp code as
	// error_subcode, the title as error_user_title and the domain message as
	// error_user_msg, as template management errors read.
	styleUserError
)

// graphErrorSpec is how one domain code looks in the Cloud API.
type graphErrorSpec struct {
	status  int
	code    int
	subcode int // 0: no error_subcode
	typ     string
	// title is the WhatsApp title for styleWhatsApp, the fixed message for
	// styleFixed; failed-status webhooks use it as their title in every style.
	title string
	style messageStyle
}

// graphErrorFor returns how code looks in the Cloud API, and false for a code it
// does not know; errors_test.go checks that every domain code is mapped. The
// numbers and titles are Meta's (spec §1.4, §2.15, §10).
func graphErrorFor(code wabi.Code) (graphErrorSpec, bool) {
	switch code {
	case wabi.EInternal:
		return graphErrorSpec{500, 131000, 0, oauthException, "Something went wrong", styleWhatsApp}, true
	case wabi.EBadRequest:
		return graphErrorSpec{400, 100, 0, oauthException, "Invalid parameter", stylePrefixed}, true
	case wabi.EInvalidParam:
		return graphErrorSpec{400, 100, 0, oauthException, "Invalid parameter", styleWhatsApp}, true
	case wabi.ERequired:
		return graphErrorSpec{400, 131008, 0, oauthException, "Required parameter is missing", styleWhatsApp}, true
	case wabi.EInvalidValue:
		return graphErrorSpec{400, 131009, 0, oauthException, "Parameter value is not valid", styleWhatsApp}, true
	case wabi.EUnauthenticated:
		return graphErrorSpec{400, 104, 0, oauthException, "An access token is required to request this resource.", styleFixed}, true
	case wabi.EInvalidToken:
		return graphErrorSpec{401, 190, 0, oauthException, "Invalid OAuth access token - Cannot parse access token", styleFixed}, true
	case wabi.EPermission:
		return graphErrorSpec{403, 200, 0, oauthException, "Permissions error", styleWhatsApp}, true
	case wabi.ENotFound:
		// Graph answers 400, not 404, for objects that do not exist or are not the
		// caller's, so that ids of other tenants cannot be probed.
		return graphErrorSpec{400, 100, 33, graphMethodException, "Unsupported request", styleNotFound}, true
	case wabi.EConflict:
		return graphErrorSpec{400, 100, 0, oauthException, "Invalid parameter", styleWhatsApp}, true
	case wabi.EUnsupportedType:
		return graphErrorSpec{400, 131051, 0, oauthException, "Unsupported message type", styleWhatsApp}, true
	case wabi.ERecipientIsSender:
		return graphErrorSpec{400, 131021, 0, oauthException, "Recipient cannot be sender", styleWhatsApp}, true
	case wabi.ENotRegistered:
		return graphErrorSpec{404, 133010, 0, oauthException, "Phone number Not Registered", styleWhatsApp}, true
	case wabi.EWrongPlatform:
		return graphErrorSpec{400, 100, 0, oauthException, "Invalid parameter", styleWhatsApp}, true
	case wabi.EOutsideWindow:
		return graphErrorSpec{400, 131047, 0, oauthException, "Re-engagement message", styleWhatsApp}, true
	case wabi.ENotOnWhatsApp:
		return graphErrorSpec{400, 131026, 0, oauthException, "Message Undeliverable", styleWhatsApp}, true
	case wabi.EMediaUpload:
		return graphErrorSpec{400, 131053, 0, oauthException, "Media upload error", styleWhatsApp}, true
	case wabi.ETemplateNotFound:
		return graphErrorSpec{404, 132001, 0, oauthException, "Template name does not exist in the translation", styleWhatsApp}, true
	case wabi.ETemplateParamCount:
		return graphErrorSpec{400, 132000, 0, oauthException, "Number of parameters does not match the expected number of params", styleWhatsApp}, true
	case wabi.ETemplateFormat:
		return graphErrorSpec{400, 132012, 0, oauthException, "Parameter format does not match format in the created template", styleWhatsApp}, true
	case wabi.ETemplateTextLength:
		return graphErrorSpec{400, 132005, 0, oauthException, "Template Hydrated Text Too Long", styleWhatsApp}, true
	case wabi.ETemplateParamText:
		return graphErrorSpec{400, 132018, 0, oauthException, "There was an issue with the parameters in your template.", styleWhatsApp}, true
	case wabi.ETemplatePaused:
		return graphErrorSpec{400, 132015, 0, oauthException, "Template is Paused", styleWhatsApp}, true
	case wabi.ETemplateDisabled:
		return graphErrorSpec{400, 132016, 0, oauthException, "Template is Disabled", styleWhatsApp}, true
	case wabi.ERateLimit:
		return graphErrorSpec{429, 130429, 0, oauthException, "Rate limit hit", styleWhatsApp}, true
	case wabi.EPairRateLimit:
		return graphErrorSpec{429, 131056, 0, oauthException, "(Business Account, Consumer Account) pair rate limit hit", styleWhatsApp}, true
	case wabi.ECallLimit:
		return graphErrorSpec{429, 80007, 0, oauthException, "Rate limit issues", styleWhatsApp}, true
	case wabi.ESpamLimit, wabi.EMessagingLimit:
		// Meta documents no code of its own for an exhausted messaging limit;
		// wabi answers it as the spam rate limit, with details that say which.
		return graphErrorSpec{429, 131048, 0, oauthException, "Spam rate limit hit", styleWhatsApp}, true
	case wabi.EThroughputUpgrade:
		return graphErrorSpec{503, 131057, 0, oauthException, "Account in maintenance mode", styleWhatsApp}, true
	case wabi.ERestricted:
		return graphErrorSpec{403, 368, 0, oauthException, "Temporarily blocked for policies violations", styleWhatsApp}, true
	case wabi.EMarketingCap:
		return graphErrorSpec{400, 131049, 0, oauthException, "This message was not delivered to maintain healthy ecosystem engagement.", styleWhatsApp}, true
	case wabi.EOptedOut:
		return graphErrorSpec{400, 131050, 0, oauthException, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", styleWhatsApp}, true
	case wabi.EExperiment:
		return graphErrorSpec{400, 130472, 0, oauthException, "User's number is part of an experiment", styleWhatsApp}, true
	case wabi.EUnavailable:
		return graphErrorSpec{503, 131016, 0, oauthException, "Service unavailable", styleWhatsApp}, true
	case wabi.EWebhookVerify:
		return graphErrorSpec{400, 2200, 0, oauthException, "Callback verification failed", stylePrefixed}, true
	case wabi.ENumberExists:
		return graphErrorSpec{400, 2388012, 0, oauthException, "This phone number already exists in your list of phone numbers", styleWhatsApp}, true
	case wabi.EVerifyCode:
		return graphErrorSpec{400, 136025, 0, oauthException, "Verify code error", styleWhatsApp}, true
	case wabi.ENotVerified:
		return graphErrorSpec{400, 133006, 0, oauthException, "Phone number re-verification needed", styleWhatsApp}, true
	case wabi.EPINMismatch:
		return graphErrorSpec{400, 133005, 0, oauthException, "Two step verification PIN Mismatch", styleWhatsApp}, true
	case wabi.EPINLocked:
		return graphErrorSpec{400, 133008, 0, oauthException, "Too Many two step verification PIN Guesses", styleWhatsApp}, true
	case wabi.EPINTooFast:
		return graphErrorSpec{400, 133009, 0, oauthException, "Two step verification PIN Guessed Too Fast", styleWhatsApp}, true
	case wabi.ERegisterLimit:
		return graphErrorSpec{429, 133016, 0, oauthException, "Account register deregister rate limit exceeded", styleWhatsApp}, true
	case wabi.EBackup:
		return graphErrorSpec{400, 133002, 0, oauthException, "Backup Buffer Decryption Error", styleWhatsApp}, true
	case wabi.EPasswordChange, wabi.EUserExists, wabi.ETemplateNamespace:
		// On-Premises only; the Cloud API never returns them.
		return graphErrorSpec{400, 100, 0, oauthException, "Invalid parameter", styleWhatsApp}, true
	case wabi.ETemplateExists:
		return graphErrorSpec{400, 100, 2388024, oauthException, "Content in This Language Already Exists", styleUserError}, true
	case wabi.ETemplateLimit:
		return graphErrorSpec{400, 100, 2388019, oauthException, "Message template limit exceeded", styleUserError}, true
	case wabi.ETemplateNotEditable:
		return graphErrorSpec{400, 100, 2388039, oauthException, "Message template status can't be changed", styleUserError}, true
	case wabi.ETemplateTooLong:
		return graphErrorSpec{400, 100, 2388040, oauthException, "Message template character limit exceeded", styleUserError}, true
	case wabi.ETemplateHeaderFormat:
		return graphErrorSpec{400, 100, 2388047, oauthException, "Message template header format is incorrect", styleUserError}, true
	case wabi.ETemplateBodyFormat:
		return graphErrorSpec{400, 100, 2388072, oauthException, "Message template body format is incorrect", styleUserError}, true
	case wabi.ETemplateFooterFormat:
		return graphErrorSpec{400, 100, 2388073, oauthException, "Message template footer format is incorrect", styleUserError}, true
	case wabi.ETemplateTooManyVars:
		return graphErrorSpec{400, 100, 2388293, oauthException, "Parameters words ratio exceeds limit", styleUserError}, true
	case wabi.ETemplateVarPosition:
		return graphErrorSpec{400, 100, 2388299, oauthException, "Variables can't be at the start or end of the template", styleUserError}, true
	}
	return graphErrorSpec{}, false
}

// internalDetails replaces the text of errors that are not the caller's fault:
// that text is for the log, not for the client.
const internalDetails = "An unknown error occurred. Please retry the request later."

// specFor returns the entry of code, falling back to EInternal for a code this
// table does not know (which the test prevents).
func specFor(code wabi.Code) graphErrorSpec {
	if s, ok := graphErrorFor(code); ok {
		return s
	}
	s, _ := graphErrorFor(wabi.EInternal)
	return s
}

// graphErrorBody is Graph's error envelope. The field order is Meta's.
type graphErrorBody struct {
	Error graphErrorFields `json:"error"`
}

type graphErrorFields struct {
	Message        string          `json:"message"`
	Type           string          `json:"type"`
	Code           int             `json:"code"`
	ErrorData      *graphErrorData `json:"error_data,omitempty"`
	ErrorSubcode   int             `json:"error_subcode,omitempty"`
	IsTransient    *bool           `json:"is_transient,omitempty"`
	ErrorUserTitle string          `json:"error_user_title,omitempty"`
	ErrorUserMsg   string          `json:"error_user_msg,omitempty"`
	FBTraceID      string          `json:"fbtrace_id"`
}

type graphErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

// writeError writes err as a Graph error envelope.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	e := wabi.AsError(err)
	if e == nil || (e.Code == wabi.EInternal && e.Meta == nil) {
		// A client that hung up is not a server error, and there is no one to answer.
		if r != nil && errors.Is(err, context.Canceled) && httplog.ClientGone(r) {
			return
		}
		if logger == nil {
			logger = slog.Default()
		}
		attrs := []any{"err", err}
		if r != nil {
			attrs = append(attrs, "method", r.Method, "path", r.URL.Path)
		}
		logger.Error("cloudapi: internal error", attrs...)
		e = &wabi.Error{Code: wabi.EInternal, Message: internalDetails}
	}
	if e.Meta != nil {
		writeMetaError(w, r, e)
		return
	}
	s := specFor(e.Code)
	if r != nil {
		httplog.SetError(r.Context(), e.Code, s.code)
	}
	body := graphErrorFields{
		Type:         s.typ,
		Code:         s.code,
		ErrorSubcode: s.subcode,
		FBTraceID:    traceID(),
	}
	switch s.style {
	case styleWhatsApp:
		body.Message = "(#" + strconv.Itoa(s.code) + ") " + s.title
		body.ErrorData = &graphErrorData{MessagingProduct: "whatsapp", Details: e.Message}
	case stylePrefixed:
		body.Message = "(#" + strconv.Itoa(s.code) + ") " + e.Message
	case styleFixed:
		body.Message = s.title
	case styleNotFound:
		body.Message = notFoundMessage(r)
	case styleUserError:
		transient := false
		body.Message = "Invalid parameter"
		body.IsTransient = &transient
		body.ErrorUserTitle, body.ErrorUserMsg = s.title, e.Message
	}
	codec.Write(w, s.status, graphErrorBody{Error: body})
}

// writeMetaError writes an error an upstream Graph API answered (e.Meta) as
// Meta numbered it, with its status when it is an error status, and e.Message
// as the details.
func writeMetaError(w http.ResponseWriter, r *http.Request, e *wabi.Error) {
	m := e.Meta
	status := m.Status
	if status < 400 || status > 599 {
		status = specFor(e.Code).status
	}
	if r != nil {
		httplog.SetError(r.Context(), e.Code, m.Code)
	}
	typ := m.Type
	if typ == "" {
		typ = oauthException
	}
	title := m.Title
	if title == "" {
		title = specFor(e.Code).title
	}
	body := graphErrorFields{
		Message:      "(#" + strconv.Itoa(m.Code) + ") " + title,
		Type:         typ,
		Code:         m.Code,
		ErrorSubcode: m.Subcode,
		FBTraceID:    traceID(),
	}
	if e.Message != "" {
		body.ErrorData = &graphErrorData{MessagingProduct: "whatsapp", Details: e.Message}
	}
	codec.Write(w, status, graphErrorBody{Error: body})
}

// DomainCode returns the domain code of Graph's error code and subcode
// (131047 → outside_window; 100 with subcode 2388024 → template_exists), for
// reading an upstream's errors. A code and subcode pair wabi answers itself
// wins; then the code alone, as CodeOf reads it.
func DomainCode(code, subcode int) (wabi.Code, bool) {
	if subcode != 0 {
		for _, c := range wabi.Codes() {
			if s, ok := graphErrorFor(c); ok && s.code == code && s.subcode == subcode {
				return c, true
			}
		}
	}
	return CodeOf(code)
}

// notFoundMessage is Graph's text for an object that does not exist or is not
// visible: it names the request method and the node id of the path.
func notFoundMessage(r *http.Request) string {
	method, id := "get", ""
	if r != nil {
		method = strings.ToLower(r.Method)
		segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(segs) > 0 && isGraphVersion(segs[0]) {
			segs = segs[1:]
		}
		if len(segs) > 0 {
			id = segs[0]
		}
	}
	return "Unsupported " + method + " request. Object with ID '" + id +
		"' does not exist, cannot be loaded due to missing permissions, or does not support this operation." +
		" Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
}

// webhookError is one entry of a failed status webhook's errors[] (or of a value's
// errors[]): title and message are the same, as Meta sends them.
type webhookError struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData *struct {
		Details string `json:"details"`
	} `json:"error_data,omitempty"`
	Href string `json:"href"`
}

// statusError returns the errors[] entry of a failed-status webhook for a domain
// error. A nil error reads as an internal failure.
func statusError(e *wabi.Error) webhookError {
	if e == nil {
		e = &wabi.Error{Code: wabi.EInternal, Message: internalDetails}
	}
	s := specFor(e.Code)
	if e.Meta != nil {
		s.code = e.Meta.Code
		if e.Meta.Title != "" {
			s.title = e.Meta.Title
		}
	}
	we := webhookError{Code: s.code, Title: s.title, Message: s.title, Href: errorCodesHref}
	if e.Message != "" {
		we.ErrorData = &struct {
			Details string `json:"details"`
		}{Details: e.Message}
	}
	return we
}

// traceID returns a random fbtrace_id: 23 characters of [A-Za-z0-9_-], as Graph's.
func traceID() string {
	// A trace id only tells requests apart in logs: it needs to be unique,
	// not secret, so the runtime's fast generator makes it, with no syscall.
	var b [18]byte
	binary.LittleEndian.PutUint64(b[0:], mrand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], mrand.Uint64())
	binary.LittleEndian.PutUint16(b[16:], uint16(mrand.Uint32()))
	var out [24]byte
	base64.RawURLEncoding.Encode(out[:], b[:])
	return string(out[:23])
}

// isGraphVersion reports whether a path segment is a Graph version such as v23.0.
func isGraphVersion(seg string) bool {
	rest, ok := strings.CutPrefix(seg, "v")
	if !ok {
		return false
	}
	major, minor, ok := strings.Cut(rest, ".")
	digits := func(s string) bool {
		return s != "" && strings.Trim(s, "0123456789") == ""
	}
	return ok && digits(major) && digits(minor)
}
