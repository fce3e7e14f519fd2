package platform

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Verdict is what a review decides about a pending template.
type Verdict struct {
	// Status is APPROVED or REJECTED.
	Status string
	// Category, when set and not the template's, re-categorises it (Meta does so
	// when allow_category_change is set).
	Category string
	// Reason is the rejection reason (INVALID_FORMAT, INCORRECT_CATEGORY, ...).
	Reason string
	// Detail and Recommendation explain a rejection (rejection_info).
	Detail, Recommendation string
}

// ReviewPolicy decides a pending template. It must not change the template.
type ReviewPolicy func(t *wabi.Template) Verdict

// marketingWords are what makes a UTILITY template read as marketing.
var marketingWords = regexp.MustCompile(`(?i)([0-9]+ ?% off|\b(sale|discount|promo|promotion|coupon|buy now|shop now|limited time|special offer|free shipping)\b)`)

// DefaultReview is Meta's review as wabi plays it. It rejects what Meta is known
// to reject after submission: a template that breaks a creation rule (missing
// examples, variables at the start or end of the body or crowding it: templates
// the operator stored leniently), and adjacent variables ({{1}} {{2}}) as
// INVALID_FORMAT; a UTILITY template that reads as marketing as
// INCORRECT_CATEGORY, unless allow_category_change lets it become MARKETING.
// Everything else, including every well-formed AUTHENTICATION template, is
// approved.
func DefaultReview(t *wabi.Template) Verdict {
	if e := checkTemplateDef(t, true); e != nil {
		return Verdict{Status: wabi.TemplateRejected, Reason: "INVALID_FORMAT", Detail: e.Message,
			Recommendation: "Fix the template as the reason says and submit it again."}
	}
	if t.Category == wabi.CategoryAuthentication {
		return Verdict{Status: wabi.TemplateApproved}
	}
	for _, c := range t.Components {
		if c.Type == "BODY" && adjacentVars.MatchString(c.Text) {
			return Verdict{Status: wabi.TemplateRejected, Reason: "INVALID_FORMAT",
				Detail:         "The body has two variables next to each other, with nothing but spaces between them.",
				Recommendation: "Write words between variables, or merge them into one."}
		}
	}
	if t.Category == wabi.CategoryUtility && marketingWords.MatchString(templateText(t)) {
		if t.AllowCategoryChange {
			return Verdict{Status: wabi.TemplateApproved, Category: wabi.CategoryMarketing}
		}
		return Verdict{Status: wabi.TemplateRejected, Reason: "INCORRECT_CATEGORY",
			Detail:         "The template promotes a sale or an offer, which makes it a MARKETING template, not UTILITY.",
			Recommendation: "Submit it as MARKETING, or set allow_category_change to let the review change its category."}
	}
	return Verdict{Status: wabi.TemplateApproved}
}

