package scenario

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// apiPhone is a virtual phone as the control API shows it.
type apiPhone struct {
	WaID        string `json:"wa_id"`
	ProfileName string `json:"profile_name"`
	Behaviour   struct {
		DeliveryDelay string `json:"delivery_delay"`
		ReadDelay     string `json:"read_delay"`
		AutoRead      bool   `json:"auto_read"`
		Offline       bool   `json:"offline"`
		NotOnWhatsApp bool   `json:"not_on_whatsapp"`
	} `json:"behaviour"`
}

// phones puts every phone of the file that is missing or differs; phones the
// file does not name are left alone.
func (r *run) phones(ps []Phone) error {
	if len(ps) == 0 {
		return nil
	}
	all, err := getList[apiPhone](r, "/api/phones")
	if err != nil {
		return r.fail("phones", "", err)
	}
	have := make(map[string]apiPhone, len(all))
	for _, p := range all {
		have[p.WaID] = p
	}
	created, changed := 0, 0
	for i, p := range ps {
		first, _ := strconv.ParseUint(p.WaID, 10, 64)
		for n := range max(p.Count, 1) {
			waID := strconv.FormatUint(first+uint64(n), 10)
			name := strings.ReplaceAll(p.ProfileName, "{n}", strconv.Itoa(n+1))
			cur, exists := have[waID]
			if exists && samePhone(cur, name, p.Behaviour) {
				continue
			}
			body := map[string]any{"profile_name": name, "behaviour": behaviourBody(p.Behaviour)}
			if err := r.call(r.ctx, http.MethodPut, "/api/phones/"+waID, body, nil, nil); err != nil {
				return r.fail(fmt.Sprintf("phones[%d]", i), "phone "+waID, err)
			}
			if exists {
				changed++
			} else {
				created++
			}
		}
		r.res.Phones += max(p.Count, 1)
	}
	if created > 0 {
		r.changed("created %s", phonesText(created))
	}
	if changed > 0 {
		r.changed("changed %s", phonesText(changed))
	}
	return nil
}

func phonesText(n int) string {
	if n == 1 {
		return "1 virtual phone"
	}
	return strconv.Itoa(n) + " virtual phones"
}

// behaviourBody is the behaviour PUT /api/phones/{wa_id} takes: the file's
// fields, the endpoint's defaults for the rest.
func behaviourBody(b *Behaviour) map[string]any {
	out := map[string]any{}
	if b == nil {
		return out
	}
	if b.DeliveryDelay != "" {
		out["delivery_delay"] = b.DeliveryDelay
	}
	if b.ReadDelay != "" {
		out["read_delay"] = b.ReadDelay
	}
	if b.AutoRead != nil {
		out["auto_read"] = *b.AutoRead
	}
	out["offline"], out["not_on_whatsapp"] = b.Offline, b.NotOnWhatsApp
	return out
}

// samePhone reports whether a phone is as the file wants it.
func samePhone(cur apiPhone, name string, b *Behaviour) bool {
	if b == nil {
		b = &Behaviour{}
	}
	autoRead := b.AutoRead == nil || *b.AutoRead
	return cur.ProfileName == name && sameDuration(cur.Behaviour.DeliveryDelay, b.DeliveryDelay) &&
		sameDuration(cur.Behaviour.ReadDelay, b.ReadDelay) && cur.Behaviour.AutoRead == autoRead &&
		cur.Behaviour.Offline == b.Offline && cur.Behaviour.NotOnWhatsApp == b.NotOnWhatsApp
}

// sameDuration compares a duration the API shows with one of the file; ""
// is zero. A value that is no duration differs, so that the API refuses it.
func sameDuration(api, file string) bool {
	parse := func(s string) (time.Duration, bool) {
		if s == "" {
			return 0, true
		}
		d, err := time.ParseDuration(s)
		return d, err == nil
	}
	a, ok1 := parse(api)
	b, ok2 := parse(file)
	return ok1 && ok2 && a == b
}

// faultTag starts the note of every fault a scenario sets, so that applying
// it again finds its own faults and leaves those set by hand alone.
const faultTag = "scenario"

// apiFault is a fault as the faults API shows it.
type apiFault struct {
	ID            string   `json:"id"`
	PhoneNumberID string   `json:"phone_number_id"`
	WaID          string   `json:"wa_id"`
	Kind          string   `json:"kind"`
	Code          int      `json:"code"`
	Status        string   `json:"status"`
	Delay         string   `json:"delay"`
	TTL           string   `json:"ttl"`
	HTTPStatus    int      `json:"http_status"`
	Probability   *float64 `json:"probability"`
	Count         *int     `json:"count"`
	Note          string   `json:"note"`
}

