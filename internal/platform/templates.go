package platform

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Edit limits of APPROVED templates (2388039).
const (
	limEditsPerMonth = 10
	editMonth        = 30 * 24 * time.Hour
	editGap          = 24 * time.Hour
)

// NewTemplate is a template as a business submits it (POST message_templates).
type NewTemplate struct {
	Name            string
	Language        string
	Category        string
	ParameterFormat string
	// AllowCategoryChange lets the review re-categorise the template instead of
	// rejecting it.
	AllowCategoryChange bool
	Components          []wabi.TemplateComponent
}

// SubmitTemplate creates a template through the Graph API: every creation rule
// applies, the WABA's limit of 250 names too, and the template starts PENDING
// until its review (see RunReviews).
func (p *Platform) SubmitTemplate(ctx context.Context, c Caller, wabaID string, nt NewTemplate) (*wabi.Template, error) {
	w, err := p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	if err != nil {
		return nil, err
	}
	t := &wabi.Template{WABAID: w.ID, Name: nt.Name, Language: nt.Language, Category: nt.Category,
		ParameterFormat: nt.ParameterFormat, AllowCategoryChange: nt.AllowCategoryChange, Components: nt.Components}
	normalizeTemplate(t)
	if e := checkTemplateDef(t, true); e != nil {
		return nil, e
	}
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	all, err := p.store.Templates(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, x := range all {
		names[x.Name] = true
		if x.Name != t.Name {
			continue
		}
		if x.Language == t.Language {
			return nil, templateExists(t)
		}
		if x.Category != t.Category {
			return nil, wabi.Errorf(wabi.EInvalidParam, "The category %s doesn't match the one already associated with the template %s, %s.", t.Category, t.Name, x.Category)
		}
	}
	if !names[t.Name] && len(names) >= TemplateLimit {
		return nil, wabi.Errorf(wabi.ETemplateLimit, "WhatsApp Business Account %s already has %d message templates, the most it may have. Delete templates it no longer uses first.", w.ID, len(names))
	}
	now := p.clock.Now()
	t.ID, t.Status, t.CreatedAt, t.UpdatedAt = p.ids.NewID(), wabi.TemplatePending, now, now
	if err := p.store.CreateTemplate(ctx, t); wabi.ErrorCode(err) == wabi.EConflict {
		return nil, templateExists(t)
	} else if err != nil {
		return nil, err
	}
	p.drop("tpl:" + t.WABAID)
	p.scheduleReview(t)
	return t, nil
}

func templateExists(t *wabi.Template) error {
	return wabi.Errorf(wabi.ETemplateExists, "There is already %s content for the template %s. Create a template with another name, or add another language.", t.Language, t.Name)
}

// TemplateFilter selects templates of a WABA; empty fields do not filter.
type TemplateFilter struct {
	// Name matches part of the name.
	Name string
	// Content matches part of the body text; NameOrContent either.
	Content, NameOrContent                   string
	Status, Category, Language, QualityScore string
}

// Templates lists the templates of a WABA that match the filter, newest first.
func (p *Platform) Templates(ctx context.Context, c Caller, wabaID string, f TemplateFilter) ([]*wabi.Template, error) {
	w, err := p.templatesWABA(ctx, c, wabaID)
	if err != nil {
		return nil, err
	}
	all, err := p.store.Templates(ctx, w.ID)
	if err != nil {
		return nil, err
	}
	contains := func(s, part string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(part)) }
	is := func(v, want string) bool { return want == "" || strings.EqualFold(v, want) }
	out := make([]*wabi.Template, 0, len(all))
	for _, t := range slices.Backward(all) {
		body := bodyText(t)
		switch {
		case !contains(t.Name, f.Name), !contains(body, f.Content),
			f.NameOrContent != "" && !contains(t.Name, f.NameOrContent) && !contains(body, f.NameOrContent),
			!is(t.Status, f.Status), !is(t.Category, f.Category), !is(t.Language, f.Language),
			!is(qualityOf(t), f.QualityScore):
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// Template returns a template the caller may manage.
func (p *Platform) Template(ctx context.Context, c Caller, id string) (*wabi.Template, error) {
	t, err := p.store.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := p.wabaForTemplate(ctx, c, t); err != nil {
		return nil, err
	}
	return t, nil
}

// wabaForTemplate checks that the caller may manage the template's WABA; a
// template of another business is not found.
func (p *Platform) wabaForTemplate(ctx context.Context, c Caller, t *wabi.Template) (*wabi.WABA, error) {
	w, err := p.waba(ctx, t.WABAID)
	if err != nil {
		return nil, err
	}
	return w, p.authorizeWABA(c, w, wabi.ScopeManagement, t.ID)
}

// TemplateEdit is a change of a template's components and/or category.
type TemplateEdit struct {
	Category   string
	Components []wabi.TemplateComponent
}

// EditTemplate changes a template and sends it back to review. A PENDING or
// DISABLED template cannot be edited, nor an APPROVED one more than once a day
// or ten times in 30 days (2388039); REJECTED and PAUSED ones can, at will.
func (p *Platform) EditTemplate(ctx context.Context, c Caller, id string, e TemplateEdit) (*wabi.Template, error) {
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	t, err := p.store.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := p.wabaForTemplate(ctx, c, t); err != nil {
		return nil, err
	}
	if len(e.Components) == 0 && e.Category == "" {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Nothing to edit: give components, category or both.")
	}
	now := p.clock.Now()
	next := *t
	next.Edits = slices.DeleteFunc(slices.Clone(t.Edits), func(at time.Time) bool { return now.Sub(at) >= editMonth })
	switch t.Status {
	case wabi.TemplatePending:
		return nil, wabi.Errorf(wabi.ETemplateNotEditable, "Template %s is in review (PENDING); edit it once it is approved or rejected.", t.ID)
	case wabi.TemplateDisabled:
		return nil, wabi.Errorf(wabi.ETemplateNotEditable, "Template %s is DISABLED and can no longer be edited; create a new one.", t.ID)
	case wabi.TemplateApproved:
		if n := len(next.Edits); n >= limEditsPerMonth {
			return nil, wabi.Errorf(wabi.ETemplateNotEditable, "Template %s was edited %d times in the last 30 days, the most an APPROVED template may be.", t.ID, n)
		}
		if n := len(next.Edits); n > 0 && now.Sub(next.Edits[n-1]) < editGap {
			return nil, wabi.Errorf(wabi.ETemplateNotEditable, "Template %s was edited less than 24 hours ago; an APPROVED template may be edited once a day.", t.ID)
		}
		if e.Category != "" && !strings.EqualFold(e.Category, t.Category) {
			return nil, wabi.Errorf(wabi.ETemplateNotEditable, "The category of an APPROVED template cannot be edited (template %s is %s).", t.ID, t.Category)
		}
		next.Edits = append(next.Edits, now)
	}
	if e.Category != "" {
		next.Category = e.Category
	}
	if len(e.Components) > 0 {
		next.Components = e.Components
	}
	normalizeTemplate(&next)
	if err := checkTemplateDef(&next, true); err != nil {
		return nil, err
	}
	next.Status, next.RejectedReason = wabi.TemplatePending, ""
	if err := p.saveTemplate(ctx, &next, statusEvent(wabi.TemplateChange{Event: wabi.TemplatePending})); err != nil {
		return nil, err
	}
	p.scheduleReview(&next)
	return &next, nil
}

// DeleteTemplates deletes the templates of a WABA with the name: every language,
// or only the one with the id when id is set. It returns how many it deleted.
func (p *Platform) DeleteTemplates(ctx context.Context, c Caller, wabaID, name, id string) (int, error) {
	w, err := p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement)
	if err != nil {
		return 0, err
	}
	if name == "" {
		return 0, wabi.Errorf(wabi.EInvalidParam, "The parameter name is required.")
	}
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	all, err := p.store.Templates(ctx, w.ID)
	if err != nil {
		return 0, err
	}
	var doomed []*wabi.Template
	for _, t := range all {
		if t.Name == name && (id == "" || t.ID == id) {
			doomed = append(doomed, t)
		}
	}
	if len(doomed) == 0 {
		which := ""
		if id != "" {
			which = " with hsm_id " + id
		}
		return 0, wabi.Errorf(wabi.EInvalidParam, "WhatsApp Business Account %s has no message template named %s%s.", w.ID, name, which)
	}
	for _, t := range doomed {
		if err := p.store.DeleteTemplate(ctx, t.ID); err != nil {
			return 0, err
		}
		p.cancelReview(t.ID)
		p.drop("tpl:" + t.WABAID)
		t.UpdatedAt = p.clock.Now()
		if err := p.emitTemplateEvents(ctx, t, statusEvent(wabi.TemplateChange{Event: "DELETED"})); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}

// bodyText is the text of a template's BODY.
func bodyText(t *wabi.Template) string {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, "BODY") {
			return c.Text
		}
	}
	return ""
}

// qualityOf is a template's quality score; UNKNOWN until one is set.
func qualityOf(t *wabi.Template) string {
	if t.QualityScore == "" {
		return "UNKNOWN"
	}
	return t.QualityScore
}
