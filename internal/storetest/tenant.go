package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testTenancy creates two tenancy trees, the younger one first, and checks gets,
// lists (oldest first, filtered by parent) and updates.
func testTenancy(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	t2 := mustTree(t, s, 2, at(10))
	t1 := mustTree(t, s, 1, at(0))
	late := &wabi.WABA{ID: "waba1b", BusinessID: "biz1", Name: "Second", Currency: "EUR",
		TimezoneID: "42", Namespace: "ns_1b", CreatedAt: at(20)}
	must(t, s.CreateWABA(ctx, late))

	wantAll(t, []check{
		{"Business", res(s.Business(ctx, "biz1")), t1.biz},
		{"WABA", res(s.WABA(ctx, "waba1b")), late},
		{"PhoneNumber", res(s.PhoneNumber(ctx, "phone2")), t2.phone},
		{"App", res(s.App(ctx, "app1")), t1.app},
		{"Businesses", res(s.Businesses(ctx)), []*wabi.Business{t1.biz, t2.biz}},
		{"WABAs of all", res(s.WABAs(ctx, "")), []*wabi.WABA{t1.waba, t2.waba, late}},
		{"WABAs of biz1", res(s.WABAs(ctx, "biz1")), []*wabi.WABA{t1.waba, late}},
		{"WABAs of biz2", res(s.WABAs(ctx, "biz2")), []*wabi.WABA{t2.waba}},
		{"WABAs of nobody", res(s.WABAs(ctx, "nobody")), []*wabi.WABA{}},
		{"PhoneNumbers of all", res(s.PhoneNumbers(ctx, "")), []*wabi.PhoneNumber{t1.phone, t2.phone}},
		{"PhoneNumbers of waba2", res(s.PhoneNumbers(ctx, "waba2")), []*wabi.PhoneNumber{t2.phone}},
		{"PhoneNumbers of waba1b", res(s.PhoneNumbers(ctx, "waba1b")), []*wabi.PhoneNumber{}},
		{"Apps of all", res(s.Apps(ctx, "")), []*wabi.App{t1.app, t2.app}},
		{"Apps of biz2", res(s.Apps(ctx, "biz2")), []*wabi.App{t2.app}},
	})

	phone := *t1.phone
	phone.VerifiedName = "Acme Ltd"
	phone.Platform = wabi.PlatformOnPrem
	phone.Registered = false
	phone.QualityRating = "YELLOW"
	must(t, s.UpdatePhoneNumber(ctx, &phone))
	app := *t1.app
	app.CallbackURL = ""
	app.Secret = "rotated"
	app.Fields = []string{wabi.FieldMessages, wabi.FieldMessageTemplateStatusUpdate}
	must(t, s.UpdateApp(ctx, &app))
	wantAll(t, []check{
		{"updated PhoneNumber", res(s.PhoneNumber(ctx, "phone1")), &phone},
		{"updated App", res(s.App(ctx, "app1")), &app},
		{"other PhoneNumber", res(s.PhoneNumber(ctx, "phone2")), t2.phone},
	})
}

// testNotFoundAndConflict checks the codes of missing and duplicate objects.
func testNotFoundAndConflict(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	tr := mustTree(t, s, 1, at(0))
	tmpl := &wabi.Template{ID: "tmpl1", WABAID: "waba1", Name: "hello", Language: "en_US",
		Category: wabi.CategoryUtility, Status: wabi.TemplateApproved, CreatedAt: at(1)}
	must(t, s.CreateTemplate(ctx, tmpl))
	must(t, s.CreateToken(ctx, &wabi.Token{Value: "tok", BusinessID: "biz1", CreatedAt: at(1)}))

	sameDisplay := *tr.phone
	sameDisplay.ID = "phone8"
	missingPhone := *tr.phone
	missingPhone.ID = "nophone"
	missingApp := *tr.app
	missingApp.ID = "noapp"
	missingTmpl := *tmpl
	missingTmpl.ID = "notmpl"
	for _, c := range []struct {
		name string
		err  error
		want wabi.Code
	}{
		{"Business", res(s.Business(ctx, "nobiz")).err, wabi.ENotFound},
		{"WABA", res(s.WABA(ctx, "nowaba")).err, wabi.ENotFound},
		{"PhoneNumber", res(s.PhoneNumber(ctx, "nophone")).err, wabi.ENotFound},
		{"App", res(s.App(ctx, "noapp")).err, wabi.ENotFound},
		{"Template", res(s.Template(ctx, "notmpl")).err, wabi.ENotFound},
		{"Token", res(s.Token(ctx, "notok")).err, wabi.ENotFound},
		{"VirtualPhone", res(s.VirtualPhone(ctx, "1555")).err, wabi.ENotFound},
		{"Message", res(s.Message(ctx, "wamid.none")).err, wabi.ENotFound},
		{"Delivery", res(s.Delivery(ctx, "1")).err, wabi.ENotFound},
		{"UpdatePhoneNumber of a missing number", s.UpdatePhoneNumber(ctx, &missingPhone), wabi.ENotFound},
		{"UpdateApp of a missing app", s.UpdateApp(ctx, &missingApp), wabi.ENotFound},
		{"UpdateTemplate of a missing template", s.UpdateTemplate(ctx, &missingTmpl), wabi.ENotFound},
		{"DeleteToken of a missing token", s.DeleteToken(ctx, "notok"), wabi.ENotFound},
		{"DeleteSubscription of a missing one", s.DeleteSubscription(ctx, "waba1", "app1"), wabi.ENotFound},
		{"CreateWABA under a missing business", s.CreateWABA(ctx,
			&wabi.WABA{ID: "waba9", BusinessID: "nobiz", CreatedAt: at(2)}), wabi.ENotFound},
		{"CreateBusiness twice", s.CreateBusiness(ctx, tr.biz), wabi.EConflict},
		{"CreateWABA twice", s.CreateWABA(ctx, tr.waba), wabi.EConflict},
		{"CreatePhoneNumber twice", s.CreatePhoneNumber(ctx, tr.phone), wabi.EConflict},
		{"CreatePhoneNumber with a taken display number", s.CreatePhoneNumber(ctx, &sameDisplay), wabi.EConflict},
		{"CreateApp twice", s.CreateApp(ctx, tr.app), wabi.EConflict},
		{"CreateTemplate twice", s.CreateTemplate(ctx, tmpl), wabi.EConflict},
		{"CreateToken twice", s.CreateToken(ctx, &wabi.Token{Value: "tok", BusinessID: "biz1"}), wabi.EConflict},
	} {
		wantCode(t, c.name, c.err, c.want)
	}
	if _, err := s.PhoneNumber(ctx, "phone8"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("a conflicting phone number was stored: %v", err)
	}
}

