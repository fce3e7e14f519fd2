package wabi

import (
	"errors"
	"fmt"
)

// Code is a domain error code. The set is closed: every dialect maps each code to its
// own HTTP status and error body in its errors.go.
type Code string

// Error codes. The comment after each says when it is used.
const (
	EInternal           Code = "internal"             // anything that is not the caller's fault
	EBadRequest         Code = "bad_request"          // malformed request (bad JSON, wrong content type, missing product)
	EInvalidParam       Code = "invalid_parameter"    // over-length, bad enum, both id and link, too many items
	ERequired           Code = "required_parameter"   // a required field is absent
	EInvalidValue       Code = "invalid_value"        // a value is not valid (bad phone number, unknown wamid)
	EUnauthenticated    Code = "unauthenticated"      // no access token
	EInvalidToken       Code = "invalid_token"        // token unknown or revoked
	EPermission         Code = "permission"           // token lacks the scope or the WABA
	ENotFound           Code = "not_found"            // object does not exist or is not visible to the caller
	EConflict           Code = "conflict"             // already exists
	EUnsupportedType    Code = "unsupported_type"     // unknown message type
	ERecipientIsSender  Code = "recipient_is_sender"  // to == the sending number
	ENotRegistered      Code = "not_registered"       // number not registered, cannot send
	EWrongPlatform      Code = "wrong_platform"       // number is served by the other API
	EOutsideWindow      Code = "outside_window"       // free-form message outside the 24-hour window
	ENotOnWhatsApp      Code = "not_on_whatsapp"      // recipient cannot receive WhatsApp messages
	EMediaUpload        Code = "media_upload"         // outbound media unusable (unfetchable link, bad type)
	ETemplateNotFound   Code = "template_not_found"   // unknown name/language or not approved
	ETemplateParamCount Code = "template_param_count" // parameter count differs from the template's
	ETemplateFormat     Code = "template_format"      // parameter type differs from the template's
	ETemplateTextLength Code = "template_text_length" // hydrated text too long
	ETemplateParamText  Code = "template_param_text"  // newline, tab or >4 spaces in a text parameter
	ETemplatePaused     Code = "template_paused"      // template paused
	ETemplateDisabled   Code = "template_disabled"    // template disabled
	ERateLimit          Code = "rate_limit"           // the number's throughput (messages per second) exceeded
	EWebhookVerify      Code = "webhook_verify"       // the callback URL failed the hub.challenge handshake

	// Template management (create, edit): Meta's 2388xxx family.
	ETemplateExists       Code = "template_exists"        // a template of that name and language exists
	ETemplateLimit        Code = "template_limit"         // the WABA has as many template names as it may
	ETemplateNotEditable  Code = "template_not_editable"  // the template's status or edit quota forbids the edit
	ETemplateTooLong      Code = "template_too_long"      // a field of the template exceeds its character limit
	ETemplateHeaderFormat Code = "template_header_format" // the HEADER component is malformed
	ETemplateBodyFormat   Code = "template_body_format"   // the BODY component is malformed
	ETemplateFooterFormat Code = "template_footer_format" // the FOOTER component is malformed
	ETemplateTooManyVars  Code = "template_too_many_vars" // too many variables for the length of the text
	ETemplateVarPosition  Code = "template_var_position"  // a variable starts or ends the body text
)

// Error codes of phone number registration and ownership verification.
const (
	ENumberExists  Code = "number_exists"  // the phone number was already added
	EVerifyCode    Code = "verify_code"    // ownership code wrong, expired or never requested
	ENotVerified   Code = "not_verified"   // register before the number's ownership is verified
	EPINMismatch   Code = "pin_mismatch"   // two-step verification PIN differs from the number's
	EPINLocked     Code = "pin_locked"     // too many wrong PINs: wait before trying again
	EPINTooFast    Code = "pin_too_fast"   // a PIN tried again too soon after a wrong one
	ERegisterLimit Code = "register_limit" // more than 10 register/deregister calls in 72 hours
	EBackup        Code = "backup"         // an On-Premises backup cannot be decrypted or is of another number
)

// Error codes of the On-Premises API's deployments.
const (
	EPasswordChange    Code = "password_change"    // the default admin password must be changed at first login
	EUserExists        Code = "user_exists"        // a deployment user of that name exists
	ETemplateNamespace Code = "template_namespace" // an On-Premises template send without its namespace
)

// Error codes of Meta's limits, quality rules and the failures a fault injects.
const (
	EPairRateLimit     Code = "pair_rate_limit"    // too many messages from one number to one customer
	ECallLimit         Code = "call_limit"         // too many management calls by an app on a WABA in an hour
	ESpamLimit         Code = "spam_limit"         // business-initiated sending stopped: the number's quality is low
	EMessagingLimit    Code = "messaging_limit"    // the portfolio reached its unique-customer tier for 24 hours
	EThroughputUpgrade Code = "throughput_upgrade" // the number is moving to a higher throughput: try again in a minute
	ERestricted        Code = "restricted"         // the account is restricted from business-initiated messaging
	EMarketingCap      Code = "marketing_cap"      // the customer got enough marketing messages (healthy ecosystem)
	EOptedOut          Code = "opted_out"          // the customer stopped marketing messages
	EExperiment        Code = "experiment"         // the customer is in a marketing hold-out experiment
	EUnavailable       Code = "unavailable"        // temporarily unavailable: retry
)

// Codes returns every error code, for tests that check each dialect maps them all.
func Codes() []Code {
	return []Code{EInternal, EBadRequest, EInvalidParam, ERequired, EInvalidValue, EUnauthenticated,
		EInvalidToken, EPermission, ENotFound, EConflict, EUnsupportedType, ERecipientIsSender,
		ENotRegistered, EWrongPlatform, EOutsideWindow, ENotOnWhatsApp, EMediaUpload, ETemplateNotFound,
		ETemplateParamCount, ETemplateFormat, ETemplateTextLength, ETemplateParamText, ETemplatePaused,
		ETemplateDisabled, ERateLimit, EWebhookVerify,
		ENumberExists, EVerifyCode, ENotVerified, EPINMismatch, EPINLocked, EPINTooFast, ERegisterLimit, EBackup,
		EPasswordChange, EUserExists, ETemplateNamespace,
		ETemplateExists, ETemplateLimit, ETemplateNotEditable, ETemplateTooLong, ETemplateHeaderFormat,
		ETemplateBodyFormat, ETemplateFooterFormat, ETemplateTooManyVars, ETemplateVarPosition,
		EPairRateLimit, ECallLimit, ESpamLimit, EMessagingLimit, EThroughputUpgrade, ERestricted,
		EMarketingCap, EOptedOut, EExperiment, EUnavailable}
}

// Error is wabi's one error type. Message is written for the developer who sent the
// request and names the offending parameter when there is one.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// Meta, when set, is the error as Meta's Graph API numbered it: an
	// upstream's answer on the relay. The dialects answer with its number
	// rather than their own for Code.
	Meta *MetaError `json:"meta,omitempty"`
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("wabi: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else EInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		if e == nil {
			return ""
		}
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
