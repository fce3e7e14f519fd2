package cloudapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestTemplateHeaderByLink: a header medium sent by link is checked once fetched;
// the wrong kind of file fails the message with 132012, the right one goes.
func TestTemplateHeaderByLink(t *testing.T) {
	s := mustStack(t)
	img := pngBytes(t)
	links := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pic.png":
			w.Write(img)
		case "/doc.pdf":
			w.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
		}
	}))
	defer links.Close()
	if _, err := s.p.CreateTemplate(context.Background(), &wabi.Template{WABAID: s.demo.WABA.ID, Name: "invoice", Language: "en",
		Category: "UTILITY", Components: []wabi.TemplateComponent{{Type: "HEADER", Format: "DOCUMENT"}, {Type: "BODY", Text: "Your invoice."}}}); err != nil {
		t.Fatal(err)
	}
	send := func(link string) string {
		status, body := s.call("POST", "/v23.0/"+s.demo.Phone.ID+"/messages", s.demo.Token.Value,
			`{"messaging_product":"whatsapp","to":"15550002000","type":"template","template":{"name":"invoice","language":{"code":"en"},
			"components":[{"type":"header","parameters":[{"type":"document","document":{"link":"`+link+`"}}]}]}}`)
		if status != 200 {
			t.Fatalf("send %s: %d %s", link, status, body)
		}
		return sentID(t, body)
	}
	if e := s.waitEvents(send(links.URL+"/pic.png"), 1); e[0].Kind != "failed" || e[0].Code != 132012 {
		t.Errorf("PNG as a DOCUMENT header: events %+v, want failed 132012", e)
	}
	if e := s.waitEvents(send(links.URL+"/doc.pdf"), 1); e[0].Kind != "sent" {
		t.Errorf("PDF as a DOCUMENT header: events %+v, want sent", e)
	}
}
