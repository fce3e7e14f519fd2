package cloudapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// channelCall makes a Cloud API request with the headers given and returns
// the status and the body, decoded when it is JSON.
func (s *stack) channelCall(method, path string, header map[string]string, body io.Reader, contentType string) (int, map[string]any, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.api.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

// graphCode is the Graph error code of an answer, 0 for none.
func graphCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(float64)
	return code
}

// TestChannelKeyAuth: a channel key works as a Bearer token or in the
// D360-API-KEY header on its own number, and anything beyond its number is
// Graph's permission error (code 200).
func TestChannelKeyAuth(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	k, err := s.p.CreateChannelKey(ctx, s.demo.Phone.ID)
	if err != nil {
		t.Fatal(err)
	}
	sibling, err := s.p.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: s.demo.WABA.ID, Number: "+1 555 000 1099",
		VerifiedName: "Sibling", Registered: true})
	if err != nil {
		t.Fatal(err)
	}
	s.customerSays("hello")
	text := `{"messaging_product":"whatsapp","to":"` + platform.DemoCustomerNumber + `","type":"text","text":{"body":"hi"}}`
	bearer := map[string]string{"Authorization": "Bearer " + k.Key}
	d360 := map[string]string{"D360-API-KEY": k.Key}
	wabaID, pn := s.demo.WABA.ID, s.demo.Phone.ID

	for _, tt := range []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		status       int
		code         float64
	}{
		{"send as Bearer", "POST", "/v23.0/" + pn + "/messages", bearer, text, 200, 0},
		{"send as D360-API-KEY", "POST", "/v23.0/" + pn + "/messages", d360, text, 200, 0},
		{"send on 360dialog's path", "POST", "/messages", d360, text, 200, 0},
		{"list the WABA's templates", "GET", "/v23.0/" + wabaID + "/message_templates", d360, "", 200, 0},
		{"send on a sibling number", "POST", "/v23.0/" + sibling.ID + "/messages", d360, text, 403, 200},
		{"register the number", "POST", "/v23.0/" + pn + "/register", d360, `{"messaging_product":"whatsapp","pin":"123456"}`, 403, 200},
		{"read the number's settings", "GET", "/v23.0/" + pn, d360, "", 403, 200},
		{"the WABA's subscriptions", "GET", "/v23.0/" + wabaID + "/subscribed_apps", d360, "", 403, 200},
		{"subscribe an app", "POST", "/v23.0/" + wabaID + "/subscribed_apps", d360, "", 403, 200},
		{"the WABA's numbers", "GET", "/v23.0/" + wabaID + "/phone_numbers", d360, "", 403, 200},
		{"the app's subscriptions", "GET", "/v23.0/" + s.demo.App.ID + "/subscriptions", d360, "", 403, 200},
		{"submit a template", "POST", "/v23.0/" + wabaID + "/message_templates", d360,
			`{"name":"x","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"x"}]}`, 403, 200},
		{"a wrong key", "POST", "/messages", map[string]string{"D360-API-KEY": k.Key + "0"}, text, 401, 190},
		{"no key", "POST", "/messages", nil, text, 400, 104},
		{"an access token on 360dialog's path", "POST", "/messages", map[string]string{"Authorization": "Bearer " + s.demo.Token.Value}, text, 403, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			ct := ""
			if tt.body != "" {
				body, ct = strings.NewReader(tt.body), "application/json"
			}
			status, m, raw := s.channelCall(tt.method, tt.path, tt.header, body, ct)
			if status != tt.status || graphCode(m) != tt.code {
				t.Fatalf("%d %s, want %d with code %v", status, raw, tt.status, tt.code)
			}
			if tt.status == 200 && strings.HasSuffix(tt.path, "/messages") {
				msgs, _ := m["messages"].([]any)
				if len(msgs) != 1 {
					t.Errorf("no message id: %s", raw)
				}
			}
		})
	}

	if err := s.p.DeleteChannelKey(ctx, pn, k.ID); err != nil {
		t.Fatal(err)
	}
	if status, m, raw := s.channelCall("POST", "/messages", d360, strings.NewReader(text), "application/json"); status != 401 || graphCode(m) != 190 {
		t.Errorf("a revoked key: %d %s, want 401 with code 190", status, raw)
	}
}

