package cloudapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/wabi"
)

// scenario is one request of a table test and the status it must answer; the
// body is compared with a golden file.
type scenario struct {
	name   string
	method string
	path   string
	token  string
	body   string
	status int
}

// runScenarios plays a table in order, comparing each body with
// testdata/<dir>/<name>.json after naming the ids in it.
func runScenarios(t *testing.T, s *stack, dir string, ids idNames, tests []scenario) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.call(tt.method, tt.path, tt.token, tt.body)
			if status != tt.status {
				t.Errorf("status %d, want %d: %s", status, tt.status, body)
			}
			golden.Assert(t, "testdata/"+dir+"/"+tt.name+".json", ids.normalize(s, body))
		})
	}
}

// idNames names the ids a test made, so that golden files read "PHONE_2"
// instead of an id that changes whenever the demo tenancy grows.
type idNames map[string]string

// cursor is the paging cursor of an id.
func cursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

var (
	longNumberRE  = regexp.MustCompile(`\b[0-9]{15,18}\b`)
	certificateRE = regexp.MustCompile(`"certificate":"[^"]*"`)
	uploadIDRE    = regexp.MustCompile(`upload:[A-Za-z0-9_-]+`)
	handleRE      = regexp.MustCompile(`4::([A-Za-z0-9+/=]+):[A-Za-z0-9_-]+:e:[0-9]+:`)
	urlHashRE     = regexp.MustCompile(`hash=[A-Za-z0-9_-]+`)
)

// normalize replaces what changes from run to run: the server's address, named
// ids and their cursors, other ids, upload sessions and handles.
func (n idNames) normalize(s *stack, b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte(s.api.URL), []byte("https://wabi.test"))
	b = bytes.ReplaceAll(b, []byte(s.receiver.srv.URL), []byte("https://hooks.test"))
	for id, name := range n {
		b = bytes.ReplaceAll(b, []byte(cursor(id)), []byte("CURSOR_"+name))
		b = bytes.ReplaceAll(b, []byte(id), []byte(name))
	}
	b = longNumberRE.ReplaceAll(b, []byte("ID"))
	b = certificateRE.ReplaceAll(b, []byte(`"certificate":"CERTIFICATE"`))
	b = uploadIDRE.ReplaceAll(b, []byte("upload:SESSION"))
	b = handleRE.ReplaceAll(b, []byte(`4::$1:SESSION:e:EXPIRY:`))
	b = urlHashRE.ReplaceAll(b, []byte("hash=HASH"))
	return normalize(b)
}

// callWith makes a Cloud API request with its own headers and raw body.
func (s *stack) callWith(method, path string, header map[string]string, body []byte) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// mustOK makes a call that must answer 200 and returns the body.
func (s *stack) mustOK(method, path, body string) []byte {
	s.t.Helper()
	status, b := s.call(method, path, s.demo.Token.Value, body)
	if status != http.StatusOK {
		s.t.Fatalf("%s %s: %d %s", method, path, status, b)
	}
	return b
}

// mustAddNumber adds a number to the demo WABA through the Graph API.
func (s *stack) mustAddNumber(cc, number, name string) string {
	s.t.Helper()
	b := s.mustOK("POST", "/v23.0/"+s.demo.WABA.ID+"/phone_numbers",
		`{"cc":"`+cc+`","phone_number":"`+number+`","verified_name":"`+name+`"}`)
	return gjson(b, "id")
}

