package cloudapi_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// jpegBytes is a small JPEG.
func jpegBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(2, 2, color.RGBA{10, 200, 10, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBusinessProfileScenarios is the business profile edge as a table: reads
// with and without fields, partial updates, and every field limit.
func TestBusinessProfileScenarios(t *testing.T) {
	s := mustStack(t)
	ctx := context.Background()
	tok := s.demo.Token.Value
	other, otherTok := s.mustOtherBusiness()
	messagingOnly := s.mustScopedToken(wabi.ScopeMessaging)
	otherApp, err := s.p.CreateApp(ctx, other.ID, "Other App")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := s.p.CreateUpload(ctx, platform.Admin, platform.NewUpload{AppID: otherApp.ID, FileName: "x.png", FileLength: int64(len(pngBytes(t))), FileType: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	if foreign, err = s.p.AppendUpload(ctx, platform.Admin, foreign.ID, 0, bytes.NewReader(pngBytes(t))); err != nil {
		t.Fatal(err)
	}
	pdf := s.mustHandle("menu.pdf", "application/pdf", []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"))
	unfinished := s.mustUploadSession("half.png", "image/png", 100)

	edge := "/v23.0/" + s.demo.Phone.ID + "/whatsapp_business_profile"
	post := func(fields string) string { return `{"messaging_product":"whatsapp",` + fields + `}` }
	ids := idNames{s.demo.Phone.ID: "DEMO_PHONE"}
	runScenarios(t, s, "profile", ids, []scenario{
		{"get_empty", "GET", edge, tok, "", 200},
		{"post_full", "POST", edge, tok, post(`"about":"Succulent specialists! \ud83c\udf35","address":"1 Hacker Way, Menlo Park, CA 94025",` +
			`"description":"We sell plants & pots.","email":"lucky@example.com","websites":["https://example.com/","http://example.org/shop?a=1,2"],"vertical":"RETAIL"`), 200},
		{"get_full", "GET", edge, tok, "", 200},
		{"get_fields", "GET", edge + "?fields=websites,about", tok, "", 200},
		{"get_messaging_token", "GET", edge + "?fields=about", messagingOnly.Value, "", 200},
		{"get_unknown_field", "GET", edge + "?fields=about,phone", tok, "", 400},
		{"get_foreign_token", "GET", edge, otherTok.Value, "", 400},
		{"post_partial", "POST", edge, tok, post(`"address":"","vertical":"GROCERY","websites":[]`), 200},
		{"get_after_partial", "GET", edge, tok, "", 200},

		{"post_missing_product", "POST", edge, tok, `{"about":"Hi"}`, 400},
		{"post_about_empty", "POST", edge, tok, post(`"about":""`), 400},
		{"post_about_too_long", "POST", edge, tok, post(`"about":"` + strings.Repeat("a", 140) + `"`), 400},
		{"post_about_139", "POST", edge, tok, post(`"about":"` + strings.Repeat("\u00e9", 139) + `"`), 200},
		{"post_about_back", "POST", edge, tok, post(`"about":"Succulent specialists!"`), 200},
		{"post_address_too_long", "POST", edge, tok, post(`"address":"` + strings.Repeat("a", 257) + `"`), 400},
		{"post_description_too_long", "POST", edge, tok, post(`"description":"` + strings.Repeat("a", 513) + `"`), 400},
		{"post_bad_email", "POST", edge, tok, post(`"email":"not-an-email"`), 400},
		{"post_email_with_name", "POST", edge, tok, post(`"email":"Shop <shop@example.com>"`), 400},
		{"post_email_too_long", "POST", edge, tok, post(`"email":"` + strings.Repeat("a", 120) + `@example.com"`), 400},
		{"post_three_websites", "POST", edge, tok, post(`"websites":["https://a.example","https://b.example","https://c.example"]`), 400},
		{"post_ftp_website", "POST", edge, tok, post(`"websites":["ftp://files.example.com"]`), 400},
		{"post_website_too_long", "POST", edge, tok, post(`"websites":["https://example.com/` + strings.Repeat("a", 240) + `"]`), 400},
		{"post_bad_vertical", "POST", edge, tok, post(`"vertical":"PLANTS"`), 400},
		{"post_unknown_field", "POST", edge, tok, post(`"phone":"123"`), 400},
		{"post_wrong_type", "POST", edge, tok, post(`"about":5`), 400},
		{"post_bad_handle", "POST", edge, tok, post(`"profile_picture_handle":"4::nope"`), 400},
		{"post_unfinished_handle", "POST", edge, tok, post(`"profile_picture_handle":"` + unfinishedHandle(t, s, unfinished) + `"`), 400},
		{"post_pdf_handle", "POST", edge, tok, post(`"profile_picture_handle":"` + pdf + `"`), 400},
		{"post_foreign_handle", "POST", edge, tok, post(`"profile_picture_handle":"` + platform.UploadHandle(foreign) + `"`), 400},
		{"post_foreign_token", "POST", edge, otherTok.Value, post(`"about":"Hi"`), 400},
		{"get_after_errors", "GET", edge, tok, "", 200},
	})
}

// unfinishedHandle is the handle an upload would have if it were complete.
func unfinishedHandle(t *testing.T, s *stack, id string) string {
	t.Helper()
	sess, err := s.store.UploadSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return platform.UploadHandle(sess)
}

// TestProfilePicture: a picture uploaded with the Resumable Upload API becomes
// the profile's; anyone can fetch it from its URL, which the control API shows
// too; a new picture replaces it and the old URL stops working.
func TestProfilePicture(t *testing.T) {
	s := mustStack(t)
	ctl := mustControl(s)
	edge := "/v23.0/" + s.demo.Phone.ID + "/whatsapp_business_profile"
	png := pngBytes(t)
	s.mustOK("POST", edge, `{"messaging_product":"whatsapp","profile_picture_handle":"`+s.mustHandle("logo.png", "image/png", png)+`"}`)
	pictureURL := func() string {
		t.Helper()
		b := s.mustOK("GET", edge+"?fields=profile_picture_url", "")
		u := regexpFind(`"profile_picture_url":"([^"]+)"`, string(b))
		if u == "" {
			t.Fatalf("no profile_picture_url in %s", b)
		}
		return u
	}
	firstURL := pictureURL()
	status, body, header := get(t, firstURL, "")
	if status != 200 || !bytes.Equal(body, png) || header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET %s without a token = %d %s, want the PNG", firstURL, status, header.Get("Content-Type"))
	}
	view := ctl.get("/api/phone_numbers/" + s.demo.Phone.ID + "/profile")
	seen, _ := view["profile_picture_url"].(string)
	if pathOf(t, seen) != pathOf(t, firstURL) || view["verified_name"] != "Demo Shop" || view["display_phone_number"] != platform.DemoBusinessNumber {
		t.Errorf("the phones see %v, want the picture at %s", view, firstURL)
	}

	// A form-encoded update, as some clients send, with a JPEG this time.
	jpg := jpegBytes(t)
	form := url.Values{"messaging_product": {"whatsapp"}, "profile_picture_handle": {s.mustHandle("logo.jpg", "image/jpeg", jpg)},
		"websites": {`["https://example.com/new"]`}}
	status, body = s.callWith("POST", edge, map[string]string{"Authorization": "Bearer " + s.demo.Token.Value,
		"Content-Type": "application/x-www-form-urlencoded"}, []byte(form.Encode()))
	if status != 200 {
		t.Fatalf("form update: %d %s", status, body)
	}
	secondURL := pictureURL()
	if status, _, _ := get(t, firstURL, ""); status != 404 {
		t.Errorf("the old picture's URL answers %d, want 404", status)
	}
	status, body, header = get(t, secondURL, "")
	if status != 200 || !bytes.Equal(body, jpg) || header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("the new picture's URL = %d %s, want the JPEG", status, header.Get("Content-Type"))
	}
	forged := strings.Replace(secondURL, "hash=", "hash=x", 1)
	if status, _, _ := get(t, forged, ""); status != 404 {
		t.Errorf("a forged picture URL answers %d, want 404", status)
	}
	prof, err := s.p.BusinessProfile(context.Background(), platform.Admin, s.demo.Phone.ID)
	if err != nil || len(prof.Websites) != 1 || prof.Websites[0] != "https://example.com/new" || prof.PictureMimeType != "image/jpeg" {
		t.Errorf("profile after the form update = %+v, %v", prof, err)
	}
}

// regexpFind returns the first group of pattern in s, "" if it does not match.
func regexpFind(pattern, s string) string {
	if m := regexp.MustCompile(pattern).FindStringSubmatch(s); len(m) > 1 {
		return m[1]
	}
	return ""
}

// pathOf returns the path and query of a URL.
func pathOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		t.Fatalf("not a URL: %q", raw)
	}
	return u.RequestURI()
}
