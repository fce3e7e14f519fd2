package scenario

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// The control API's objects, as far as the applier reads them.
type (
	apiBusiness struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	// apiMessagingLimit is a business's tier and verification.
	apiMessagingLimit struct {
		Tier     string `json:"messaging_limit"`
		Verified bool   `json:"verified"`
	}
	apiWABA struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	apiNumber struct {
		ID           string `json:"id"`
		WABAID       string `json:"waba_id"`
		Display      string `json:"display_phone_number"`
		VerifiedName string `json:"verified_name"`
		PlatformType string `json:"platform_type"`
		Registered   bool   `json:"registered"`
	}
	apiApp struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		Secret      string   `json:"secret"`
		CallbackURL string   `json:"callback_url"`
		VerifyToken string   `json:"verify_token"`
		Fields      []string `json:"fields"`
		APIVersion  string   `json:"api_version"`
	}
	apiToken struct {
		Token      string   `json:"token"`
		BusinessID string   `json:"business_id"`
		AppID      string   `json:"app_id"`
		Name       string   `json:"name"`
		WABAIDs    []string `json:"waba_ids"`
		Scopes     []string `json:"scopes"`
	}
	apiTemplate struct {
		ID           string                   `json:"id"`
		Name         string                   `json:"name"`
		Language     string                   `json:"language"`
		Category     string                   `json:"category"`
		Status       string                   `json:"status"`
		Components   []wabi.TemplateComponent `json:"components"`
		QualityScore string                   `json:"quality_score"`
	}
	apiSubscription struct {
		App struct {
			ID string `json:"id"`
		} `json:"app"`
	}
)

// tenancy applies the businesses and all they hold.
func (r *run) tenancy(s *Scenario) error {
	if len(s.Businesses) == 0 {
		return nil
	}
	businesses, err := getList[apiBusiness](r, "/api/businesses")
	if err != nil {
		return r.fail("businesses", "", err)
	}
	numbers, err := getList[apiNumber](r, "/api/phone_numbers")
	if err != nil {
		return r.fail("businesses", "", err)
	}
	byDigits := map[string]apiNumber{}
	for _, n := range numbers {
		byDigits[n.Display] = n
	}
	tokens, err := getList[apiToken](r, "/api/tokens")
	if err != nil {
		return r.fail("businesses", "", err)
	}
	byValue := map[string]apiToken{}
	for _, t := range tokens {
		byValue[t.Token] = t
	}
	for i, b := range s.Businesses {
		path := fmt.Sprintf("businesses[%d]", i)
		res, err := r.business(path, b, businesses, byDigits, byValue)
		if err != nil {
			return err
		}
		r.res.Businesses = append(r.res.Businesses, *res)
	}
	return nil
}

func (r *run) business(path string, b Business, all []apiBusiness, numbers map[string]apiNumber, tokens map[string]apiToken) (*BusinessResult, error) {
	item := "business " + b.Name
	var cur *apiBusiness
	for i := range all {
		if all[i].Name == b.Name {
			cur = &all[i]
			break
		}
	}
	if cur == nil {
		cur = &apiBusiness{}
		if err := r.call(r.ctx, http.MethodPost, "/api/businesses", map[string]string{"name": b.Name}, cur, nil); err != nil {
			return nil, r.fail(path, item, err)
		}
		r.changed("created business %s (%s)", b.Name, cur.ID)
	}
	res := &BusinessResult{Name: b.Name, ID: cur.ID, WABAs: []WABAResult{}, Apps: []AppResult{}, Tokens: []TokenResult{}}
	if err := r.standing(path, item, cur.ID, b); err != nil {
		return nil, err
	}

	wabas, err := getList[apiWABA](r, "/api/wabas?business_id="+url.QueryEscape(cur.ID))
	if err != nil {
		return nil, r.fail(path, item, err)
	}
	wabaIDs := map[string]string{}
	for j, w := range b.WABAs {
		wres, err := r.waba(fmt.Sprintf("%s.wabas[%d]", path, j), cur.ID, w, wabas, numbers)
		if err != nil {
			return nil, err
		}
		wabaIDs[w.Name] = wres.ID
		res.WABAs = append(res.WABAs, *wres)
	}

	apps, err := getList[apiApp](r, "/api/apps?business_id="+url.QueryEscape(cur.ID))
	if err != nil {
		return nil, r.fail(path, item, err)
	}
	appIDs := map[string]string{}
	for j, a := range b.Apps {
		ares, err := r.app(fmt.Sprintf("%s.apps[%d]", path, j), cur.ID, a, apps, wabaIDs)
		if err != nil {
			return nil, err
		}
		appIDs[a.Name] = ares.ID
		res.Apps = append(res.Apps, *ares)
	}

	var mine []apiToken
	for _, t := range tokens {
		if t.BusinessID == cur.ID {
			mine = append(mine, t)
		}
	}
	for j, t := range b.Tokens {
		tres, err := r.token(fmt.Sprintf("%s.tokens[%d]", path, j), cur.ID, t, tokens, mine, appIDs, wabaIDs)
		if err != nil {
			return nil, err
		}
		res.Tokens = append(res.Tokens, *tres)
	}
	return res, nil
}

