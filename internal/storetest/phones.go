package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// testPhoneRegistration: the registration and ownership fields of a phone number
// round-trip through create, update and lists, their zero values included.
func testPhoneRegistration(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	tr := mustTree(t, s, 1, at(0))
	added := &wabi.PhoneNumber{ID: "phone9", WABAID: tr.waba.ID, DisplayPhoneNumber: "15550009999",
		VerifiedName: "Added", Platform: wabi.PlatformCloud, QualityRating: "UNKNOWN", CreatedAt: at(5),
		CodeVerificationStatus: "NOT_VERIFIED", NameStatus: "AVAILABLE_WITHOUT_REVIEW", Throughput: "STANDARD",
		MessagingLimit: "TIER_250"}
	must(t, s.CreatePhoneNumber(ctx, added))
	wantAll(t, []check{
		{"new number", res(s.PhoneNumber(ctx, "phone9")), added},
		{"number created without the new fields", res(s.PhoneNumber(ctx, tr.phone.ID)), tr.phone},
	})

	// The number's story: a code arrives on its SIM, is verified, the number
	// registers with a PIN, deregisters, and registers again.
	p := *added
	for _, step := range []struct {
		name   string
		change func(p *wabi.PhoneNumber)
	}{
		{"code requested", func(p *wabi.PhoneNumber) { p.PendingCode, p.PendingCodeExpiresAt = "012345", at(605) }},
		{"code verified", func(p *wabi.PhoneNumber) {
			p.PendingCode, p.PendingCodeExpiresAt, p.CodeVerificationStatus = "", time.Time{}, "VERIFIED"
		}},
		{"registered", func(p *wabi.PhoneNumber) {
			p.Registered, p.PINHash, p.NameStatus = true, "sha256:c2FsdA:aGFzaA", "APPROVED"
			p.Registrations = []time.Time{at(700)}
		}},
		{"deregistered", func(p *wabi.PhoneNumber) {
			p.Registered = false
			p.Registrations = append(p.Registrations, at(800))
		}},
		{"registered again at high throughput", func(p *wabi.PhoneNumber) {
			p.Registered, p.Throughput, p.MessagingLimit = true, "HIGH", "TIER_10K"
			p.Registrations = []time.Time{at(800), at(900)}
		}},
	} {
		step.change(&p)
		must(t, s.UpdatePhoneNumber(ctx, &p))
		want := p
		wantAll(t, []check{{step.name, res(s.PhoneNumber(ctx, "phone9")), &want}})
	}
	wantAll(t, []check{
		{"listed", res(s.PhoneNumbers(ctx, tr.waba.ID)), []*wabi.PhoneNumber{tr.phone, &p}},
	})
}

// testProfiles: a number's profile is empty until set, is replaced whole, and
// belongs to a number that exists.
func testProfiles(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	tr := mustTree(t, s, 1, at(0))
	other := mustTree(t, s, 2, at(0))
	full := &wabi.BusinessProfile{PhoneNumberID: tr.phone.ID, About: "Succulent specialists! \U0001F335",
		Address: "1 Hacker Way", Description: "We sell plants.", Email: "shop@example.com",
		Websites: []string{"https://example.com/", "http://example.org/a?b=c,d"}, Vertical: "RETAIL",
		PictureSHA256: "ab12", PictureMimeType: "image/png", UpdatedAt: at(10)}
	wantAll(t, []check{
		{"never set", res(s.Profile(ctx, tr.phone.ID)), &wabi.BusinessProfile{PhoneNumberID: tr.phone.ID}},
	})
	must(t, s.PutProfile(ctx, full))
	trimmed := &wabi.BusinessProfile{PhoneNumberID: tr.phone.ID, About: "Closed for winter", UpdatedAt: at(20)}
	wantAll(t, []check{
		{"set", res(s.Profile(ctx, tr.phone.ID)), full},
		{"other number untouched", res(s.Profile(ctx, other.phone.ID)), &wabi.BusinessProfile{PhoneNumberID: other.phone.ID}},
	})
	must(t, s.PutProfile(ctx, trimmed))
	wantAll(t, []check{{"replaced whole", res(s.Profile(ctx, tr.phone.ID)), trimmed}})
	wantCode(t, "Profile of a missing number", errOf(s.Profile(ctx, "nophone")), wabi.ENotFound)
	wantCode(t, "PutProfile of a missing number", s.PutProfile(ctx, &wabi.BusinessProfile{PhoneNumberID: "nophone"}), wabi.ENotFound)
}

// testUploadSessions: sessions are created, grow chunk by chunk, complete, and
// belong to an app that exists.
func testUploadSessions(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	tr := mustTree(t, s, 1, at(0))
	u := &wabi.UploadSession{ID: "upload:abc", AppID: tr.app.ID, FileName: "photo.jpg", FileLength: 10,
		FileType: "image/jpeg", CreatedAt: at(1), ExpiresAt: at(1000)}
	must(t, s.CreateUploadSession(ctx, u))
	fresh := *u
	wantAll(t, []check{{"created", res(s.UploadSession(ctx, "upload:abc")), &fresh}})

	u.Offset, u.Chunks = 4, []string{"c1"}
	must(t, s.UpdateUploadSession(ctx, u))
	partial := *u
	wantAll(t, []check{{"first chunk", res(s.UploadSession(ctx, "upload:abc")), &partial}})

	u.Offset, u.Chunks, u.SHA256 = 10, []string{"c1", "c2"}, "whole"
	must(t, s.UpdateUploadSession(ctx, u))
	wantAll(t, []check{{"complete", res(s.UploadSession(ctx, "upload:abc")), u}})

	missing := *u
	missing.ID = "upload:none"
	for _, c := range []struct {
		name string
		err  error
		want wabi.Code
	}{
		{"UploadSession unknown", errOf(s.UploadSession(ctx, "upload:none")), wabi.ENotFound},
		{"UpdateUploadSession unknown", s.UpdateUploadSession(ctx, &missing), wabi.ENotFound},
		{"CreateUploadSession twice", s.CreateUploadSession(ctx, u), wabi.EConflict},
		{"CreateUploadSession for a missing app", s.CreateUploadSession(ctx,
			&wabi.UploadSession{ID: "upload:x", AppID: "noapp", CreatedAt: at(1)}), wabi.ENotFound},
	} {
		wantCode(t, c.name, c.err, c.want)
	}
}
