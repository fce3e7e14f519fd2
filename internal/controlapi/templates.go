package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

func (a *API) handleListTemplates(w http.ResponseWriter, r *http.Request) error {
	return listByParent(a, w, r, a.wabaFilter, a.Platform.Store().Templates)
}

// handleCreateTemplate stores a template as given; its status defaults to
// APPROVED so that tests can send it at once. A PENDING template is reviewed as
// if a business had submitted it.
func (a *API) handleCreateTemplate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		WABAID              string                   `json:"waba_id"`
		Name                string                   `json:"name"`
		Language            string                   `json:"language"`
		Category            string                   `json:"category"`
		Components          []wabi.TemplateComponent `json:"components"`
		ParameterFormat     string                   `json:"parameter_format"`
		AllowCategoryChange bool                     `json:"allow_category_change"`
		Status              string                   `json:"status"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("waba_id", req.WABAID); err != nil {
		return err
	}
	t, err := a.Platform.CreateTemplate(r.Context(), &wabi.Template{
		WABAID: req.WABAID, Name: req.Name, Language: req.Language, Category: req.Category,
		Components: req.Components, ParameterFormat: req.ParameterFormat, Status: req.Status,
		AllowCategoryChange: req.AllowCategoryChange,
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, t)
}

func (a *API) handleGetTemplate(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.Store().Template)
}
