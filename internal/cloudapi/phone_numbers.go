package cloudapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// phoneNodeType is the Graph type of a business phone number, as errors name it.
const phoneNodeType = "WhatsAppBusinessPhoneNumber"

// phoneDefaultFields are what a read without fields returns (spec §5.1).
var phoneDefaultFields = []string{"verified_name", "code_verification_status", "display_phone_number",
	"quality_rating", "platform_type", "throughput", "id"}

// phoneFields are the fields of a phone number wabi serves. The simulated SIM's
// pending code is not one of them: only the control API shows it.
var phoneFields = []string{"id", "display_phone_number", "verified_name", "quality_rating", "quality_score",
	"code_verification_status", "name_status", "new_name_status", "status", "platform_type", "throughput",
	"messaging_limit_tier", "whatsapp_business_manager_messaging_limit", "account_mode", "is_pin_enabled",
	"is_official_business_account", "is_on_biz_app", "is_preverified_number", "search_visibility",
	"certificate", "last_onboarded_time", "country_code", "country_dial_code", "webhook_configuration",
	"health_status"}

// Page sizes of GET /{waba-id}/phone_numbers.
const (
	phoneDefaultLimit = 25
	phoneMaxLimit     = 100
)

// graphTime is how Graph writes times in fields such as last_onboarded_time.
const graphTime = "2006-01-02T15:04:05-0700"

// handleListPhoneNumbers lists a WABA's numbers with Graph's fields, filtering,
// sorting and cursor paging.
func (a *API) handleListPhoneNumbers(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	fields, err := nodeFieldNames(r, phoneFields, phoneDefaultFields, phoneNodeType)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	match, err := phoneFilter(q.Get("filtering"))
	if err != nil {
		return err
	}
	nums, err := a.p.PhoneNumbers(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	nums = slices.DeleteFunc(nums, func(pn *wabi.PhoneNumber) bool { return !match(pn) })
	if err := sortPhones(nums, q.Get("sort")); err != nil {
		return err
	}
	page, paging, err := pageNodes(r, a.baseURL(r), nums, func(pn *wabi.PhoneNumber) string { return pn.ID })
	if err != nil {
		return err
	}
	out := nodeList{Data: []nodeObject{}, Paging: paging}
	for _, pn := range page {
		obj, err := a.phoneObject(r, c, pn, fields)
		if err != nil {
			return err
		}
		out.Data = append(out.Data, obj)
	}
	codec.Write(w, http.StatusOK, out)
	return nil
}

// getPhoneNumber reads one number (GET /{phone-number-id}?fields=).
func (a *API) getPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	fields, err := nodeFieldNames(r, phoneFields, phoneDefaultFields, phoneNodeType)
	if err != nil {
		return err
	}
	pn, err := a.p.PhoneNumber(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	obj, err := a.phoneObject(r, c, pn, fields)
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, obj)
	return nil
}

// phoneObject renders the requested fields of a number, in the order asked,
// with id last when it was not asked for: Graph always returns a node's id.
func (a *API) phoneObject(r *http.Request, c platform.Caller, pn *wabi.PhoneNumber, fields []string) (nodeObject, error) {
	obj := make(nodeObject, 0, len(fields)+1)
	for _, f := range fields {
		v, err := a.phoneValue(r, c, pn, f)
		if err != nil {
			return nil, err
		}
		obj = append(obj, nodeEntry{f, v})
	}
	if !slices.Contains(fields, "id") {
		obj = append(obj, nodeEntry{"id", pn.ID})
	}
	return obj, nil
}

// phoneValue is one field of a number as Graph shows it. A number that is not
// registered is on no platform yet, whatever platform it was added for.
func (a *API) phoneValue(r *http.Request, c platform.Caller, pn *wabi.PhoneNumber, field string) (any, error) {
	switch field {
	case "webhook_configuration":
		app, waba, err := a.p.NumberWebhooks(r.Context(), c, pn)
		if err != nil {
			return nil, err
		}
		cfg := nodeObject{}
		if app != "" {
			cfg = append(cfg, nodeEntry{"application", app})
		}
		if waba != "" {
			cfg = append(cfg, nodeEntry{"whatsapp_business_account", waba})
		}
		return cfg, nil
	case "messaging_limit_tier", "whatsapp_business_manager_messaging_limit":
		// The limit is the business's, shared by its numbers.
		tier, err := a.p.NumberTier(r.Context(), pn)
		if err != nil {
			return nil, err
		}
		n := *pn
		n.MessagingLimit = tier
		return phoneFact(&n, field), nil
	case "last_onboarded_time":
		if t, ok := platform.LastOnboarded(pn); ok {
			return t.UTC().Format(graphTime), nil
		}
		return nil, nil
	}
	return phoneFact(pn, field), nil
}

