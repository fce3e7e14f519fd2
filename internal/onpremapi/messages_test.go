package onpremapi_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// openWindow makes the demo customer write to the number, so free-form
// messages may be sent.
func (s *stack) openWindow() *wabi.Message {
	s.t.Helper()
	m, err := s.Net.Send(context.Background(), platform.DemoCustomerNumber, s.pn.ID,
		&wabi.Message{Type: wabi.TypeText, Content: wabi.Content{Text: &wabi.Text{Body: "hello"}}})
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

func TestSendShapes(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	s.openWindow()
	ns := s.Demo.WABA.Namespace
	to := platform.DemoCustomerNumber
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   int
		check  func(t *testing.T, m *wabi.Message)
	}{
		{"text with preview_url at top level", map[string]any{"to": to, "preview_url": true, "text": map[string]string{"body": "see https://example.com"}}, 200, 0,
			func(t *testing.T, m *wabi.Message) {
				if m.Text == nil || !m.Text.PreviewURL {
					t.Errorf("preview_url not kept: %+v", m.Text)
				}
			}},
		{"type defaults to text", map[string]any{"to": "+1 (555) 000-2000", "text": map[string]string{"body": "hi"}}, 200, 0,
			func(t *testing.T, m *wabi.Message) {
				if m.Type != wabi.TypeText || m.WaID != to {
					t.Errorf("type %s to %s", m.Type, m.WaID)
				}
			}},
		{"location", map[string]any{"to": to, "type": "location", "location": map[string]any{"latitude": 38.7, "longitude": -9.1, "name": "Shop"}}, 200, 0, nil},
		{"template with namespace and policy", map[string]any{"to": to, "type": "template", "template": map[string]any{"namespace": ns,
			"name": "hello_world", "language": map[string]string{"policy": "deterministic", "code": "en_US"}}}, 200, 0,
			func(t *testing.T, m *wabi.Message) {
				if m.Rendered == nil {
					t.Error("template not rendered")
				}
			}},
		{"legacy hsm", map[string]any{"to": to, "type": "hsm", "hsm": map[string]any{"namespace": ns, "element_name": "hello_world",
			"language": map[string]string{"policy": "deterministic", "code": "en_US"}}}, 200, 0,
			func(t *testing.T, m *wabi.Message) {
				if m.Type != wabi.TypeTemplate || m.Template.Name != "hello_world" {
					t.Errorf("hsm became %s %+v", m.Type, m.Template)
				}
			}},
		{"hsm with a parameter the template lacks", map[string]any{"to": to, "type": "hsm", "hsm": map[string]any{"namespace": ns,
			"element_name": "hello_world", "language": map[string]string{"code": "en_US"}, "localizable_params": []map[string]string{{"default": "x"}}}}, 400, 2000, nil},
		{"template without namespace", map[string]any{"to": to, "type": "template", "template": map[string]any{
			"name": "hello_world", "language": map[string]string{"code": "en_US"}}}, 400, 2014, nil},
		{"template of another namespace", map[string]any{"to": to, "type": "template", "template": map[string]any{"namespace": "nope",
			"name": "hello_world", "language": map[string]string{"code": "en_US"}}}, 404, 2001, nil},
		{"unknown template", map[string]any{"to": to, "type": "template", "template": map[string]any{"namespace": ns,
			"name": "nope", "language": map[string]string{"code": "en_US"}}}, 404, 2001, nil},
		{"missing to", map[string]any{"text": map[string]string{"body": "hi"}}, 400, 1008, nil},
		{"text too long", map[string]any{"to": to, "text": map[string]string{"body": strings.Repeat("a", 4097)}}, 400, 1009, nil},
		{"to self", map[string]any{"to": onPremNumber, "text": map[string]string{"body": "hi"}}, 400, 1021, nil},
		{"group recipient", map[string]any{"to": to, "recipient_type": "group", "text": map[string]string{"body": "hi"}}, 400, 1009, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do("POST", "/v1/messages", tok, tc.body)
			if tc.code != 0 {
				wantError(t, r, tc.status, tc.code)
				return
			}
			wantOK(t, r, tc.status)
			if _, ok := r.body["contacts"]; ok {
				t.Error("the On-Premises send answer has no contacts")
			}
			id := r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
			m, err := s.Store.Message(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestOutsideWindowFailsAsync(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"webhooks": map[string]any{"url": s.rcv.srv.URL}}), http.StatusOK)
	r := s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "hi"}})
	wantOK(t, r, http.StatusOK)
	id := r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
	s.rcv.waitFor(t, id, `"status":"failed"`, `"code":470`)
}