// faults makes the faults the file has and removes those an earlier version
// of it set: a fault as the file says it is kept, with what it counted so far.
func (r *run) faults(fs []Fault) error {
	bodies := make([]apiFault, len(fs))
	for i, f := range fs {
		b, err := r.faultBody(f)
		if err != nil {
			return r.fail(fmt.Sprintf("faults[%d]", i), "fault "+f.Kind, err)
		}
		bodies[i] = b
	}
	have, err := getList[apiFault](r, "/api/faults")
	if err != nil {
		if len(fs) > 0 {
			return r.fail("faults", "", err)
		}
		// A file without faults has none to remove from a wabi without the
		// faults API either.
		have = nil
	}
	kept := map[string]bool{}
	var todo []int
	for i, want := range bodies {
		found := false
		for _, h := range have {
			if !kept[h.ID] && isScenarioFault(h) && sameFault(h, want) {
				kept[h.ID], found = true, true
				r.res.Faults = append(r.res.Faults, FaultResult{ID: h.ID, Kind: h.Kind})
				break
			}
		}
		if !found {
			todo = append(todo, i)
		}
	}
	for _, h := range have {
		if isScenarioFault(h) && !kept[h.ID] {
			if err := r.call(r.ctx, http.MethodDelete, "/api/faults/"+h.ID, nil, nil, nil); err != nil && apiCode(err) != "not_found" {
				return r.fail("faults", "", err)
			}
			r.changed("removed fault %s (%s), which the file no longer has", h.ID, h.Kind)
		}
	}
	for _, i := range todo {
		var created apiFault
		if err := r.call(r.ctx, http.MethodPost, "/api/faults", bodies[i], &created, nil); err != nil {
			return r.fail(fmt.Sprintf("faults[%d]", i), "fault "+fs[i].Kind, err)
		}
		r.res.Faults = append(r.res.Faults, FaultResult{ID: created.ID, Kind: created.Kind})
		r.changed("set fault %s (%s)", created.ID, created.Kind)
	}
	return nil
}

// faultBody is the request that makes a fault of the file, with its number by
// id and its note tagged.
func (r *run) faultBody(f Fault) (apiFault, error) {
	b := apiFault{WaID: f.WaID, Kind: f.Kind, Code: f.Code, Status: f.Status, Delay: f.Delay, TTL: f.TTL,
		HTTPStatus: f.HTTPStatus, Probability: f.Probability, Count: f.Count, Note: faultTag}
	if f.Note != "" {
		b.Note = faultTag + ": " + f.Note
	}
	if f.PhoneNumber != "" {
		id, err := r.numberID(Digits(f.PhoneNumber))
		if err != nil {
			return b, err
		}
		b.PhoneNumberID = id
	}
	return b, nil
}

// numberID finds a business number's id: one of the file's, or any wabi has.
func (r *run) numberID(digits string) (string, error) {
	if id, ok := r.res.Numbers[digits]; ok {
		return id, nil
	}
	all, err := getList[apiNumber](r, "/api/phone_numbers")
	if err != nil {
		return "", err
	}
	for _, n := range all {
		if n.Display == digits {
			return n.ID, nil
		}
	}
	return "", fmt.Errorf("wabi has no business number +%s", digits)
}

// MarshalJSON leaves out what a fault does not set, as POST /api/faults
// expects.
func (f apiFault) MarshalJSON() ([]byte, error) {
	m := map[string]any{"kind": f.Kind, "note": f.Note}
	for k, v := range map[string]string{"phone_number_id": f.PhoneNumberID, "wa_id": f.WaID, "status": f.Status, "delay": f.Delay, "ttl": f.TTL} {
		if v != "" {
			m[k] = v
		}
	}
	if f.Code != 0 {
		m["code"] = f.Code
	}
	if f.HTTPStatus != 0 {
		m["http_status"] = f.HTTPStatus
	}
	if f.Probability != nil {
		m["probability"] = *f.Probability
	}
	if f.Count != nil {
		m["count"] = *f.Count
	}
	return json.Marshal(m)
}

func isScenarioFault(f apiFault) bool {
	return f.Note == faultTag || strings.HasPrefix(f.Note, faultTag+": ")
}

// sameFault compares a fault wabi has with one the file wants. A delay, TTL
// or HTTP status the file leaves out is the faults API's to default, and
// whatever it chose matches.
func sameFault(h, want apiFault) bool {
	optional := func(same bool, given bool) bool { return same || !given }
	return h.PhoneNumberID == want.PhoneNumberID && h.WaID == want.WaID && h.Kind == want.Kind && h.Code == want.Code &&
		h.Status == want.Status && optional(sameDuration(h.Delay, want.Delay), want.Delay != "") &&
		optional(sameDuration(h.TTL, want.TTL), want.TTL != "") && optional(h.HTTPStatus == want.HTTPStatus, want.HTTPStatus != 0) &&
		reflect.DeepEqual(h.Probability, want.Probability) && reflect.DeepEqual(h.Count, want.Count) && h.Note == want.Note
}