// standing verifies a business and puts it at its tier, as the file says;
// verifying comes first, for it raises a business at TIER_250.
func (r *run) standing(path, item, id string, b Business) error {
	if !b.Verified && b.MessagingLimit == "" {
		return nil
	}
	endpoint := "/api/businesses/" + id + "/messaging_limit"
	var cur apiMessagingLimit
	if err := r.call(r.ctx, http.MethodGet, endpoint, nil, &cur, nil); err != nil {
		return r.fail(path, item, err)
	}
	if b.Verified && !cur.Verified {
		if err := r.call(r.ctx, http.MethodPost, "/api/businesses/"+id+"/verify", nil, &cur, nil); err != nil {
			return r.fail(path+".verified", item, err)
		}
		r.changed("verified business %s", b.Name)
	}
	if b.MessagingLimit != "" && b.MessagingLimit != cur.Tier {
		if err := r.call(r.ctx, http.MethodPut, endpoint, map[string]string{"tier": b.MessagingLimit}, nil, nil); err != nil {
			return r.fail(path+".messaging_limit", item, err)
		}
		r.changed("set the messaging limit of business %s to %s", b.Name, b.MessagingLimit)
	}
	return nil
}

func (r *run) waba(path, businessID string, w WABA, all []apiWABA, numbers map[string]apiNumber) (*WABAResult, error) {
	item := "WABA " + w.Name
	var id string
	for _, x := range all {
		if x.Name == w.Name {
			id = x.ID
			break
		}
	}
	if id == "" {
		var created apiWABA
		if err := r.call(r.ctx, http.MethodPost, "/api/wabas", map[string]string{"business_id": businessID, "name": w.Name}, &created, nil); err != nil {
			return nil, r.fail(path, item, err)
		}
		id = created.ID
		r.changed("created WABA %s (%s)", w.Name, id)
	}
	res := &WABAResult{Name: w.Name, ID: id, Numbers: []NumberResult{}, Templates: []TemplateResult{}}
	if w.Limits != nil {
		if err := r.limits(path+".limits", item, "/api/wabas/"+id+"/limits", w.Limits); err != nil {
			return nil, err
		}
	}
	for k, n := range w.Numbers {
		nres, err := r.number(fmt.Sprintf("%s.numbers[%d]", path, k), id, n, numbers)
		if err != nil {
			return nil, err
		}
		res.Numbers = append(res.Numbers, *nres)
		r.res.Numbers[nres.PhoneNumber] = nres.ID
	}
	if len(w.Templates) > 0 {
		templates, err := getList[apiTemplate](r, "/api/templates?waba_id="+url.QueryEscape(id))
		if err != nil {
			return nil, r.fail(path, item, err)
		}
		for k, t := range w.Templates {
			tres, err := r.template(fmt.Sprintf("%s.templates[%d]", path, k), id, t, templates)
			if err != nil {
				return nil, err
			}
			res.Templates = append(res.Templates, *tres)
		}
	}
	return res, nil
}

