package controlapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/wabi"
)

// valueError is one error of an out-of-band errors webhook, as the control API
// takes it: the code as the Cloud API numbers it (130429) or as wabi names it
// ("rate_limit"), and the details a receiver reads.
type valueError struct {
	Code    json.RawMessage `json:"code"`
	Details string          `json:"details"`
}

// handleReportErrors sends a business number's receivers an errors webhook:
// problems of the number not tied to one message.
func (a *API) handleReportErrors(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := a.Platform.BusinessNumberID(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	var body struct {
		Errors []valueError `json:"errors"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	errs := make([]*wabi.Error, len(body.Errors))
	for i, ve := range body.Errors {
		code, err := errorCodeOf(ve.Code, i)
		if err != nil {
			return err
		}
		if ve.Details == "" {
			return wabi.Errorf(wabi.ERequired, "Param errors[%d]['details'] is required.", i)
		}
		errs[i] = &wabi.Error{Code: code, Message: ve.Details}
	}
	if err := a.Platform.ReportErrors(ctx, id, errs); err != nil {
		return err
	}
	return a.respond(w, r, http.StatusAccepted, map[string]any{"phone_number_id": id, "errors": len(errs)})
}

// errorCodeOf reads an error code given as the Cloud API's number or as a
// domain code's name.
func errorCodeOf(raw json.RawMessage, i int) (wabi.Code, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", wabi.Errorf(wabi.ERequired, "Param errors[%d]['code'] is required.", i)
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		if c, ok := cloudapi.CodeOf(n); ok {
			return c, nil
		}
		return "", wabi.Errorf(wabi.EInvalidValue, "Param errors[%d]['code'] %d is not a Cloud API error code wabi knows.", i, n)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && slices.Contains(wabi.Codes(), wabi.Code(s)) {
		return wabi.Code(s), nil
	}
	return "", wabi.Errorf(wabi.EInvalidValue, "Param errors[%d]['code'] must be a Cloud API code such as 130429 or a wabi code such as \"rate_limit\" (got %s).", i, raw)
}
