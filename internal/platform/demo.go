package platform

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// Demo is the tenancy wabi creates on first start, so that a newcomer can send a
// message without setting anything up.
type Demo struct {
	Business *wabi.Business    `json:"business"`
	WABA     *wabi.WABA        `json:"waba"`
	Phone    *wabi.PhoneNumber `json:"phone_number"`
	// OnPremPhone is the demo's On-Premises number, if it has one.
	OnPremPhone *wabi.PhoneNumber  `json:"onprem_phone_number,omitempty"`
	App         *wabi.App          `json:"app"`
	Token       *wabi.Token        `json:"token"`
	Customer    *wabi.VirtualPhone `json:"virtual_phone"`
}

// Demo numbers: the business number and a consumer who has WhatsApp.
const (
	DemoBusinessNumber = "15550001000"
	DemoOnPremNumber   = "15550001001"
	DemoCustomerNumber = "15550002000"
)

// EnsureDemo creates the demo tenancy if the store has no business yet, and returns
// the demo (the first business's objects) either way. created reports whether it was
// made now.
func (p *Platform) EnsureDemo(ctx context.Context) (d *Demo, created bool, err error) {
	bs, err := p.store.Businesses(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(bs) == 0 {
		if err := p.createDemo(ctx); err != nil {
			return nil, false, err
		}
		created = true
	}
	d, err = p.LoadDemo(ctx)
	return d, created, err
}

func (p *Platform) createDemo(ctx context.Context) error {
	b, err := p.CreateBusiness(ctx, "Demo Business")
	if err != nil {
		return err
	}
	w, err := p.CreateWABA(ctx, b.ID, "Demo WABA")
	if err != nil {
		return err
	}
	if _, err := p.CreatePhoneNumber(ctx, NewPhoneNumber{WABAID: w.ID, Number: DemoBusinessNumber, VerifiedName: "Demo Shop", Registered: true}); err != nil {
		return err
	}
	if _, err := p.CreatePhoneNumber(ctx, NewPhoneNumber{WABAID: w.ID, Number: DemoOnPremNumber, VerifiedName: "Demo Shop Legacy",
		Platform: wabi.PlatformOnPrem, Registered: true}); err != nil {
		return err
	}
	a, err := p.CreateApp(ctx, b.ID, "Demo App")
	if err != nil {
		return err
	}
	if _, err := p.SetAppWebhook(ctx, Admin, a.ID, WebhookConfig{Fields: []string{wabi.FieldMessages,
		wabi.FieldMessageTemplateStatusUpdate, wabi.FieldTemplateCategoryUpdate, wabi.FieldMessageTemplateQualityUpdate}}); err != nil {
		return err
	}
	if err := p.Subscribe(ctx, Admin, w.ID, a.ID, "", ""); err != nil {
		return err
	}
	if _, err := p.CreateToken(ctx, NewToken{BusinessID: b.ID, AppID: a.ID, Name: "demo system user"}); err != nil {
		return err
	}
	if _, err := p.CreateTemplate(ctx, &wabi.Template{
		WABAID: w.ID, Name: "hello_world", Language: "en_US", Category: wabi.CategoryUtility,
		Components: []wabi.TemplateComponent{
			{Type: "HEADER", Format: "TEXT", Text: "Hello from wabi"},
			{Type: "BODY", Text: "This is a sample template: your integration can send WhatsApp messages through wabi."},
			{Type: "FOOTER", Text: "wabi sample message"},
		},
	}); err != nil {
		return err
	}
	_, err = p.PutVirtualPhone(ctx, &wabi.VirtualPhone{WaID: DemoCustomerNumber, ProfileName: "Alex Demo",
		Behaviour: wabi.Behaviour{AutoRead: true}})
	return err
}

// LoadDemo returns the first business with its first WABA, number, app and token.
func (p *Platform) LoadDemo(ctx context.Context) (*Demo, error) {
	bs, err := p.store.Businesses(ctx)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, wabi.Errorf(wabi.ENotFound, "There is no business yet.")
	}
	d := &Demo{Business: bs[0]}
	if ws, err := p.store.WABAs(ctx, d.Business.ID); err != nil {
		return nil, err
	} else if len(ws) > 0 {
		d.WABA = ws[0]
		if ps, err := p.store.PhoneNumbers(ctx, d.WABA.ID); err != nil {
			return nil, err
		} else if len(ps) > 0 {
			d.Phone = ps[0]
			for _, pn := range ps {
				if pn.Platform == wabi.PlatformOnPrem && d.OnPremPhone == nil {
					d.OnPremPhone = pn
				}
			}
		}
	}
	if as, err := p.store.Apps(ctx, d.Business.ID); err != nil {
		return nil, err
	} else if len(as) > 0 {
		d.App = as[0]
	}
	if ts, err := p.store.Tokens(ctx, d.Business.ID); err != nil {
		return nil, err
	} else if len(ts) > 0 {
		d.Token = ts[0]
	}
	if vp, err := p.store.VirtualPhone(ctx, DemoCustomerNumber); err == nil {
		d.Customer = vp
	}
	return d, nil
}