func (r *run) number(path, wabaID string, n Number, all map[string]apiNumber) (*NumberResult, error) {
	item := "number " + n.PhoneNumber
	digits := Digits(n.PhoneNumber)
	platform := n.PlatformType
	if platform == "" {
		platform = "CLOUD_API"
	}
	cur, ok := all[digits]
	switch {
	case !ok:
		body := map[string]any{"waba_id": wabaID, "phone_number": n.PhoneNumber, "verified_name": n.VerifiedName, "platform_type": platform}
		if n.Registered != nil {
			body["registered"] = *n.Registered
		}
		if err := r.call(r.ctx, http.MethodPost, "/api/phone_numbers", body, &cur, nil); err != nil {
			return nil, r.fail(path, item, err)
		}
		all[digits] = cur
		r.changed("created number +%s (%s, %s)", cur.Display, cur.ID, cur.PlatformType)
	case cur.WABAID != wabaID:
		return nil, r.fail(path, item, fmt.Errorf("the number exists in another WABA (%s), and wabi does not move numbers between WABAs", cur.WABAID))
	default:
		// The control API creates numbers; Graph and the On-Premises API
		// change them. What only they can change is reported, not forced.
		if n.VerifiedName != "" && n.VerifiedName != cur.VerifiedName {
			r.warn("number +%s keeps its verified name %q; the file says %q", cur.Display, cur.VerifiedName, n.VerifiedName)
		}
		if platform != cur.PlatformType {
			r.warn("number +%s stays on %s; the file says %s", cur.Display, cur.PlatformType, platform)
		}
		if n.Registered != nil && *n.Registered != cur.Registered {
			r.warn("number +%s stays registered=%t (register and deregister through the API that serves it); the file says %t",
				cur.Display, cur.Registered, *n.Registered)
		}
	}
	res := &NumberResult{PhoneNumber: cur.Display, ID: cur.ID, PlatformType: cur.PlatformType, VerifiedName: cur.VerifiedName}
	if n.QualityRating != "" {
		// The quality endpoint applies what is due before it answers, so its
		// rating is the one a send would see.
		var q struct {
			Rating string `json:"quality_rating"`
		}
		endpoint := "/api/phone_numbers/" + cur.ID + "/quality"
		if err := r.call(r.ctx, http.MethodGet, endpoint, nil, &q, nil); err != nil {
			return nil, r.fail(path+".quality_rating", item, err)
		}
		if q.Rating != n.QualityRating {
			if err := r.call(r.ctx, http.MethodPost, endpoint, map[string]string{"rating": n.QualityRating}, nil, nil); err != nil {
				return nil, r.fail(path+".quality_rating", item, err)
			}
			r.changed("rated number +%s %s", cur.Display, n.QualityRating)
		}
	}
	if n.Limits != nil {
		if err := r.limits(path+".limits", item, "/api/phone_numbers/"+cur.ID+"/limits", n.Limits); err != nil {
			return nil, err
		}
	}
	if cur.PlatformType == "ON_PREMISE" {
		if err := r.onprem(path+".onprem", item, cur, n.OnPrem, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// limits sets the limits override of a WABA or number to the file's, unless
// it is that already. The override is replaced whole: what the file leaves
// out falls back to the WABA's or the server's, and "limits: {}" removes the
// override.
func (r *run) limits(path, item, endpoint string, l *Limits) error {
	want, _ := json.Marshal(l)
	var cur struct {
		Override map[string]any `json:"override"`
	}
	if err := r.call(r.ctx, http.MethodGet, endpoint, nil, &cur, nil); err != nil {
		return r.fail(path, item, err)
	}
	if sameLimits(cur.Override, want) {
		return nil
	}
	if err := r.call(r.ctx, http.MethodPut, endpoint, json.RawMessage(want), nil, nil); err != nil {
		return r.fail(path, item, err)
	}
	r.changed("set the limits of %s to %s", item, want)
	return nil
}

// sameLimits compares an override as the API shows it with the file's.
func sameLimits(cur map[string]any, file []byte) bool {
	var want map[string]any
	_ = json.Unmarshal(file, &want)
	if len(cur) != len(want) {
		return false
	}
	for k, v := range want {
		if k == "pair_interval" {
			a, _ := cur[k].(string)
			b, _ := v.(string)
			if !sameDuration(a, b) {
				return false
			}
		} else if !reflect.DeepEqual(cur[k], v) {
			return false
		}
	}
	return true
}

func (r *run) template(path, wabaID string, t Template, all []apiTemplate) (*TemplateResult, error) {
	item := "template " + t.Name + " " + t.Language
	var cur *apiTemplate
	for i := range all {
		if all[i].Name == t.Name && all[i].Language == t.Language {
			cur = &all[i]
			break
		}
	}
	if cur == nil {
		body := map[string]any{"waba_id": wabaID, "name": t.Name, "language": t.Language, "category": t.Category,
			"components": t.Components, "parameter_format": t.ParameterFormat,
			"allow_category_change": t.AllowCategoryChange, "status": t.Status}
		if t.Components == nil {
			delete(body, "components")
		}
		cur = &apiTemplate{}
		if err := r.call(r.ctx, http.MethodPost, "/api/templates", body, cur, nil); err != nil {
			return nil, r.fail(path, item, err)
		}
		r.changed("created template %s %s (%s, %s)", t.Name, t.Language, cur.ID, cur.Status)
	} else {
		if t.Status != "" && t.Status != cur.Status {
			if err := r.call(r.ctx, http.MethodPost, "/api/templates/"+cur.ID+"/status", map[string]string{"status": t.Status}, cur, nil); err != nil {
				return nil, r.fail(path+".status", item, err)
			}
			r.changed("set template %s %s to %s", t.Name, t.Language, t.Status)
		}
		if t.Category != "" && !strings.EqualFold(t.Category, cur.Category) {
			if err := r.call(r.ctx, http.MethodPost, "/api/templates/"+cur.ID+"/category", map[string]string{"category": t.Category}, cur, nil); err != nil {
				return nil, r.fail(path+".category", item, err)
			}
			r.changed("re-categorised template %s %s as %s", t.Name, t.Language, t.Category)
		}
		if !sameComponents(t.Components, cur.Components) {
			r.warn("template %s %s keeps its components: the control API does not edit templates (Graph's POST /{template-id} does)", t.Name, t.Language)
		}
	}
	if t.QualityScore != "" && !strings.EqualFold(t.QualityScore, cur.QualityScore) {
		if err := r.call(r.ctx, http.MethodPost, "/api/templates/"+cur.ID+"/quality", map[string]string{"quality_score": t.QualityScore}, cur, nil); err != nil {
			return nil, r.fail(path+".quality_score", item, err)
		}
		r.changed("rated template %s %s %s", t.Name, t.Language, t.QualityScore)
	}
	return &TemplateResult{Name: cur.Name, Language: cur.Language, ID: cur.ID, Status: cur.Status}, nil
}

// sameComponents compares a file's components with a template's, as the
// control API reads them.
func sameComponents(file json.RawMessage, stored []wabi.TemplateComponent) bool {
	var want []wabi.TemplateComponent
	if len(file) > 0 && json.Unmarshal(file, &want) != nil {
		return false
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(stored)
	if len(want) == 0 && len(stored) == 0 {
		return true
	}
	return string(a) == string(b)
}

func (r *run) app(path, businessID string, a App, all []apiApp, wabaIDs map[string]string) (*AppResult, error) {
	item := "app " + a.Name
	var cur *apiApp
	for i := range all {
		if all[i].Name == a.Name {
			cur = &all[i]
			break
		}
	}
	if cur == nil {
		body := map[string]string{"business_id": businessID, "name": a.Name}
		if a.Secret != "" {
			body["secret"] = a.Secret
		}
		cur = &apiApp{}
		if err := r.call(r.ctx, http.MethodPost, "/api/apps", body, cur, nil); err != nil {
			return nil, r.fail(path, item, err)
		}
		r.changed("created app %s (%s)", a.Name, cur.ID)
	} else if a.Secret != "" && a.Secret != cur.Secret {
		return nil, r.fail(path+".secret", item, fmt.Errorf(
			"the app exists with another secret, which the control API does not change: start from an empty data directory, or give the app another name"))
	}
	res := &AppResult{Name: a.Name, ID: cur.ID, Secret: cur.Secret}
	if a.Webhook != nil {
		if err := r.webhook(path+".webhook", item, cur, a.Webhook, res); err != nil {
			return nil, err
		}
	}
	for k, w := range a.SubscribedWABAs {
		wabaID := wabaIDs[w]
		subs, err := getList[apiSubscription](r, "/api/wabas/"+wabaID+"/subscribed_apps")
		if err != nil {
			return nil, r.fail(fmt.Sprintf("%s.subscribed_wabas[%d]", path, k), item, err)
		}
		if slices.ContainsFunc(subs, func(s apiSubscription) bool { return s.App.ID == cur.ID }) {
			continue
		}
		if err := r.call(r.ctx, http.MethodPost, "/api/wabas/"+wabaID+"/subscribed_apps", map[string]string{"app_id": cur.ID}, nil, nil); err != nil {
			return nil, r.fail(fmt.Sprintf("%s.subscribed_wabas[%d]", path, k), item, err)
		}
		r.changed("subscribed app %s to WABA %s", a.Name, w)
	}
	return res, nil
}

// webhook sets an app's webhook when it differs from the file's. A callback
// URL that fails its handshake is left for Retry.
func (r *run) webhook(path, item string, cur *apiApp, w *Webhook, res *AppResult) error {
	fields := w.Fields
	if len(fields) == 0 {
		fields = []string{"messages"}
	}
	fields = slices.Compact(slices.Sorted(slices.Values(fields)))
	have := slices.Compact(slices.Sorted(slices.Values(cur.Fields)))
	if cur.CallbackURL == w.CallbackURL && cur.VerifyToken == w.VerifyToken && slices.Equal(fields, have) &&
		(w.APIVersion == "" || w.APIVersion == cur.APIVersion) {
		if w.CallbackURL != "" {
			res.Webhook = "verified"
		}
		return nil
	}
	body := map[string]any{"callback_url": w.CallbackURL, "verify_token": w.VerifyToken, "fields": fields}
	if w.APIVersion != "" {
		body["api_version"] = w.APIVersion
	}
	endpoint := "/api/apps/" + cur.ID + "/webhook"
	err := r.call(r.ctx, http.MethodPut, endpoint, body, nil, nil)
	switch {
	case err == nil:
		if w.CallbackURL != "" {
			res.Webhook = "verified"
		}
		r.changed("set the webhook of app %s to %s", res.Name, w.CallbackURL)
	case apiCode(err) == "webhook_verify":
		res.Webhook = "pending"
		r.res.pending = append(r.res.pending, pendingWebhook{app: res.Name, endpoint: endpoint, body: body, reason: err})
		r.warn("app %s: %s did not answer the webhook handshake yet (%s); wabi keeps trying", res.Name, w.CallbackURL, messageOf(err))
	default:
		return r.fail(path, item, err)
	}
	return nil
}

// messageOf is an API refusal's message without the request line.
func messageOf(err error) string {
	if e, ok := err.(*APIError); ok {
		return e.Message
	}
	return err.Error()
}

func (r *run) token(path, businessID string, t Token, all map[string]apiToken, mine []apiToken, appIDs, wabaIDs map[string]string) (*TokenResult, error) {
	item := "token " + t.Name
	want := apiToken{Token: t.Token, BusinessID: businessID, AppID: appIDs[t.App], Name: t.Name, Scopes: t.Scopes, WABAIDs: []string{}}
	for _, w := range t.WABAs {
		want.WABAIDs = append(want.WABAIDs, wabaIDs[w])
	}
	var cur *apiToken
	if t.Token != "" {
		if x, ok := all[t.Token]; ok {
			cur = &x
		}
	} else {
		for i := range mine {
			if mine[i].Name == t.Name {
				cur = &mine[i]
				break
			}
		}
	}
	if cur != nil && cur.BusinessID != businessID {
		return nil, r.fail(path, item, fmt.Errorf("the token's value is in use by another business (%s)", cur.BusinessID))
	}
	if cur != nil && sameToken(*cur, want) {
		return &TokenResult{Name: cur.Name, Token: cur.Token}, nil
	}
	if cur != nil {
		// A token's reach cannot change: it is issued again with the same value.
		if err := r.call(r.ctx, http.MethodDelete, "/api/tokens/"+url.PathEscape(cur.Token), nil, nil, nil); err != nil {
			return nil, r.fail(path, item, err)
		}
		want.Token = cur.Token
	}
	body := map[string]any{"business_id": businessID, "name": t.Name, "waba_ids": want.WABAIDs}
	if want.AppID != "" {
		body["app_id"] = want.AppID
	}
	if len(t.Scopes) > 0 {
		body["scopes"] = t.Scopes
	}
	if want.Token != "" {
		body["token"] = want.Token
	}
	var created apiToken
	if err := r.call(r.ctx, http.MethodPost, "/api/tokens", body, &created, nil); err != nil {
		return nil, r.fail(path, item, err)
	}
	if cur != nil {
		r.changed("issued token %q again with the file's app, WABAs and scopes", t.Name)
	} else {
		r.changed("issued token %q", t.Name)
	}
	return &TokenResult{Name: created.Name, Token: created.Token}, nil
}

// sameToken reports whether a token has the name, app, WABAs and scopes the
// file wants; scopes left out in the file are both.
func sameToken(cur, want apiToken) bool {
	scopes := want.Scopes
	if len(scopes) == 0 {
		scopes = []string{wabi.ScopeMessaging, wabi.ScopeManagement}
	}
	sorted := func(s []string) []string { return slices.Compact(slices.Sorted(slices.Values(s))) }
	return cur.Name == want.Name && cur.AppID == want.AppID &&
		slices.Equal(sorted(cur.WABAIDs), sorted(want.WABAIDs)) && slices.Equal(sorted(cur.Scopes), sorted(scopes))
}
