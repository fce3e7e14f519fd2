package cloudapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/platform"
)

// usageHeader is the header in which Graph reports how much of its
// business-use-case call limits an app used (spec §9.3).
const usageHeader = "X-Business-Use-Case-Usage"

// managementCalls are the routes whose calls count against the hourly limit
// of an app on a WABA: the WABA-management edges of spec §9.3 (the WABA, its
// numbers, templates and subscribed apps; a number node; a template node).
// Sends, media, registration, profiles and uploads have limits of their own.
var managementCalls = map[string]bool{
	"GET /{id}":                      true,
	"POST /{id}":                     true,
	"GET /{id}/message_templates":    true,
	"POST /{id}/message_templates":   true,
	"DELETE /{id}/message_templates": true,
	"GET /{id}/phone_numbers":        true,
	"POST /{id}/phone_numbers":       true,
	"GET /{id}/subscribed_apps":      true,
	"POST /{id}/subscribed_apps":     true,
	"DELETE /{id}/subscribed_apps":   true,
}

// meter applies the management call limit to a request whose node is a WABA,
// a number or a template of the caller's business, and sets the usage
// header on the answer, whether the call is counted (a management edge),
// only read (any other edge of such a node) or refused (80007). Requests on
// other nodes, and the operator's, carry no header.
func (a *API) meter(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	id := r.PathValue("id")
	if !numericSegment.MatchString(id) {
		return nil
	}
	u, err := a.p.MeterCall(r.Context(), c, id, managementCalls[r.Pattern])
	if u != nil {
		w.Header()[usageHeader] = []string{usageValue(u)} // the key is canonical
	}
	return err
}

// businessUseCase is one entry of the usage header: percentages of the limit,
// and minutes until calls are allowed again. wabi meters calls, not CPU or
// time, so those two read 0.
type businessUseCase struct {
	Type                        string `json:"type"`
	CallCount                   int    `json:"call_count"`
	TotalCPUTime                int    `json:"total_cputime"`
	TotalTime                   int    `json:"total_time"`
	EstimatedTimeToRegainAccess int    `json:"estimated_time_to_regain_access"`
}

// usageValue is the header's JSON: the WABA's id to its use cases.
func usageValue(u *platform.CallUsage) string {
	regain := time.Duration(u.RetryAfter)
	minutes := int((regain + time.Minute - 1) / time.Minute)
	if !numericSegment.MatchString(u.WABAID) {
		// An id that might need escaping takes the general road.
		b, _ := json.Marshal(map[string][]businessUseCase{u.WABAID: {{
			Type:                        "whatsapp_business_management",
			CallCount:                   u.Percent(),
			EstimatedTimeToRegainAccess: minutes,
		}}})
		return string(b)
	}
	// Every metered request writes this header: the same bytes json.Marshal
	// writes, without its reflection.
	b := make([]byte, 0, 192)
	b = append(b, `{"`...)
	b = append(b, u.WABAID...)
	b = append(b, `":[{"type":"whatsapp_business_management","call_count":`...)
	b = strconv.AppendInt(b, int64(u.Percent()), 10)
	b = append(b, `,"total_cputime":0,"total_time":0,"estimated_time_to_regain_access":`...)
	b = strconv.AppendInt(b, int64(minutes), 10)
	b = append(b, "}]}"...)
	return string(b)
}
