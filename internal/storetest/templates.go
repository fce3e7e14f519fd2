package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testTemplateDetails follows a template through its lifecycle fields: the
// quality score, the category before a re-categorisation, whether review may
// re-categorise it, when it last changed and when it was edited. Each must come
// back as written, after a create and after updates that set and clear them.
func testTemplateDetails(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	mustTree(t, s, 1, at(0))
	yes := true
	submitted := &wabi.Template{ID: "t1", WABAID: "waba1", Name: "spring_sale", Language: "en",
		Category: wabi.CategoryUtility, Status: wabi.TemplatePending, ParameterFormat: "NAMED",
		Components: []wabi.TemplateComponent{
			{Type: "BODY", Text: "Hi {{first_name}}, it is spring.", Example: map[string]any{
				"body_text_named_params": []any{map[string]any{"param_name": "first_name", "example": "Ana"}}}},
			{Type: "BUTTONS", Buttons: []wabi.TemplateButton{{Type: "OTP", OTPType: "ZERO_TAP", ZeroTapTermsAccepted: &yes}}},
		},
		AllowCategoryChange: true, CreatedAt: at(1), UpdatedAt: at(1)}
	must(t, s.CreateTemplate(ctx, submitted))

	recategorised := *submitted
	recategorised.Status, recategorised.Category, recategorised.PreviousCategory = wabi.TemplateApproved, wabi.CategoryMarketing, wabi.CategoryUtility
	recategorised.QualityScore, recategorised.UpdatedAt = "GREEN", at(5)
	recategorised.Edits = []time.Time{at(2), at(4)}

	// An edit of a rejected template clears what review set.
	cleared := recategorised
	cleared.Status, cleared.RejectedReason, cleared.QualityScore, cleared.PreviousCategory = wabi.TemplateRejected, "INVALID_FORMAT", "", ""
	cleared.AllowCategoryChange, cleared.Edits, cleared.UpdatedAt = false, nil, at(9)

	steps := []struct {
		name string
		want *wabi.Template
	}{
		{"as submitted", submitted},
		{"after review", &recategorised},
		{"after clearing", &cleared},
	}
	for i, step := range steps {
		if i > 0 {
			must(t, s.UpdateTemplate(ctx, step.want))
		}
		wantAll(t, []check{
			{step.name + ": Template", res(s.Template(ctx, "t1")), step.want},
			{step.name + ": Templates", res(s.Templates(ctx, "waba1")), []*wabi.Template{step.want}},
		})
	}
}