// onprem reads an On-Premises number's API key and sets up its deployment:
// the admin password, then the webhook URL, through the deployment's own API.
func (r *run) onprem(path, item string, n apiNumber, o *OnPrem, res *NumberResult) error {
	var key struct {
		APIKey string `json:"api_key"`
	}
	if err := r.call(r.ctx, http.MethodGet, "/api/phone_numbers/"+n.ID+"/onprem_api_key", nil, &key, nil); err != nil {
		return r.fail(path, item, err)
	}
	res.APIKey = key.APIKey
	if o == nil || o.AdminPassword == "" {
		return nil
	}
	base := "/onprem/" + n.ID + "/v1"
	token, err := r.login(base, o.AdminPassword, "")
	if err != nil {
		// A deployment whose admin never logged in still has the first
		// password, which the file's replaces.
		if token, err = r.login(base, "secret", o.AdminPassword); err != nil {
			r.warn("number +%s: wabi cannot log in to the deployment as admin with the file's password (was it changed since?); its settings are left as they are", n.Display)
			return nil
		}
		r.changed("set the admin password of number +%s", n.Display)
	}
	auth := http.Header{"Authorization": {"Bearer " + token}}
	defer r.call(context.WithoutCancel(r.ctx), http.MethodPost, base+"/users/logout", nil, nil, auth)
	if o.WebhookURL == "" {
		return nil
	}
	var settings struct {
		Settings struct {
			Application struct {
				Webhooks struct {
					URL string `json:"url"`
				} `json:"webhooks"`
			} `json:"application"`
		} `json:"settings"`
	}
	if err := r.call(r.ctx, http.MethodGet, base+"/settings/application", nil, &settings, auth); err != nil {
		return r.fail(path, item, err)
	}
	if settings.Settings.Application.Webhooks.URL == o.WebhookURL {
		return nil
	}
	body := map[string]any{"webhooks": map[string]string{"url": o.WebhookURL}}
	if err := r.call(r.ctx, http.MethodPatch, base+"/settings/application", body, nil, auth); err != nil {
		return r.fail(path+".webhook_url", item, err)
	}
	r.changed("set the webhook URL of number +%s to %s", n.Display, o.WebhookURL)
	return nil
}

// login logs in to a deployment as admin, setting a new password if one is
// given, and returns the bearer token.
func (r *run) login(base, password, newPassword string) (string, error) {
	auth := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+password))}}
	var body any
	if newPassword != "" {
		body = map[string]string{"new_password": newPassword}
	}
	var out struct {
		Users []struct {
			Token string `json:"token"`
		} `json:"users"`
	}
	if err := r.call(r.ctx, http.MethodPost, base+"/users/login", body, &out, auth); err != nil {
		return "", err
	}
	if len(out.Users) == 0 || out.Users[0].Token == "" {
		return "", fmt.Errorf("the login answered no token")
	}
	return out.Users[0].Token, nil
}

// pendingWebhook is an app webhook whose handshake failed.
type pendingWebhook struct {
	app      string
	endpoint string
	body     map[string]any
	reason   error
}

// Pending names the apps whose callback URL had not answered its handshake
// when the scenario was applied.
func (res *Result) Pending() []string {
	out := make([]string, 0, len(res.pending))
	for _, p := range res.pending {
		out = append(out, p.app)
	}
	return out
}

// Retry tries the handshakes that failed in Apply again, first after every,
// then twice as long each time up to a minute, until each has passed or ctx
// ends. It logs each webhook that is set.
func (a *Applier) Retry(ctx context.Context, res *Result, every time.Duration) {
	log := cmp.Or(a.Logger, slog.Default())
	todo := append([]pendingWebhook(nil), res.pending...)
	wait := every
	for len(todo) > 0 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		left := todo[:0]
		for _, p := range todo {
			err := a.call(ctx, http.MethodPut, p.endpoint, p.body, nil, nil)
			switch {
			case err == nil:
				log.Info("scenario: app webhook set", "app", p.app, "callback_url", p.body["callback_url"])
			case apiCode(err) == "webhook_verify" || ctx.Err() != nil:
				left = append(left, p)
			default:
				log.Error("scenario: app webhook refused", "app", p.app, "err", err)
			}
		}
		todo = left
		wait = min(2*wait, time.Minute)
	}
}
