package cloudapi

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/wabi"
)

// templateEvent returns the event of a change of the cast's template.
func templateEvent(field string, f func(t *wabi.Template), ch wabi.TemplateChange) *wabi.Event {
	t := &wabi.Template{ID: "1689556908129832", WABAID: whWABA.ID, Name: "order_update", Language: "en_US",
		Category: wabi.CategoryUtility, Status: wabi.TemplateApproved, UpdatedAt: whTime}
	if f != nil {
		f(t)
	}
	return &wabi.Event{Field: field, App: whAppV23, WABA: whWABA, Template: t, Change: &ch}
}

// TestTemplateWebhookGolden renders every template webhook wabi sends, in Meta's
// shapes: the envelope's time is a number, so is the template id.
func TestTemplateWebhookGolden(t *testing.T) {
	status := wabi.FieldMessageTemplateStatusUpdate
	set := func(s string) func(*wabi.Template) { return func(t *wabi.Template) { t.Status = s } }
	tests := []struct {
		name  string
		event *wabi.Event
	}{
		{"template_approved", templateEvent(status, nil, wabi.TemplateChange{Event: wabi.TemplateApproved, Reason: "NONE"})},
		{"template_rejected", templateEvent(status, set(wabi.TemplateRejected), wabi.TemplateChange{Event: wabi.TemplateRejected, Reason: "INVALID_FORMAT",
			Title: "The body has two variables next to each other.", Description: "Write words between variables."})},
		{"template_rejected_without_info", templateEvent(status, set(wabi.TemplateRejected), wabi.TemplateChange{Event: wabi.TemplateRejected, Reason: "SCAM"})},
		{"template_paused", templateEvent(status, set(wabi.TemplatePaused), wabi.TemplateChange{Event: wabi.TemplatePaused, Reason: "NONE",
			Title: "FIRST_PAUSE", Description: "Your message template has been paused for 3 hours because of low quality."})},
		{"template_unpaused", templateEvent(status, nil, wabi.TemplateChange{Event: wabi.TemplateApproved,
			Title: "UNPAUSE", Description: "Your message template has been unpaused and can be sent again."})},
		{"template_disabled", templateEvent(status, set(wabi.TemplateDisabled), wabi.TemplateChange{Event: wabi.TemplateDisabled})},
		{"template_pending_after_edit", templateEvent(status, set(wabi.TemplatePending), wabi.TemplateChange{Event: wabi.TemplatePending})},
		{"template_category_update", templateEvent(wabi.FieldTemplateCategoryUpdate, func(t *wabi.Template) {
			t.Category, t.PreviousCategory = wabi.CategoryMarketing, wabi.CategoryUtility
		}, wabi.TemplateChange{Event: "CATEGORY_UPDATE", PreviousCategory: wabi.CategoryUtility})},
		{"template_quality_update", templateEvent(wabi.FieldMessageTemplateQualityUpdate, func(t *wabi.Template) { t.QualityScore = "YELLOW" },
			wabi.TemplateChange{Event: "QUALITY_UPDATE", PreviousQuality: "GREEN"})},
		{"template_quality_first_score", templateEvent(wabi.FieldMessageTemplateQualityUpdate, func(t *wabi.Template) { t.QualityScore = "GREEN" },
			wabi.TemplateChange{Event: "QUALITY_UPDATE"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WebhookEncoder{}.Encode(tt.event)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			mustASCIIJSON(t, got)
			if !strings.Contains(string(got), `"time":1750030073,`) || !strings.Contains(string(got), `"message_template_id":1689556908129832,`) {
				t.Errorf("time and template id must be numbers: %s", got)
			}
			golden.Assert(t, filepath.Join("testdata", "webhooks", tt.name+".json"), got)
		})
	}
}

func TestTemplateWebhookRejects(t *testing.T) {
	tests := []struct {
		name    string
		event   *wabi.Event
		wantErr string
	}{
		{"no template", &wabi.Event{Field: wabi.FieldMessageTemplateStatusUpdate, Change: &wabi.TemplateChange{Event: "APPROVED"}}, "no webhook shape"},
		{"no change", &wabi.Event{Field: wabi.FieldTemplateCategoryUpdate, Template: &wabi.Template{ID: "1"}}, "no webhook shape"},
		{"id that is not a number", templateEvent(wabi.FieldMessageTemplateStatusUpdate, func(t *wabi.Template) { t.ID = "tpl-1" },
			wabi.TemplateChange{Event: "APPROVED"}), "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WebhookEncoder{}.Encode(tt.event)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}
