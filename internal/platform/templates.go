package platform

import (
	"context"
	"regexp"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

var (
	templateName     = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	templateLanguage = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
)

// CreateTemplate stores a template as the operator gives it. The status defaults
// to APPROVED, so that templates can be sent at once in tests.
func (p *Platform) CreateTemplate(ctx context.Context, t *wabi.Template) (*wabi.Template, error) {
	if _, err := p.store.WABA(ctx, t.WABAID); err != nil {
		return nil, err
	}
	if !templateName.MatchString(t.Name) {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param name must be lower-case letters, digits and underscores, not %q.", t.Name)
	}
	if !templateLanguage.MatchString(t.Language) {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param language must be a locale code such as en or en_US, not %q.", t.Language)
	}
	t.Category = strings.ToUpper(t.Category)
	switch t.Category {
	case wabi.CategoryMarketing, wabi.CategoryUtility, wabi.CategoryAuthentication:
	default:
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param category must be MARKETING, UTILITY or AUTHENTICATION, not %q.", t.Category)
	}
	if t.Status == "" {
		t.Status = wabi.TemplateApproved
	}
	if err := checkTemplateStatus(t.Status); err != nil {
		return nil, err
	}
	body := false
	for i := range t.Components {
		c := &t.Components[i]
		c.Type = strings.ToUpper(c.Type)
		switch c.Type {
		case "BODY":
			body = c.Text != ""
		case "HEADER", "FOOTER", "BUTTONS":
		default:
			return nil, wabi.Errorf(wabi.EInvalidParam, "Param components[%d]['type'] must be HEADER, BODY, FOOTER or BUTTONS, not %q.", i, c.Type)
		}
	}
	if !body {
		return nil, wabi.Errorf(wabi.ERequired, "A template needs a BODY component with text.")
	}
	t.ID = p.ids.NewID()
	t.CreatedAt = p.clock.Now()
	if err := p.store.CreateTemplate(ctx, t); err != nil {
		return nil, err
	}
	p.cache.drop("tpl:" + t.WABAID)
	return t, nil
}

// SetTemplateStatus moves a template to a new status, with a reason for rejections.
func (p *Platform) SetTemplateStatus(ctx context.Context, id, status, reason string) (*wabi.Template, error) {
	t, err := p.store.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkTemplateStatus(status); err != nil {
		return nil, err
	}
	t.Status, t.RejectedReason = status, reason
	if err := p.store.UpdateTemplate(ctx, t); err != nil {
		return nil, err
	}
	p.cache.drop("tpl:" + t.WABAID)
	return t, nil
}

func checkTemplateStatus(s string) error {
	switch s {
	case wabi.TemplateApproved, wabi.TemplatePending, wabi.TemplateRejected, wabi.TemplatePaused, wabi.TemplateDisabled:
		return nil
	}
	return wabi.Errorf(wabi.EInvalidParam, "Param status must be APPROVED, PENDING, REJECTED, PAUSED or DISABLED, not %q.", s)
}