// testTokens looks tokens up by value, lists them by business and deletes one.
func testTokens(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	mustTree(t, s, 1, at(0))
	mustTree(t, s, 2, at(0))
	full := &wabi.Token{Value: "EAAG-full", BusinessID: "biz1", AppID: "app1", Name: "admin",
		Scopes: []string{wabi.ScopeMessaging, wabi.ScopeManagement}, CreatedAt: at(1)}
	narrow := &wabi.Token{Value: "EAAG-narrow", BusinessID: "biz1", Name: "bot",
		WABAIDs: []string{"waba1"}, Scopes: []string{wabi.ScopeMessaging}, CreatedAt: at(2)}
	other := &wabi.Token{Value: "EAAG-other", BusinessID: "biz2", Name: "other",
		Scopes: []string{wabi.ScopeMessaging}, CreatedAt: at(3)}
	for _, tok := range []*wabi.Token{narrow, full, other} {
		must(t, s.CreateToken(ctx, tok))
	}
	wantAll(t, []check{
		{"Token full", res(s.Token(ctx, "EAAG-full")), full},
		{"Token narrow", res(s.Token(ctx, "EAAG-narrow")), narrow},
		{"Tokens of biz1", res(s.Tokens(ctx, "biz1")), []*wabi.Token{full, narrow}},
		{"Tokens of all", res(s.Tokens(ctx, "")), []*wabi.Token{full, narrow, other}},
	})
	must(t, s.DeleteToken(ctx, "EAAG-full"))
	wantCode(t, "Token after delete", res(s.Token(ctx, "EAAG-full")).err, wabi.ENotFound)
	wantAll(t, []check{{"Tokens of biz1 after delete", res(s.Tokens(ctx, "biz1")), []*wabi.Token{narrow}}})
}

// testSubscriptions puts, replaces, lists and deletes subscriptions.
func testSubscriptions(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	mustTree(t, s, 1, at(0))
	t2 := mustTree(t, s, 2, at(0))
	// App 2 is also subscribed to WABA 1: apps and WABAs meet across businesses
	// only through subscriptions.
	must(t, s.CreateWABA(ctx, &wabi.WABA{ID: "waba3", BusinessID: "biz1", CreatedAt: at(0)}))
	s11 := &wabi.Subscription{WABAID: "waba1", AppID: "app1", CreatedAt: at(1)}
	s12 := &wabi.Subscription{WABAID: "waba1", AppID: t2.app.ID, OverrideCallbackURL: "https://b.example/h",
		VerifyToken: "v2", CreatedAt: at(2)}
	s31 := &wabi.Subscription{WABAID: "waba3", AppID: "app1", CreatedAt: at(3)}
	for _, sub := range []*wabi.Subscription{s11, s12, s31} {
		must(t, s.PutSubscription(ctx, sub))
	}
	wantCode(t, "PutSubscription to a missing WABA",
		s.PutSubscription(ctx, &wabi.Subscription{WABAID: "nowaba", AppID: "app1", CreatedAt: at(4)}), wabi.ENotFound)

	// Replacing keeps the subscription's creation time and place.
	replaced := &wabi.Subscription{WABAID: "waba1", AppID: "app1", OverrideCallbackURL: "https://new.example/h",
		VerifyToken: "v1", CreatedAt: at(9)}
	must(t, s.PutSubscription(ctx, replaced))
	want11 := *replaced
	want11.CreatedAt = s11.CreatedAt
	wantAll(t, []check{
		{"Subscriptions of waba1", res(s.Subscriptions(ctx, "waba1")), []*wabi.Subscription{&want11, s12}},
		{"Subscriptions of all", res(s.Subscriptions(ctx, "")), []*wabi.Subscription{&want11, s12, s31}},
	})
	must(t, s.DeleteSubscription(ctx, "waba1", "app1"))
	wantAll(t, []check{
		{"Subscriptions of waba1 after delete", res(s.Subscriptions(ctx, "waba1")), []*wabi.Subscription{s12}},
		{"Subscriptions of waba3 after delete", res(s.Subscriptions(ctx, "waba3")), []*wabi.Subscription{s31}},
	})
}

