package platform

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

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
//
// Nodes that share a store and start together make one demo: the first to claim
// the demo record creates it, and the others wait for its business to appear.
func (p *Platform) EnsureDemo(ctx context.Context) (d *Demo, created bool, err error) {
	bs, err := p.store.Businesses(ctx)
	if err != nil {
		return nil, false, err
	}
	if len(bs) == 0 {
		if created, err = p.claimDemo(ctx); err != nil {
			return nil, false, err
		}
	}
	if created {
		if err := p.createDemo(ctx); err != nil {
			return nil, false, err
		}
		done := &wabi.Record{Kind: recDemo, Key: "demo", Value: []byte(demoDone), UpdatedAt: p.clock.Now()}
		if err := p.store.PutRecord(ctx, done); err != nil {
			return nil, false, err
		}
	} else if err := p.awaitDemo(ctx); err != nil {
		return nil, false, err
	}
	d, err = p.LoadDemo(ctx)
	return d, created, err
}

// recDemo is the kind of the record that says a node is creating, or has
// created, the demo.
const recDemo = "demo"

// claimDemo reports whether this node is the one to create the demo: the first
// to write the demo record is, unless it started longer than demoWait ago and
// the demo is still not there (that node died), when the record is taken over.
func (p *Platform) claimDemo(ctx context.Context) (bool, error) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	claim := &wabi.Record{Kind: recDemo, Key: "demo", Value: []byte(hex.EncodeToString(nonce)), UpdatedAt: p.clock.Now()}
	err := p.store.SwapRecord(ctx, claim, nil)
	if wabi.ErrorCode(err) != wabi.EConflict {
		return err == nil, err
	}
	r, err := p.store.Record(ctx, "", recDemo, "demo")
	if err != nil {
		return false, err
	}
	if p.clock.Now().Sub(r.UpdatedAt) < demoWait {
		return false, nil
	}
	err = p.store.SwapRecord(ctx, claim, r.Value)
	if wabi.ErrorCode(err) == wabi.EConflict {
		return false, nil
	}
	return err == nil, err
}

// awaitDemo waits, in real time, for another node to finish creating the
// demo, for at most demoWait. A store without a demo record (made before
// nodes could share one) has nothing to wait for.
func (p *Platform) awaitDemo(ctx context.Context) error {
	deadline := time.Now().Add(demoWait)
	for {
		r, err := p.store.Record(ctx, "", recDemo, "demo")
		if wabi.ErrorCode(err) == wabi.ENotFound || (err == nil && string(r.Value) == demoDone) {
			return nil
		}
		if err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return wabi.Errorf(wabi.EInternal, "another node began to create the demo and did not finish within %s", demoWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// demoDone is the demo record's value once the demo is whole.
const demoDone = "done"

// demoWait bounds how long a node waits for another to create the demo.
const demoWait = 30 * time.Second

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
	// The demo business is verified, at 2,000 customers a day, as a business
	// that finished Meta's business verification is (docs/quality.md).
	if _, err := p.VerifyBusiness(ctx, b.ID); err != nil {
		return err
	}
	a, err := p.CreateApp(ctx, b.ID, "Demo App")
	if err != nil {
		return err
	}
	if _, err := p.SetAppWebhook(ctx, Admin, a.ID, WebhookConfig{Fields: []string{wabi.FieldMessages,
		wabi.FieldMessageTemplateStatusUpdate, wabi.FieldTemplateCategoryUpdate, wabi.FieldMessageTemplateQualityUpdate,
		wabi.FieldPhoneNumberQualityUpdate, wabi.FieldBusinessCapabilityUpdate, wabi.FieldAccountUpdate}}); err != nil {
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
