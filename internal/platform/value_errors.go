package platform

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// maxValueErrors bounds the errors of one out-of-band errors webhook.
const maxValueErrors = 10

// ReportErrors sends a number's receivers an errors webhook: problems of the
// number that no one message carries (Meta's value-level errors, such as a rate
// limit hit while receiving). A Cloud API number's subscribed apps get a
// messages webhook whose value holds errors[]; an On-Premises deployment gets a
// bare errors[]. Each error's message is its details.
func (p *Platform) ReportErrors(ctx context.Context, phoneNumberID string, errs []*wabi.Error) error {
	if len(errs) == 0 || len(errs) > maxValueErrors {
		return wabi.Errorf(wabi.EInvalidParam, "Param errors must hold 1 to %d errors (got %d).", maxValueErrors, len(errs))
	}
	for i, e := range errs {
		if e == nil || e.Code == "" {
			return wabi.Errorf(wabi.ERequired, "Param errors[%d]['code'] is required.", i)
		}
		if len([]rune(e.Message)) > limSystemBody {
			return wabi.Errorf(wabi.EInvalidParam, "Param errors[%d]['details'] must be at most %d characters long.", i, limSystemBody)
		}
	}
	pn, err := p.phoneNumber(ctx, phoneNumberID)
	if err != nil {
		return err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return err
	}
	ds, err := p.numberDeliveries(ctx, pn, w, "", "", func(app *wabi.App) (*wabi.Event, string) {
		return &wabi.Event{Field: wabi.FieldMessages, App: app, WABA: w, Phone: pn, Errors: errs}, "errors"
	})
	if err != nil || len(ds) == 0 {
		return err
	}
	if err := p.store.Commit(ctx, &wabi.Batch{Deliveries: ds}); err != nil {
		return err
	}
	p.enqueue(ds)
	return nil
}