// templateText is every text of a template, for content rules.
func templateText(t *wabi.Template) string {
	var b strings.Builder
	for _, c := range t.Components {
		b.WriteString(c.Text)
		b.WriteByte('\n')
		for _, btn := range c.Buttons {
			b.WriteString(btn.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// RunReviews reviews pending templates until ctx ends: each is decided
// TemplateReviewDelay after it was submitted or edited. It first schedules every
// template already pending in the store, so that reviews survive a restart.
// When ctx ends it cancels the scheduled reviews, waits for those under way and
// returns nil.
func (p *Platform) RunReviews(ctx context.Context) error {
	r := &p.tpl
	r.rmu.Lock()
	if r.running {
		r.rmu.Unlock()
		return errors.New("platform: RunReviews is already running")
	}
	r.running, r.runCtx, r.timers = true, ctx, map[string]*reviewTimer{}
	r.rmu.Unlock()

	if ts, err := p.store.Templates(ctx, ""); err != nil {
		p.logger().Error("cannot resume template reviews", "err", err)
	} else {
		for _, t := range ts {
			if t.Status == wabi.TemplatePending {
				p.scheduleReview(t)
			}
		}
	}
	<-ctx.Done()

	r.rmu.Lock()
	r.running = false
	for id, rt := range r.timers {
		if rt.t.Stop() {
			r.inflight.Done()
		}
		delete(r.timers, id)
	}
	r.rmu.Unlock()
	r.inflight.Wait()
	return nil
}

// scheduleReview arranges the review of a pending template, replacing any
// earlier one. Nothing is scheduled while RunReviews is not running (the next
// run picks the template up) or when TemplateReviewDelay is negative.
func (p *Platform) scheduleReview(t *wabi.Template) {
	if p.TemplateReviewDelay < 0 {
		return
	}
	since := t.UpdatedAt
	if since.IsZero() {
		since = t.CreatedAt
	}
	delay := max(p.TemplateReviewDelay-p.clock.Now().Sub(since), 0)
	id, version := t.ID, t.UpdatedAt

	r := &p.tpl
	r.rmu.Lock()
	defer r.rmu.Unlock()
	if !r.running {
		return
	}
	p.cancelReviewLocked(id)
	rt := &reviewTimer{}
	r.timers[id] = rt
	r.inflight.Add(1)
	rt.t = p.clock.AfterFunc(delay, func() {
		defer r.inflight.Done()
		r.rmu.Lock()
		if r.timers[id] == rt {
			delete(r.timers, id)
		}
		ctx, running := r.runCtx, r.running
		r.rmu.Unlock()
		if running {
			p.review(ctx, id, version)
		}
	})
}

// cancelReview drops the scheduled review of a template, if any.
func (p *Platform) cancelReview(id string) {
	p.tpl.rmu.Lock()
	defer p.tpl.rmu.Unlock()
	p.cancelReviewLocked(id)
}

func (p *Platform) cancelReviewLocked(id string) {
	if rt := p.tpl.timers[id]; rt != nil {
		if rt.t.Stop() {
			p.tpl.inflight.Done()
		}
		delete(p.tpl.timers, id)
	}
}

// review decides a template that is still pending and unchanged since its
// review was scheduled (version is its UpdatedAt then).
func (p *Platform) review(ctx context.Context, id string, version time.Time) {
	p.tpl.mu.Lock()
	defer p.tpl.mu.Unlock()
	t, err := p.store.Template(ctx, id)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return
	} else if err != nil {
		p.logger().Error("template review: cannot load the template", "template", id, "err", err)
		return
	}
	if t.Status != wabi.TemplatePending || !t.UpdatedAt.Equal(version) {
		return
	}
	policy := p.ReviewTemplate
	if policy == nil {
		policy = DefaultReview
	}
	v := policy(t)
	var events []templateEvent
	if v.Category != "" && v.Category != t.Category {
		events = append(events, templateEvent{field: wabi.FieldTemplateCategoryUpdate,
			change: wabi.TemplateChange{Event: "CATEGORY_UPDATE", PreviousCategory: t.Category}})
		t.PreviousCategory, t.Category = t.Category, v.Category
	}
	switch v.Status {
	case wabi.TemplateApproved:
		t.Status, t.RejectedReason = wabi.TemplateApproved, ""
		events = append(events, statusEvent(wabi.TemplateChange{Event: wabi.TemplateApproved}))
	case wabi.TemplateRejected:
		reason := v.Reason
		if reason == "" {
			reason = "INVALID_FORMAT"
		}
		t.Status, t.RejectedReason = wabi.TemplateRejected, reason
		events = append(events, statusEvent(wabi.TemplateChange{Event: wabi.TemplateRejected, Reason: reason,
			Title: v.Detail, Description: v.Recommendation}))
	default:
		p.logger().Error("template review: the policy decided neither APPROVED nor REJECTED", "template", id, "status", v.Status)
		return
	}
	if err := p.saveTemplate(ctx, t, events...); err != nil {
		p.logger().Error("template review: cannot save the decision", "template", id, "err", err)
	}
}