func TestStatusToggles(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	s.openWindow()
	// Delivered off, sent on (the per-status toggle wins over sent_status).
	wantOK(t, s.do("PATCH", "/v1/settings/application", tok, map[string]any{"sent_status": false,
		"webhooks": map[string]any{"url": s.rcv.srv.URL, "message": map[string]bool{"sent": true, "delivered": false}}}), http.StatusOK)
	r := s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "hi"}})
	id := r.body["messages"].([]any)[0].(map[string]any)["id"].(string)
	s.rcv.waitFor(t, id, `"status":"sent"`)
	s.rcv.waitFor(t, id, `"status":"read"`)
	for _, p := range s.rcv.snapshot() {
		if strings.Contains(string(p.body), id) && strings.Contains(string(p.body), `"status":"delivered"`) {
			t.Errorf("delivered status sent although switched off: %s", p.body)
		}
	}
}

func TestMarkRead(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	in := s.openWindow()
	wantError(t, s.do("PUT", "/v1/messages/"+in.ID, tok, map[string]string{"status": "deleted"}), http.StatusBadRequest, 1009)
	wantError(t, s.do("PUT", "/v1/messages/wamid.nope", tok, map[string]string{"status": "read"}), http.StatusBadRequest, 1009)
	wantOK(t, s.do("PUT", "/v1/messages/"+in.ID, tok, map[string]string{"status": "read"}), http.StatusOK)
	m, err := s.Store.Message(context.Background(), in.ID)
	if err != nil || m.Status != wabi.StatusRead {
		t.Fatalf("inbound message after PUT read: %+v, %v", m, err)
	}
}

func TestMedia(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	img := pngBytes(t, 64)
	r := s.do("POST", "/v1/media", tok, img) // Content-Type says JSON: the bytes decide
	wantOK(t, r, http.StatusOK)
	id := r.body["media"].([]any)[0].(map[string]any)["id"].(string)

	r = s.do("GET", "/v1/media/"+id, tok, nil)
	if r.status != 200 || !bytes.Equal(r.raw, img) || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d %s, %d bytes", r.status, r.header.Get("Content-Type"), len(r.raw))
	}
	// The Cloud number's media is not this deployment's.
	wantOK(t, s.do("DELETE", "/v1/media/"+id, tok, nil), http.StatusOK)
	r = s.do("GET", "/v1/media/"+id, tok, nil)
	if r.status != 404 || len(r.raw) != 0 {
		t.Fatalf("download of a deleted file: %d %q", r.status, r.raw)
	}
	wantError(t, s.do("POST", "/v1/media", tok, []byte{}), http.StatusBadRequest, 1014)
}

func TestProfilePhoto(t *testing.T) {
	s := newStack(t)
	tok := s.mustAdmin()
	r := s.do("GET", "/v1/settings/profile/photo", tok, nil)
	wantError(t, r, http.StatusNotFound, 1006)
	img := pngBytes(t, 200)
	wantOK(t, s.do("POST", "/v1/settings/profile/photo", tok, img), http.StatusOK)
	r = s.do("GET", "/v1/settings/profile/photo", tok, nil)
	if r.status != 200 || !bytes.Equal(r.raw, img) {
		t.Fatalf("photo: %d, %d bytes", r.status, len(r.raw))
	}
	r = s.do("GET", "/v1/settings/profile/photo?format=link", tok, nil)
	wantOK(t, r, http.StatusOK)
	link := r.body["settings"].(map[string]any)["profile"].(map[string]any)["photo"].(map[string]any)["link"].(string)
	res, err := http.Get(link)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("photo link %s: %v %v", link, res, err)
	}
	res.Body.Close()
	wantOK(t, s.do("DELETE", "/v1/settings/profile/photo", tok, nil), http.StatusOK)
	wantError(t, s.do("GET", "/v1/settings/profile/photo", tok, nil), http.StatusNotFound, 1006)
}

// pngBytes returns a square PNG.
func pngBytes(t testing.TB, size int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for i := range size {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