// mustVerify proves the ownership of a number with the code on its SIM.
func (s *stack) mustVerify(id string) {
	s.t.Helper()
	s.mustOK("POST", "/v23.0/"+id+"/request_code", `{"code_method":"SMS","language":"en_US"}`)
	pn, err := s.store.PhoneNumber(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	s.mustOK("POST", "/v23.0/"+id+"/verify_code", `{"code":"`+pn.PendingCode+`"}`)
}

// TestPhoneNumberScenarios is the phone number edges as a table: lists with
// fields, filters, sorting and paging; reads; adding numbers; and every
// synchronous error of ownership, registration and settings.
func TestPhoneNumberScenarios(t *testing.T) {
	s := mustStack(t)
	tok := s.demo.Token.Value
	waba, demo := s.demo.WABA.ID, s.demo.Phone.ID

	// A minute apart, so that sorting by creation time shows.
	s.clock.Advance(time.Minute)
	second := s.mustAddNumber("44", "7700 900123", "Second Shop")
	s.clock.Advance(time.Minute)
	third := s.mustAddNumber("55", "11987654321", "Terceira Loja")
	s.mustVerify(third)
	s.mustOK("POST", "/v23.0/"+third+"/register", `{"messaging_product":"whatsapp","pin":"246810"}`)

	_, otherTok := s.mustOtherBusiness()
	messagingOnly := s.mustScopedToken(wabi.ScopeMessaging)
	ids := idNames{waba: "WABA_ID", demo: "DEMO_PHONE", second: "SECOND_PHONE", third: "THIRD_PHONE", tok: "TOKEN"}

	list := "/v23.0/" + waba + "/phone_numbers"
	filter := func(f string) string { return list + "?filtering=" + url.QueryEscape(f) }
	allFields := "id,display_phone_number,verified_name,quality_rating,quality_score,code_verification_status," +
		"name_status,new_name_status,status,platform_type,throughput,messaging_limit_tier," +
		"whatsapp_business_manager_messaging_limit,account_mode,is_pin_enabled,is_official_business_account," +
		"is_on_biz_app,is_preverified_number,search_visibility,certificate,last_onboarded_time,country_code," +
		"country_dial_code,webhook_configuration,health_status"
	runScenarios(t, s, "phone_numbers", ids, []scenario{
		{"list", "GET", list, tok, "", 200},
		{"list_fields", "GET", list + "?fields=id,display_phone_number,status,name_status,is_pin_enabled,country_code", tok, "", 200},
		{"list_first_page", "GET", list + "?limit=2&fields=id", tok, "", 200},
		{"list_after", "GET", list + "?limit=2&fields=id&after=" + cursor(second), tok, "", 200},
		{"list_before", "GET", list + "?limit=1&fields=id&before=" + cursor(third), tok, "", 200},
		{"list_filter_equal", "GET", filter(`[{"field":"status","operator":"EQUAL","value":"CONNECTED"}]`) + "&fields=id,status", tok, "", 200},
		{"list_filter_in", "GET", filter(`[{"field":"country_code","operator":"IN","value":["GB","BR"]}]`) + "&fields=id,country_code", tok, "", 200},
		{"list_filter_not_equal", "GET", filter(`[{"field":"code_verification_status","operator":"NOT_EQUAL","value":"VERIFIED"}]`), tok, "", 200},
		{"list_sort_desc", "GET", list + "?sort=creation_time.desc&fields=id", tok, "", 200},
		{"list_access_token_query", "GET", list + "?limit=1&fields=id&access_token=" + tok, "", "", 200},
		{"list_bad_limit", "GET", list + "?limit=101", tok, "", 400},
		{"list_bad_cursor", "GET", list + "?after=nope", tok, "", 400},
		{"list_bad_filter", "GET", filter(`[{"field":"pending_code","operator":"EQUAL","value":"1"}]`), tok, "", 400},
		{"list_bad_sort", "GET", list + "?sort=name.asc", tok, "", 400},
		{"list_unknown_field", "GET", list + "?fields=id,pending_code", tok, "", 400},
		{"list_foreign_token", "GET", list, otherTok.Value, "", 400},
		{"list_messaging_token", "GET", list, messagingOnly.Value, "", 403},
		{"list_not_a_waba", "GET", "/v23.0/" + demo + "/phone_numbers", tok, "", 400},

		{"get", "GET", "/v23.0/" + demo, tok, "", 200},
		{"get_all_fields", "GET", "/v23.0/" + demo + "?fields=" + allFields, tok, "", 200},
		{"get_unregistered", "GET", "/v23.0/" + second + "?fields=id,status,platform_type,code_verification_status,name_status,quality_rating,is_pin_enabled,last_onboarded_time,health_status", tok, "", 200},
		{"get_registered", "GET", "/v23.0/" + third + "?fields=display_phone_number,status,platform_type,is_pin_enabled,last_onboarded_time,country_dial_code", tok, "", 200},
		{"get_sub_fields", "GET", "/v23.0/" + demo + "?fields=throughput{level},id", tok, "", 200},
		{"get_pending_code", "GET", "/v23.0/" + demo + "?fields=pending_code", tok, "", 400},
		{"get_fields_syntax", "GET", "/v23.0/" + demo + "?fields=id,{", tok, "", 400},
		{"get_foreign_token", "GET", "/v23.0/" + demo, otherTok.Value, "", 400},

		{"add", "POST", list, tok, `{"cc":"1","phone_number":"555-000-3000","verified_name":"Third Avenue"}`, 200},
		{"add_duplicate", "POST", list, tok, `{"cc":"1","phone_number":"5550001000","verified_name":"Again"}`, 400},
		{"add_missing_cc", "POST", list, tok, `{"phone_number":"5550004000","verified_name":"No CC"}`, 400},
		{"add_bad_cc", "POST", list, tok, `{"cc":"1x","phone_number":"5550004000","verified_name":"Bad CC"}`, 400},
		{"add_short_name", "POST", list, tok, `{"cc":"1","phone_number":"5550004000","verified_name":"A"}`, 400},
		{"add_bad_number", "POST", list, tok, `{"cc":"1","phone_number":"12","verified_name":"Short"}`, 400},
		{"add_messaging_token", "POST", list, messagingOnly.Value, `{"cc":"1","phone_number":"5550004000","verified_name":"Nope"}`, 403},

		{"request_code_missing_method", "POST", "/v23.0/" + second + "/request_code", tok, `{"language":"en_US"}`, 400},
		{"request_code_bad_method", "POST", "/v23.0/" + second + "/request_code", tok, `{"code_method":"FAX","language":"en_US"}`, 400},
		{"request_code_bad_language", "POST", "/v23.0/" + second + "/request_code", tok, `{"code_method":"VOICE","language":"english"}`, 400},
		{"verify_code_not_requested", "POST", "/v23.0/" + second + "/verify_code", tok, `{"code":"123456"}`, 400},
		{"verify_code_missing", "POST", "/v23.0/" + second + "/verify_code", tok, `{}`, 400},
		{"request_code", "POST", "/v23.0/" + second + "/request_code", tok, `{"code_method":"SMS","language":"en_US"}`, 200},

		{"register_missing_product", "POST", "/v23.0/" + second + "/register", tok, `{"pin":"123456"}`, 400},
		{"register_missing_pin", "POST", "/v23.0/" + second + "/register", tok, `{"messaging_product":"whatsapp"}`, 400},
		{"register_bad_pin", "POST", "/v23.0/" + second + "/register", tok, `{"messaging_product":"whatsapp","pin":"12345a"}`, 400},
		{"register_unverified", "POST", "/v23.0/" + second + "/register", tok, `{"messaging_product":"whatsapp","pin":"123456"}`, 400},
		{"register_backup", "POST", "/v23.0/" + second + "/register", tok, `{"messaging_product":"whatsapp","pin":"123456","backup":{"data":"x","password":"y"}}`, 400},
		{"register_bad_region", "POST", "/v23.0/" + second + "/register", tok, `{"messaging_product":"whatsapp","pin":"123456","data_localization_region":"Germany"}`, 400},
		{"register_foreign_token", "POST", "/v23.0/" + demo + "/register", otherTok.Value, `{"messaging_product":"whatsapp","pin":"123456"}`, 400},
		{"register_sets_pin", "POST", "/v23.0/" + demo + "/register", tok, `{"messaging_product":"whatsapp","pin":"135790","data_localization_region":"DE"}`, 200},
		{"register_wrong_pin", "POST", "/v23.0/" + demo + "/register", tok, `{"messaging_product":"whatsapp","pin":"000000"}`, 400},
		{"register_too_fast", "POST", "/v23.0/" + demo + "/register", tok, `{"messaging_product":"whatsapp","pin":"135790"}`, 400},
		{"deregister_unregistered", "POST", "/v23.0/" + second + "/deregister", tok, ``, 400},
		{"deregister", "POST", "/v23.0/" + third + "/deregister", tok, ``, 200},
		{"get_deregistered", "GET", "/v23.0/" + third + "?fields=status,platform_type,last_onboarded_time,health_status", tok, "", 200},

		{"set_pin", "POST", "/v23.0/" + second, tok, `{"pin":"112233"}`, 200},
		{"set_pin_missing", "POST", "/v23.0/" + second, tok, `{}`, 400},
		{"set_pin_bad", "POST", "/v23.0/" + second, tok, `{"pin":"1122"}`, 400},
		{"set_unknown_setting", "POST", "/v23.0/" + second, tok, `{"pin":"112233","search_visibility":"HIDDEN"}`, 400},
		{"set_webhook_configuration", "POST", "/v23.0/" + second, tok, `{"webhook_configuration":{"override_callback_uri":"https://example.com/h","verify_token":"v"}}`, 400},
		{"get_after_set_pin", "GET", "/v23.0/" + second + "?fields=is_pin_enabled,status", tok, "", 200},
	})
}

// TestPhoneNumberNextLinks follows next links through a list until its end, as
// SDKs do, and comes back with previous.
func TestPhoneNumberNextLinks(t *testing.T) {
	s := mustStack(t)
	want := []string{s.demo.Phone.ID, s.demo.OnPremPhone.ID}
	for i, n := range []string{"7700900001", "7700900002", "7700900003", "7700900004"} {
		want = append(want, s.mustAddNumber("44", n, "Shop "+string(rune('A'+i))))
	}
	type page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		Paging struct {
			Next, Previous string
		} `json:"paging"`
	}
	read := func(link string) page {
		t.Helper()
		rel := strings.TrimPrefix(link, s.api.URL)
		var p page
		if err := json.Unmarshal(s.mustOK("GET", rel, ""), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var got []string
	link := s.api.URL + "/v24.0/" + s.demo.WABA.ID + "/phone_numbers?limit=2&fields=id"
	var last page
	for link != "" {
		if !strings.Contains(link, "/v24.0/") || !strings.Contains(link, "fields=id") {
			t.Fatalf("link %s loses the version or the query", link)
		}
		last = read(link)
		for _, d := range last.Data {
			got = append(got, d.ID)
		}
		link = last.Paging.Next
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	back := read(last.Paging.Previous)
	if len(back.Data) != 2 || back.Data[0].ID != want[2] || back.Data[1].ID != want[3] {
		t.Errorf("previous page = %+v, want %v", back.Data, want[2:4])
	}
}
