package cloudapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestOverrideGetsTemplateWebhooks: an app without a callback URL of its own,
// subscribed to a WABA with an override URL, gets that WABA's template webhooks
// there, as well as its message webhooks.
func TestOverrideGetsTemplateWebhooks(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	var mu sync.Mutex
	var bodies []string
	override := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer override.Close()
	if _, err := s.p.SetAppWebhook(ctx, platform.Admin, s.demo.App.ID, platform.WebhookConfig{
		Fields: []string{wabi.FieldMessages, wabi.FieldMessageTemplateStatusUpdate}}); err != nil {
		t.Fatal(err)
	}
	if err := s.p.Subscribe(ctx, platform.Admin, s.demo.WABA.ID, s.demo.App.ID, override.URL, ""); err != nil {
		t.Fatal(err)
	}
	tpl, err := s.p.CreateTemplate(ctx, &wabi.Template{WABAID: s.demo.WABA.ID, Name: "shipping_note", Language: "en",
		Category: wabi.CategoryUtility, Status: wabi.TemplatePending, Components: []wabi.TemplateComponent{{Type: "BODY", Text: "Shipped."}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.p.SetTemplateStatus(ctx, tpl.ID, platform.TemplateStatusChange{Status: wabi.TemplateApproved}); err != nil {
		t.Fatal(err)
	}
	s.customerSays("and a message")
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		all := strings.Join(bodies, "\n")
		mu.Unlock()
		if strings.Contains(all, `"field":"message_template_status_update"`) && strings.Contains(all, `"field":"messages"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("override URL got %q, want a template status update and a message", all)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