// phoneFact is a field of a number that depends on the number alone.
func phoneFact(pn *wabi.PhoneNumber, field string) any {
	canSend := "AVAILABLE"
	if !pn.Registered {
		canSend = "BLOCKED"
	}
	switch field {
	case "id":
		return pn.ID
	case "display_phone_number":
		return formatNumber(pn.DisplayPhoneNumber)
	case "verified_name":
		return pn.VerifiedName
	case "quality_rating":
		return pn.QualityRating
	case "quality_score":
		return nodeObject{{"score", pn.QualityRating}}
	case "code_verification_status":
		return pn.CodeVerificationStatus
	case "name_status":
		return pn.NameStatus
	case "new_name_status":
		return "NONE"
	case "status":
		return platform.NumberStatus(pn)
	case "platform_type":
		if !pn.Registered {
			return wabi.PlatformNotSet
		}
		return pn.Platform
	case "throughput":
		return nodeObject{{"level", pn.Throughput}}
	case "messaging_limit_tier":
		// The per-number tiers before October 2025 had 1K where the
		// portfolio tiers have 2K.
		if pn.MessagingLimit == "TIER_2K" {
			return "TIER_1K"
		}
		return pn.MessagingLimit
	case "whatsapp_business_manager_messaging_limit":
		return pn.MessagingLimit
	case "account_mode":
		return "LIVE"
	case "is_pin_enabled":
		return pn.PINHash != ""
	case "is_official_business_account", "is_on_biz_app", "is_preverified_number":
		return false
	case "search_visibility":
		return "VISIBLE"
	case "certificate":
		return base64.StdEncoding.EncodeToString([]byte("wabi display name certificate\n" + pn.ID + "\n" + pn.VerifiedName))
	case "country_code":
		region, _ := numberRegion(pn.DisplayPhoneNumber)
		return region
	case "country_dial_code":
		_, cc := numberRegion(pn.DisplayPhoneNumber)
		return cc
	case "health_status":
		return nodeObject{{"can_send_message", canSend}, {"entities", []nodeObject{{
			{"entity_type", "PHONE_NUMBER"}, {"id", pn.ID}, {"can_send_message", canSend}}}}}
	}
	return nil
}

