package onpremapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/wabihq/wabi/internal/httplog"
	"github.com/wabihq/wabi/internal/wabi"
)

// onpremError is how one domain code looks in the On-Premises API: the HTTP
// status of a synchronous answer, and the code and title of the errors[] item,
// which failed-status webhooks carry too.
type onpremError struct {
	status int
	code   int
	title  string
}

// errorFor returns how code looks in the On-Premises API, and false for a code it
// does not know; errors_test.go checks that every domain code is mapped. Codes
// and titles are the client's (1000s, 2000s and the WhatsApp server codes); Meta
// documents only a few HTTP statuses, so the rest follow the code's meaning.
func errorFor(code wabi.Code) (onpremError, bool) {
	switch code {
	case wabi.EInternal:
		return onpremError{500, 1000, "Generic error"}, true
	case wabi.EBadRequest:
		return onpremError{400, 1025, "Invalid Request"}, true
	case wabi.EInvalidParam, wabi.EInvalidValue, wabi.EUnsupportedType, wabi.EWebhookVerify,
		wabi.EVerifyCode, wabi.ENotVerified, wabi.EBackup:
		return onpremError{400, 1009, "Parameter value is not valid"}, true
	case wabi.ERequired:
		return onpremError{400, 1008, "Required parameter is missing"}, true
	case wabi.EUnauthenticated, wabi.EInvalidToken:
		return onpremError{401, 1005, "Access denied"}, true
	case wabi.EPermission, wabi.EWrongPlatform, wabi.EPINMismatch:
		return onpremError{403, 1005, "Access denied"}, true
	case wabi.ENotFound:
		return onpremError{404, 1006, "Resource not found"}, true
	case wabi.EConflict, wabi.ENumberExists:
		return onpremError{409, 1004, "Resource already exists"}, true
	case wabi.ERecipientIsSender:
		return onpremError{400, 1021, "Bad User"}, true
	case wabi.ENotRegistered:
		return onpremError{503, 1011, "Service not ready"}, true
	case wabi.EOutsideWindow:
		return onpremError{400, 470, "Message failed to send because more than 24 hours have passed since the customer last replied to this number"}, true
	case wabi.ENotOnWhatsApp:
		return onpremError{400, 1013, "User is not valid"}, true
	case wabi.EMediaUpload:
		return onpremError{400, 1014, "Internal error"}, true
	case wabi.ERateLimit:
		// The number's throughput: the WhatsApp server code the Cloud API's
		// 130429 comes from.
		return onpremError{429, 429, "Rate limit hit"}, true
	case wabi.EPairRateLimit, wabi.ECallLimit, wabi.EPINLocked, wabi.EPINTooFast, wabi.ERegisterLimit:
		return onpremError{429, 1015, "Too many requests"}, true
	case wabi.ESpamLimit, wabi.EMessagingLimit:
		return onpremError{429, 471, "Spam rate limit hit"}, true
	case wabi.EThroughputUpgrade:
		return onpremError{503, 1011, "Service not ready"}, true
	case wabi.EUnavailable:
		return onpremError{503, 1016, "System overloaded"}, true
	case wabi.ERestricted:
		return onpremError{403, 1031, "Sender account has been locked"}, true
	case wabi.EMarketingCap, wabi.EOptedOut:
		// The client has no code of its own for marketing caps and opt-outs.
		return onpremError{400, 1026, "Receiver Incapable"}, true
	case wabi.EExperiment:
		return onpremError{400, 472, "User's number is part of an experiment"}, true
	case wabi.ETemplateNotFound:
		return onpremError{404, 2001, "Template Missing"}, true
	case wabi.ETemplateParamCount:
		return onpremError{400, 2000, "Template Param Count Mismatch"}, true
	case wabi.ETemplateFormat:
		return onpremError{400, 2012, "Template Parameter Format Mismatch"}, true
	case wabi.ETemplateTextLength:
		return onpremError{400, 2005, "Template Hydrated Text Too Long"}, true
	case wabi.ETemplateParamText:
		return onpremError{400, 2006, "Template White Space Policy Violated"}, true
	case wabi.ETemplatePaused:
		return onpremError{400, 2061, "Template Paused"}, true
	case wabi.ETemplateDisabled:
		return onpremError{400, 2062, "Template Disabled"}, true
	case wabi.ETemplateNamespace:
		return onpremError{400, 2014, "Expected Namespace is Empty"}, true
	case wabi.EPasswordChange:
		return onpremError{401, 1024, "Password Change Required"}, true
	case wabi.EUserExists:
		return onpremError{409, 1014, "Internal error"}, true
	case wabi.ETemplateExists, wabi.ETemplateLimit, wabi.ETemplateNotEditable, wabi.ETemplateTooLong,
		wabi.ETemplateHeaderFormat, wabi.ETemplateBodyFormat, wabi.ETemplateFooterFormat,
		wabi.ETemplateTooManyVars, wabi.ETemplateVarPosition:
		// Template management is a Cloud API (Graph) matter; the client never
		// answers these, but a shared rule may.
		return onpremError{400, 1009, "Parameter value is not valid"}, true
	}
	return onpremError{}, false
}

// specFor returns the entry of code, falling back to EInternal.
func specFor(code wabi.Code) onpremError {
	if s, ok := errorFor(code); ok {
		return s
	}
	s, _ := errorFor(wabi.EInternal)
	return s
}

// internalDetails replaces the text of errors that are not the caller's fault.
const internalDetails = "An unknown error occurred. Please retry the request later."

// errorsHref is where error items point for the meaning of their code.
const errorsHref = "https://developers.facebook.com/docs/whatsapp/api/errors"

// ErrorItem is one entry of an errors[] array, in answers and in webhooks.
type ErrorItem struct {
	Code    int    `json:"code"`
	Title   string `json:"title"`
	Details string `json:"details,omitempty"`
	Href    string `json:"href,omitempty"`
}

// errorItem renders a domain error as an errors[] entry.
func errorItem(e *wabi.Error) ErrorItem {
	s := specFor(e.Code)
	details := e.Message
	if e.Code == wabi.EInternal && e.Meta == nil {
		details = internalDetails
	}
	if m := e.Meta; m != nil {
		// An upstream's error keeps Meta's number, which the client's error
		// list shares with the Cloud API's (131047, 131026, ...).
		s.code = m.Code
		if m.Title != "" {
			s.title = m.Title
		}
	}
	return ErrorItem{Code: s.code, Title: s.title, Details: details, Href: errorsHref}
}

// writeError writes err in the client's envelope: {"errors":[...],"meta":{...}}.
// Errors that are not domain errors are logged and answered as 1000.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := wabi.AsError(err)
	if e == nil || (e.Code == wabi.EInternal && e.Meta == nil) {
		// A client that hung up is not a server error, and there is no one to answer.
		if r != nil && errors.Is(err, context.Canceled) && httplog.ClientGone(r) {
			return
		}
		attrs := []any{"err", err}
		if r != nil {
			attrs = append(attrs, "method", r.Method, "path", r.URL.Path)
		}
		a.logger().Error("onpremapi: internal error", attrs...)
		e = &wabi.Error{Code: wabi.EInternal}
	}
	s := specFor(e.Code)
	item := errorItem(e)
	if r != nil {
		httplog.SetError(r.Context(), e.Code, item.Code)
	}
	a.writeJSON(w, s.status, struct {
		Errors []ErrorItem `json:"errors"`
	}{[]ErrorItem{item}})
}
