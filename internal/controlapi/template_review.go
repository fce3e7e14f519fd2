package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// handleSetTemplateStatus plays Meta's review: approve, reject (with a reason
// and, optionally, the rejection_info text), pause (FIRST_PAUSE, SECOND_PAUSE
// or RATE_LIMITING_PAUSE), disable, or send back to review (PENDING). Apps
// subscribed to message_template_status_update hear of it.
func (a *API) handleSetTemplateStatus(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Status      string `json:"status"`
		Reason      string `json:"reason"`
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("status", req.Status); err != nil {
		return err
	}
	t, err := a.Platform.SetTemplateStatus(r.Context(), r.PathValue("id"), platform.TemplateStatusChange{
		Status: req.Status, Reason: req.Reason, Title: req.Title, Description: req.Description,
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, t)
}

// handleSetTemplateCategory re-categorises a template, as Meta's review may;
// apps subscribed to template_category_update hear of it.
func (a *API) handleSetTemplateCategory(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Category string `json:"category"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("category", req.Category); err != nil {
		return err
	}
	t, err := a.Platform.SetTemplateCategory(r.Context(), r.PathValue("id"), req.Category)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, t)
}

// handleSetTemplateQuality sets a template's quality score (GREEN, YELLOW, RED
// or UNKNOWN); apps subscribed to message_template_quality_update hear of it.
func (a *API) handleSetTemplateQuality(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		QualityScore string `json:"quality_score"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("quality_score", req.QualityScore); err != nil {
		return err
	}
	t, err := a.Platform.SetTemplateQuality(r.Context(), r.PathValue("id"), req.QualityScore)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, t)
}