// formatNumber writes a number as Graph's display_phone_number does:
// "+1 555-000-1000". Digits it cannot parse are shown with a plus.
func formatNumber(digits string) string {
	num, err := phonenumbers.Parse("+"+digits, "ZZ")
	if err != nil {
		return "+" + digits
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// numberRegion returns a number's country ("US") and calling code ("1").
// Fictional numbers such as +1 555 belong to their calling code's main country.
func numberRegion(digits string) (region, cc string) {
	num, err := phonenumbers.Parse("+"+digits, "ZZ")
	if err != nil {
		return "", ""
	}
	code := int(num.GetCountryCode())
	region = phonenumbers.GetRegionCodeForNumber(num)
	if region == "" || region == "ZZ" {
		region = phonenumbers.GetRegionCodeForCountryCode(code)
	}
	return region, strconv.Itoa(code)
}

// phoneFilter reads the filtering parameter of the list: a JSON array of
// {"field","operator","value"}, every one of which a number must match.
// Operators are EQUAL, NOT_EQUAL, IN and NOT_IN (IN's value is an array).
func phoneFilter(raw string) (func(*wabi.PhoneNumber) bool, error) {
	if strings.TrimSpace(raw) == "" {
		return func(*wabi.PhoneNumber) bool { return true }, nil
	}
	var conds []struct {
		Field    string          `json:"field"`
		Operator string          `json:"operator"`
		Value    json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(raw), &conds); err != nil {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param filtering must be a JSON array of {\"field\",\"operator\",\"value\"} objects.")
	}
	type cond struct {
		field  string
		negate bool
		values []string
	}
	var cs []cond
	for i, f := range conds {
		if f.Field == "webhook_configuration" || f.Field == "last_onboarded_time" || !slices.Contains(phoneFields, f.Field) {
			return nil, wabi.Errorf(wabi.EInvalidParam, "Param filtering[%d]: cannot filter on field %q.", i, f.Field)
		}
		var values []string
		op := strings.ToUpper(f.Operator)
		switch op {
		case "EQUAL", "NOT_EQUAL":
			var v any
			if err := json.Unmarshal(f.Value, &v); err != nil {
				return nil, wabi.Errorf(wabi.EInvalidParam, "Param filtering[%d]['value'] is required.", i)
			}
			values = []string{filterString(v)}
		case "IN", "NOT_IN":
			var vs []any
			if err := json.Unmarshal(f.Value, &vs); err != nil {
				return nil, wabi.Errorf(wabi.EInvalidParam, "Param filtering[%d]['value'] must be an array for %s.", i, op)
			}
			for _, v := range vs {
				values = append(values, filterString(v))
			}
		default:
			return nil, wabi.Errorf(wabi.EInvalidParam, "Param filtering[%d]['operator'] must be EQUAL, NOT_EQUAL, IN or NOT_IN, not %q.", i, f.Operator)
		}
		cs = append(cs, cond{f.Field, strings.HasPrefix(op, "NOT_"), values})
	}
	return func(pn *wabi.PhoneNumber) bool {
		for _, c := range cs {
			v := phoneFact(pn, c.field)
			if o, ok := v.(nodeObject); ok && len(o) == 1 {
				v = o[0].Value // throughput and quality_score compare by their one value
			}
			if slices.Contains(c.values, filterString(v)) == c.negate {
				return false
			}
		}
		return true
	}, nil
}

// filterString is how a field value and a filter value compare.
func filterString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case wabi.Platform:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// sortPhones orders the list by the sort parameter: creation_time or
// last_onboarded_time, .asc or .desc. The store's order (oldest first) is the
// default.
func sortPhones(nums []*wabi.PhoneNumber, sort string) error {
	sort = strings.Trim(strings.TrimSpace(sort), `[]"`)
	if sort == "" {
		return nil
	}
	key, dir, _ := strings.Cut(sort, ".")
	desc := dir == "desc"
	if dir != "asc" && dir != "desc" || (key != "creation_time" && key != "last_onboarded_time") {
		return wabi.Errorf(wabi.EInvalidParam, "Param sort must be creation_time or last_onboarded_time followed by .asc or .desc, not %q.", sort)
	}
	slices.SortStableFunc(nums, func(x, y *wabi.PhoneNumber) int {
		tx, ty := x.CreatedAt, y.CreatedAt
		if key == "last_onboarded_time" {
			tx, _ = platform.LastOnboarded(x)
			ty, _ = platform.LastOnboarded(y)
		}
		if desc {
			return ty.Compare(tx)
		}
		return tx.Compare(ty)
	})
	return nil
}

// postPhoneNumber changes a number's settings (POST /{phone-number-id}): its
// two-step verification PIN.
func (a *API) postPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	for k := range ps {
		switch k {
		case "pin", "access_token", "messaging_product":
		case "webhook_configuration":
			return wabi.Errorf(wabi.EInvalidParam, "Param webhook_configuration is not supported on a phone number: set override_callback_uri with POST /{waba-id}/subscribed_apps instead.")
		default:
			return wabi.Errorf(wabi.EInvalidParam, "Param %s is not a setting of a phone number that wabi supports; it takes pin.", k)
		}
	}
	if err := a.p.SetPIN(r.Context(), c, r.PathValue("id"), ps["pin"]); err != nil {
		return err
	}
	return success(w)
}

// handleAddPhoneNumber adds a number to a WABA (POST /{waba-id}/phone_numbers).
func (a *API) handleAddPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	for _, k := range []string{"cc", "phone_number", "verified_name"} {
		if ps[k] == "" {
			return wabi.Errorf(wabi.EBadRequest, "The parameter %s is required.", k)
		}
	}
	pn, err := a.p.AddPhoneNumber(r.Context(), c, platform.AddNumber{
		WABAID: r.PathValue("id"), CC: ps["cc"], PhoneNumber: ps["phone_number"], VerifiedName: ps["verified_name"],
		Migrate: ps["migrate_phone_number"] == "true",
	})
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, idResponse{ID: pn.ID})
	return nil
}

// handleRequestCode sends an ownership code to the number's simulated SIM.
func (a *API) handleRequestCode(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	if err := a.p.RequestCode(r.Context(), c, r.PathValue("id"), ps["code_method"], ps["language"]); err != nil {
		return err
	}
	return success(w)
}

// handleVerifyCode checks the ownership code.
func (a *API) handleVerifyCode(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	if err := a.p.VerifyCode(r.Context(), c, r.PathValue("id"), ps["code"]); err != nil {
		return err
	}
	return success(w)
}

// handleRegister registers a number on the Cloud API.
func (a *API) handleRegister(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	if ps["messaging_product"] != "whatsapp" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter messaging_product is required.")
	}
	backup, err := backupParam(ps)
	if err != nil {
		return err
	}
	if err := a.p.Register(r.Context(), c, r.PathValue("id"), platform.Registration{
		Via: wabi.PlatformCloud, PIN: ps["pin"], DataLocalizationRegion: ps["data_localization_region"], Backup: backup,
	}); err != nil {
		return err
	}
	return success(w)
}

// backupParam reads the backup object of a migrating register call; nil if
// there is none.
func backupParam(ps map[string]string) (*platform.Backup, error) {
	raw, ok := ps["backup"]
	if !ok {
		return nil, nil
	}
	var b struct {
		Data     string `json:"data"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param backup must be an object {data, password}.")
	}
	return &platform.Backup{Data: b.Data, Password: b.Password}, nil
}

// handleDeregister takes a number off the Cloud API.
func (a *API) handleDeregister(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := a.p.Deregister(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	return success(w)
}