// testTemplates creates templates, refuses a second (WABA, name, language),
// updates one and lists them by WABA.
func testTemplates(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	mustTree(t, s, 1, at(0))
	mustTree(t, s, 2, at(0))
	components := []wabi.TemplateComponent{
		{Type: "HEADER", Format: "TEXT", Text: "Hi {{1}}", Example: map[string]any{"header_text": []any{"Ann"}}},
		{Type: "BODY", Text: "Your order {{1}} ships {{2}}."},
		{Type: "BUTTONS", Buttons: []wabi.TemplateButton{
			{Type: "URL", Text: "Track", URL: "https://example.com/t/{{1}}"},
			{Type: "PHONE_NUMBER", Text: "Call", PhoneNumber: "+15550001"},
		}},
	}
	en := &wabi.Template{ID: "t1", WABAID: "waba1", Name: "order_update", Language: "en_US",
		Category: wabi.CategoryUtility, Status: wabi.TemplatePending, Components: components, CreatedAt: at(1)}
	fr := &wabi.Template{ID: "t2", WABAID: "waba1", Name: "order_update", Language: "fr",
		Category: wabi.CategoryUtility, Status: wabi.TemplateApproved, ParameterFormat: "POSITIONAL", CreatedAt: at(2)}
	other := &wabi.Template{ID: "t3", WABAID: "waba2", Name: "order_update", Language: "en_US",
		Category: wabi.CategoryMarketing, Status: wabi.TemplateApproved, CreatedAt: at(3)}
	for _, tmpl := range []*wabi.Template{en, fr, other} {
		must(t, s.CreateTemplate(ctx, tmpl))
	}
	dup := *en
	dup.ID = "t4"
	wantCode(t, "CreateTemplate of a taken name and language", s.CreateTemplate(ctx, &dup), wabi.EConflict)
	wantCode(t, "Template refused as a duplicate", res(s.Template(ctx, "t4")).err, wabi.ENotFound)

	approved := *en
	approved.Status = wabi.TemplateRejected
	approved.RejectedReason = "INVALID_FORMAT"
	must(t, s.UpdateTemplate(ctx, &approved))
	clash := *fr
	clash.Language = "en_US"
	wantCode(t, "UpdateTemplate onto a taken name and language", s.UpdateTemplate(ctx, &clash), wabi.EConflict)
	wantAll(t, []check{
		{"Template after update", res(s.Template(ctx, "t1")), &approved},
		{"Template after refused update", res(s.Template(ctx, "t2")), fr},
		{"Templates of waba1", res(s.Templates(ctx, "waba1")), []*wabi.Template{&approved, fr}},
		{"Templates of all", res(s.Templates(ctx, "")), []*wabi.Template{&approved, fr, other}},
	})
}

// testVirtualPhones puts phones, replaces one's behaviour and lists them.
func testVirtualPhones(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	ann := &wabi.VirtualPhone{WaID: "15551230001", ProfileName: "Ann", CreatedAt: at(1),
		Behaviour: wabi.Behaviour{DeliveryDelay: wabi.Duration(250 * time.Millisecond), AutoRead: true}}
	bob := &wabi.VirtualPhone{WaID: "15551230002", ProfileName: "Bob", CreatedAt: at(2),
		Behaviour: wabi.Behaviour{Offline: true}}
	must(t, s.PutVirtualPhone(ctx, ann))
	must(t, s.PutVirtualPhone(ctx, bob))
	changed := &wabi.VirtualPhone{WaID: ann.WaID, ProfileName: "Ann B.", CreatedAt: at(5),
		Behaviour: wabi.Behaviour{ReadDelay: wabi.Duration(1500*time.Millisecond + 7), NotOnWhatsApp: true}}
	must(t, s.PutVirtualPhone(ctx, changed))
	want := *changed
	want.CreatedAt = ann.CreatedAt
	wantAll(t, []check{
		{"VirtualPhone after put", res(s.VirtualPhone(ctx, ann.WaID)), &want},
		{"VirtualPhones", res(s.VirtualPhones(ctx)), []*wabi.VirtualPhone{&want, bob}},
	})
}
