package platform

import (
	"context"
	"slices"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// Enumerations the operator's review actions take.
var (
	templateStatuses  = []string{wabi.TemplateApproved, wabi.TemplatePending, wabi.TemplateRejected, wabi.TemplatePaused, wabi.TemplateDisabled}
	rejectionReasons  = []string{"NONE", "ABUSIVE_CONTENT", "INCORRECT_CATEGORY", "INVALID_FORMAT", "PROMOTIONAL", "SCAM", "TAG_CONTENT_MISMATCH"}
	pauseTitles       = []string{"FIRST_PAUSE", "SECOND_PAUSE", "RATE_LIMITING_PAUSE"}
	qualityScores     = []string{"GREEN", "YELLOW", "RED", "UNKNOWN"}
	pauseDescriptions = map[string]string{
		"FIRST_PAUSE":         "Your message template has been paused for 3 hours because of low quality.",
		"SECOND_PAUSE":        "Your message template has been paused for 6 hours because of low quality.",
		"RATE_LIMITING_PAUSE": "Your message template has been paused because it was sent too often.",
	}
)

// CreateTemplate stores a template as the operator gives it (control API). The
// creation rules apply leniently (examples are not required and the body's
// variables may start or end it; review applies those). The status defaults to
// APPROVED, so that tests can send the template at once; a PENDING one is
// reviewed as if it had been submitted.
func (p *Platform) CreateTemplate(ctx context.Context, t *wabi.Template) (*wabi.Template, error) {
	if _, err := p.store.WABA(ctx, t.WABAID); err != nil {
		return nil, err
	}
	normalizeTemplate(t)
	if e := checkTemplateHead(t); e != nil {
		return nil, e
	}
	if t.Category != wabi.CategoryAuthentication && strings.TrimSpace(bodyText(t)) == "" {
		return nil, wabi.Errorf(wabi.ERequired, "A template needs a BODY component with text.")
	}
	if e := checkComponents(tplPath("components"), t.Components, t, false, false); e != nil {
		return nil, e
	}
	if t.Status == "" {
		t.Status = wabi.TemplateApproved
	}
	if err := oneOfParam("status", t.Status, templateStatuses); err != nil {
		return nil, err
	}
	now := p.clock.Now()
	t.ID, t.CreatedAt, t.UpdatedAt = p.ids.NewID(), now, now
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	if err := p.store.CreateTemplate(ctx, t); err != nil {
		return nil, err
	}
	p.drop("tpl:" + t.WABAID)
	if t.Status == wabi.TemplatePending {
		p.scheduleReview(t)
	}
	return t, nil
}

// TemplateStatusChange is the operator's review decision.
type TemplateStatusChange struct {
	// Status is APPROVED, PENDING, REJECTED, PAUSED or DISABLED.
	Status string
	// Reason is the rejection reason (INVALID_FORMAT, ...); default NONE.
	Reason string
	// Title and Description explain the change in its webhook: for PAUSED the
	// other_info (title FIRST_PAUSE, the default, SECOND_PAUSE or
	// RATE_LIMITING_PAUSE); for REJECTED the rejection_info (reason and
	// recommendation).
	Title, Description string
}

// SetTemplateStatus plays Meta's review: it moves a template to a status and
// tells subscribed apps (message_template_status_update). Setting the status a
// template has is a no-op. PENDING sends the template back to review.
func (p *Platform) SetTemplateStatus(ctx context.Context, id string, ch TemplateStatusChange) (*wabi.Template, error) {
	if err := oneOfParam("status", ch.Status, templateStatuses); err != nil {
		return nil, err
	}
	if ch.Reason == "" {
		ch.Reason = "NONE"
	}
	if err := oneOfParam("reason", ch.Reason, rejectionReasons); err != nil {
		return nil, err
	}
	if ch.Status == wabi.TemplatePaused {
		if ch.Title == "" {
			ch.Title = "FIRST_PAUSE"
		}
		if err := oneOfParam("title", ch.Title, pauseTitles); err != nil {
			return nil, err
		}
		if ch.Description == "" {
			ch.Description = pauseDescriptions[ch.Title]
		}
	}
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	t, err := p.store.Template(ctx, id)
	if err != nil {
		return nil, err
	}
	rejected := ""
	if ch.Status == wabi.TemplateRejected {
		rejected = ch.Reason
	}
	if t.Status == ch.Status && t.RejectedReason == rejected {
		return t, nil
	}
	change := wabi.TemplateChange{Event: ch.Status, Reason: ch.Reason, Title: ch.Title, Description: ch.Description}
	if ch.Status == wabi.TemplateApproved && t.Status == wabi.TemplatePaused && change.Title == "" {
		change.Title, change.Description = "UNPAUSE", "Your message template has been unpaused and can be sent again."
	}
	prev := t.Status
	t.Status, t.RejectedReason = ch.Status, rejected
	if err := p.saveTemplate(ctx, t, statusEvent(change)); err != nil {
		return nil, err
	}
	if ch.Status == wabi.TemplatePending {
		p.scheduleReview(t)
	} else if prev == wabi.TemplatePending {
		p.cancelReview(t.ID)
	}
	return t, nil
}

// SetTemplateCategory re-categorises a template, as Meta does when a template's
// content does not fit its category, and tells subscribed apps
// (template_category_update).
func (p *Platform) SetTemplateCategory(ctx context.Context, id, category string) (*wabi.Template, error) {
	category = strings.ToUpper(category)
	if err := oneOfParam("category", category, []string{wabi.CategoryMarketing, wabi.CategoryUtility, wabi.CategoryAuthentication}); err != nil {
		return nil, err
	}
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	t, err := p.store.Template(ctx, id)
	if err != nil || t.Category == category {
		return t, err
	}
	change := wabi.TemplateChange{Event: "CATEGORY_UPDATE", PreviousCategory: t.Category}
	t.PreviousCategory, t.Category = t.Category, category
	return t, p.saveTemplate(ctx, t, templateEvent{field: wabi.FieldTemplateCategoryUpdate, change: change})
}

// SetTemplateQuality sets a template's quality score (GREEN, YELLOW, RED or
// UNKNOWN) and tells subscribed apps (message_template_quality_update).
func (p *Platform) SetTemplateQuality(ctx context.Context, id, score string) (*wabi.Template, error) {
	score = strings.ToUpper(score)
	if err := oneOfParam("quality_score", score, qualityScores); err != nil {
		return nil, err
	}
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	t, err := p.store.Template(ctx, id)
	if err != nil || qualityOf(t) == score {
		return t, err
	}
	change := wabi.TemplateChange{Event: "QUALITY_UPDATE", PreviousQuality: qualityOf(t)}
	t.QualityScore = score
	return t, p.saveTemplate(ctx, t, templateEvent{field: wabi.FieldMessageTemplateQualityUpdate, change: change})
}

// oneOfParam checks an enumerated parameter of an operator action.
func oneOfParam(name, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return wabi.Errorf(wabi.EInvalidParam, "Param %s must be one of %s, not %q.", name, strings.Join(allowed, ", "), v)
	}
	return nil
}