// TestChannelKeyMedia: 360dialog's media paths upload to the key's number,
// read the media's URL, download it with the key, and delete it.
func TestChannelKeyMedia(t *testing.T) {
	s := mustStack(t)
	k, err := s.p.CreateChannelKey(context.Background(), s.demo.Phone.ID)
	if err != nil {
		t.Fatal(err)
	}
	d360 := map[string]string{"D360-API-KEY": k.Key}
	data := pngBytes(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("messaging_product", "whatsapp")
	part, _ := mw.CreatePart(map[string][]string{
		"Content-Disposition": {`form-data; name="file"; filename="pic.png"`}, "Content-Type": {"image/png"}})
	part.Write(data)
	mw.Close()
	status, m, raw := s.channelCall("POST", "/media", d360, &body, mw.FormDataContentType())
	id, _ := m["id"].(string)
	if status != 200 || id == "" {
		t.Fatalf("upload: %d %s", status, raw)
	}
	media, err := s.p.Media(context.Background(), platform.Admin, id, "")
	if err != nil || media.PhoneNumberID != s.demo.Phone.ID {
		t.Fatalf("uploaded media %+v, %v: want it on the key's number", media, err)
	}

	status, m, raw = s.channelCall("GET", "/media/"+id, d360, nil, "")
	url, _ := m["url"].(string)
	if status != 200 || url == "" || m["id"] != id || m["mime_type"] != "image/png" {
		t.Fatalf("read: %d %s", status, raw)
	}
	status, _, got := s.channelCall("GET", strings.TrimPrefix(url, s.api.URL), d360, nil, "")
	if status != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download with the key: %d, %d bytes; want the %d uploaded", status, len(got), len(data))
	}

	status, m, raw = s.channelCall("DELETE", "/media/"+id, d360, nil, "")
	if status != 200 || m["success"] != true {
		t.Fatalf("delete: %d %s", status, raw)
	}
	if status, m, raw = s.channelCall("GET", "/media/"+id, d360, nil, ""); status == 200 || graphCode(m) == 0 {
		t.Errorf("read after the delete: %d %s", status, raw)
	}
}

// TestChannelKeyTemplates: GET /v1/configs/templates lists the templates of
// the key's WABA in 360dialog's shape, a page at a time.
func TestChannelKeyTemplates(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	k, err := s.p.CreateChannelKey(ctx, s.demo.Phone.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(time.Minute)
	if _, err := s.p.CreateTemplate(ctx, &wabi.Template{WABAID: s.demo.WABA.ID, Name: "order_ready", Language: "en_US",
		Category: wabi.CategoryUtility, Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Your order is ready."}}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.p.Templates(ctx, platform.Admin, s.demo.WABA.ID, platform.TemplateFilter{})
	if err != nil || len(all) < 2 {
		t.Fatalf("the demo WABA has %d templates (%v); the test needs two", len(all), err)
	}
	d360 := map[string]string{"D360-API-KEY": k.Key}
	status, m, raw := s.channelCall("GET", "/v1/configs/templates", d360, nil, "")
	if status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	list, _ := m["waba_templates"].([]any)
	if len(list) != len(all) || m["total"] != float64(len(all)) || m["count"] != float64(len(all)) || m["offset"] != float64(0) {
		t.Fatalf("%s: want all %d templates", raw, len(all))
	}
	first, _ := list[0].(map[string]any)
	oldest := all[len(all)-1]
	if first["id"] != oldest.ID || first["name"] != oldest.Name || first["namespace"] != s.demo.WABA.Namespace ||
		first["status"] != strings.ToLower(oldest.Status) || first["language"] != oldest.Language {
		t.Errorf("first template %v, want the oldest, %s", first, oldest.ID)
	}

	status, m, raw = s.channelCall("GET", "/v1/configs/templates?limit=1&offset=1", d360, nil, "")
	list, _ = m["waba_templates"].([]any)
	if status != 200 || len(list) != 1 || m["count"] != float64(1) || m["total"] != float64(len(all)) {
		t.Fatalf("a page of one: %d %s", status, raw)
	}
	if second, _ := list[0].(map[string]any); second["id"] != all[len(all)-2].ID {
		t.Errorf("second page %v, want %s", second, all[len(all)-2].ID)
	}
	if status, m, raw = s.channelCall("GET", "/v1/configs/templates?limit=0", d360, nil, ""); status != 400 || graphCode(m) != 100 {
		t.Errorf("limit=0: %d %s, want 400 with code 100", status, raw)
	}
	if status, m, raw = s.channelCall("GET", "/v1/configs/templates", map[string]string{"Authorization": "Bearer " + s.demo.Token.Value}, nil, ""); status != 403 || graphCode(m) != 200 {
		t.Errorf("with an access token: %d %s, want 403 with code 200", status, raw)
	}
}

// TestOwnsChannelPaths: the Cloud API owns 360dialog's paths and leaves the
// rest of /v1/ to the On-Premises API.
func TestOwnsChannelPaths(t *testing.T) {
	for path, want := range map[string]bool{
		"/messages": true, "/media": true, "/media/1234": true, "/v1/configs/templates": true,
		"/media/1234/x": false, "/media/": false, "/v1/messages": false, "/v1/media": false, "/v1/configs/webhook": false,
		"/index.html": false,
	} {
		if got := cloudapi.Owns(path); got != want {
			t.Errorf("Owns(%q) = %v, want %v", path, got, want)
		}
	}
}
