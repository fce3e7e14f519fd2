package cloudapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// callAs is call with a Content-Type of the caller's choosing.
func (s *stack) callAs(method, path, contentType string, body []byte) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.demo.Token.Value)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// multipartBody encodes fields as a multipart form and returns its Content-Type.
func multipartBody(t *testing.T, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// TestGraphBodyShapes sends what SDKs send besides plain JSON: form bodies
// (urlencoded and multipart) whose fields are the JSON object's, and object or
// array parameters as strings holding their JSON, as whatsapp-api-js does. Each
// must land as the same message or template a JSON body makes.
func TestGraphBodyShapes(t *testing.T) {
	s := mustStack(t)
	s.customerSays("hi")
	ctx := context.Background()
	if _, err := s.p.CreateTemplate(ctx, &wabi.Template{WABAID: s.demo.WABA.ID, Name: "order_update", Language: "en_US", Category: "UTILITY",
		Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, order {{2}} shipped."}}}); err != nil {
		t.Fatal(err)
	}
	messages := "/v23.0/" + s.demo.Phone.ID + "/messages"
	to := platform.DemoCustomerNumber
	form := func(v url.Values) (string, []byte) {
		return "application/x-www-form-urlencoded", []byte(v.Encode())
	}
	jsonBody := func(b string) (string, []byte) { return "application/json", []byte(b) }
	multi := func(fields map[string]string) (string, []byte) { return multipartBody(t, fields) }

	tests := []struct {
		name  string
		body  func() (string, []byte)
		check func(m *wabi.Message) bool
	}{
		{"text_urlencoded", func() (string, []byte) {
			return form(url.Values{"messaging_product": {"whatsapp"}, "to": {to}, "type": {"text"},
				"text": {`{"body":"Hello from a form","preview_url":"true"}`}})
		}, func(m *wabi.Message) bool {
			return m.Text != nil && m.Text.Body == "Hello from a form" && m.Text.PreviewURL
		}},
		{"text_multipart", func() (string, []byte) {
			return multi(map[string]string{"messaging_product": "whatsapp", "to": to, "type": "text", "text": `{"body":"Hello multipart"}`})
		}, func(m *wabi.Message) bool { return m.Text != nil && m.Text.Body == "Hello multipart" }},
		{"contacts_as_string", func() (string, []byte) {
			return jsonBody(`{"messaging_product":"whatsapp","to":"` + to + `","type":"contacts",` +
				`"contacts":"[{\"name\":{\"formatted_name\":\"Ana Silva\",\"first_name\":\"Ana\"},\"phones\":[{\"phone\":\"+1 650 555 1234\",\"type\":\"WORK\"}]}]"}`)
		}, func(m *wabi.Message) bool {
			return len(m.Contacts) == 1 && m.Contacts[0].Name.FormattedName == "Ana Silva"
		}},
		{"interactive_as_string", func() (string, []byte) {
			return jsonBody(`{"messaging_product":"whatsapp","to":"` + to + `","type":"interactive",` +
				`"interactive":"{\"type\":\"button\",\"body\":{\"text\":\"Confirm?\"},\"action\":{\"buttons\":[{\"type\":\"reply\",\"reply\":{\"id\":\"y\",\"title\":\"Yes\"}}]}}"}`)
		}, func(m *wabi.Message) bool { return m.Interactive != nil && m.Interactive.Type == "button" }},
		{"template_as_string", func() (string, []byte) {
			return jsonBody(`{"messaging_product":"whatsapp","to":"` + to + `","type":"template",` +
				`"template":"{\"name\":\"order_update\",\"language\":{\"code\":\"en_US\"},\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"Ana\"},{\"type\":\"text\",\"text\":\"#42\"}]}]}"}`)
		}, func(m *wabi.Message) bool { return m.Template != nil && m.Template.Name == "order_update" }},
		{"template_components_as_string", func() (string, []byte) {
			return jsonBody(`{"messaging_product":"whatsapp","to":"` + to + `","type":"template",` +
				`"template":{"name":"order_update","language":{"code":"en_US"},"components":"[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"Ana\"},{\"type\":\"text\",\"text\":\"#43\"}]}]"}}`)
		}, func(m *wabi.Message) bool { return m.Template != nil && len(m.Template.Components) == 1 }},
		{"template_form", func() (string, []byte) {
			return form(url.Values{"messaging_product": {"whatsapp"}, "to": {to}, "type": {"template"},
				"template": {`{"name":"order_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Bo"},{"type":"text","text":"#44"}]}]}`}})
		}, func(m *wabi.Message) bool { return m.Template != nil && m.Template.Name == "order_update" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, b := tt.body()
			status, body := s.callAs("POST", messages, ct, b)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			m, err := s.store.Message(ctx, sentID(t, body))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(m) {
				t.Fatalf("stored message %+v does not hold what was sent", m.Content)
			}
		})
	}
}

// TestGraphBodyShapesOnOtherEdges checks that template creation and the business
// profile take forms and JSON strings too: the shapes are decoded once, for
// every POST edge.
func TestGraphBodyShapesOnOtherEdges(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	edge := "/v23.0/" + s.demo.WABA.ID + "/message_templates"

	status, body := s.callAs("POST", edge, "application/json", []byte(`{"name":"string_components","language":"en","category":"UTILITY",`+
		`"components":"[{\"type\":\"BODY\",\"text\":\"Your parcel is on its way.\"}]"}`))
	if status != http.StatusOK {
		t.Fatalf("components as a string: %d %s", status, body)
	}
	tpl, err := s.store.Template(ctx, gjson(body, "id"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Components) != 1 || tpl.Components[0].Text != "Your parcel is on its way." {
		t.Fatalf("stored components %+v", tpl.Components)
	}

	ct, mp := multipartBody(t, map[string]string{"name": "multipart_made", "language": "en", "category": "UTILITY",
		"allow_category_change": "true", "components": `[{"type":"BODY","text":"Sent as multipart."}]`})
	if status, body := s.callAs("POST", edge, ct, mp); status != http.StatusOK {
		t.Fatalf("multipart template: %d %s", status, body)
	}

	profile := "/v23.0/" + s.demo.Phone.ID + "/whatsapp_business_profile"
	status, body = s.callAs("POST", profile, "application/json",
		[]byte(`{"messaging_product":"whatsapp","about":"From a string","websites":"[\"https://a.example\",\"https://b.example\"]"}`))
	if status != http.StatusOK {
		t.Fatalf("profile with websites as a string: %d %s", status, body)
	}
	prof, err := s.p.BusinessProfile(ctx, platform.Admin, s.demo.Phone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if prof.About != "From a string" || strings.Join(prof.Websites, " ") != "https://a.example https://b.example" {
		t.Fatalf("profile %+v", prof)
	}
	ct, mp = multipartBody(t, map[string]string{"messaging_product": "whatsapp", "about": "From multipart", "websites": "https://c.example"})
	if status, body := s.callAs("POST", profile, ct, mp); status != http.StatusOK {
		t.Fatalf("profile as multipart: %d %s", status, body)
	}
	if prof, _ = s.p.BusinessProfile(ctx, platform.Admin, s.demo.Phone.ID); prof.About != "From multipart" || len(prof.Websites) != 1 {
		t.Fatalf("profile %+v", prof)
	}
	// A misspelt field in a form is still refused.
	ct, mp = multipartBody(t, map[string]string{"messaging_product": "whatsapp", "abuot": "typo"})
	if status, body := s.callAs("POST", profile, ct, mp); status != http.StatusBadRequest || errorCode(body) != 100 {
		t.Fatalf("unknown profile field: %d %s", status, body)
	}

	// A number where the edge reads text keeps its digits.
	status, body = s.callAs("POST", "/v23.0/"+s.demo.WABA.ID+"/phone_numbers", "application/json",
		[]byte(`{"cc":1,"phone_number":5550007777,"verified_name":"Numbers Co"}`))
	if status != http.StatusOK {
		t.Fatalf("add number with numeric fields: %d %s", status, body)
	}
	if pn, err := s.store.PhoneNumber(ctx, gjson(body, "id")); err != nil || pn.DisplayPhoneNumber != "15550007777" {
		t.Fatalf("added number %+v, %v", pn, err)
	}
}

// TestGraphBodyShapeErrors checks that a string that should hold an object or
// an array and does not is a clear code 100, in JSON and in forms alike.
func TestGraphBodyShapeErrors(t *testing.T) {
	s := mustStack(t)
	s.customerSays("hi")
	messages := "/v23.0/" + s.demo.Phone.ID + "/messages"
	to := platform.DemoCustomerNumber
	tests := []struct {
		name, contentType, body, detail string
	}{
		{"contacts_bad_json", "application/json", `{"messaging_product":"whatsapp","to":"` + to + `","type":"contacts","contacts":"[{\"name\":"}`,
			"Param contacts must be an array; the string given does not hold valid JSON."},
		{"interactive_bad_json", "application/json", `{"messaging_product":"whatsapp","to":"` + to + `","type":"interactive","interactive":"{oops}"}`,
			"Param interactive must be an object; the string given does not hold valid JSON."},
		{"text_not_json", "application/json", `{"messaging_product":"whatsapp","to":"` + to + `","type":"text","text":"hello"}`,
			"Param text must be an object."},
		{"form_bad_json", "application/x-www-form-urlencoded", url.Values{"messaging_product": {"whatsapp"}, "to": {to}, "type": {"text"}, "text": {`{"body":`}}.Encode(),
			"Param text must be an object; the string given does not hold valid JSON."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := s.callAs("POST", messages, tt.contentType, []byte(tt.body))
			if status != http.StatusBadRequest || errorCode(body) != 100 {
				t.Fatalf("status %d: %s", status, body)
			}
			var e struct {
				Error struct {
					ErrorData struct{ Details string } `json:"error_data"`
				}
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			if got := e.Error.ErrorData.Details; got != tt.detail {
				t.Fatalf("details %q, want %q", got, tt.detail)
			}
		})
	}
}
