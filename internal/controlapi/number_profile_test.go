package controlapi

import (
	"bytes"
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
)

// TestNumberSIMAndProfile: the code a number is sent shows on its simulated SIM
// until it expires, and the number's profile shows as the phones see it.
func TestNumberSIMAndProfile(t *testing.T) {
	s := mustStack(t, "")
	ctx := context.Background()
	about, websites := "Fresh bread daily", []string{"https://bakery.example/"}
	picture := mustPNG(t, color.RGBA{200, 120, 40, 255})
	s.run(t, s.vars(), []step{
		// The demo business is verified: its numbers share its TIER_2K.
		{name: "an unregistered number", method: "POST", path: "/api/phone_numbers",
			body:   `{"waba_id":"{waba}","phone_number":"+1 555 000 4000","verified_name":"Bakery","registered":false}`,
			status: 201, want: map[string]string{"code_verification_status": "NOT_VERIFIED", "registered": "false",
				"name_status": "APPROVED", "throughput": "STANDARD", "messaging_limit": "TIER_2K", "pending_code": "-"},
			save: map[string]string{"number": "id"},
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				if err := s.p.RequestCode(ctx, platform.Admin, vars["number"], "SMS", "en_US"); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "the code on the SIM", method: "GET", path: "/api/phone_numbers/{number}", status: 200,
			want: map[string]string{"pending_code": "*", "pending_code_expires_at": "2026-03-01T12:10:00Z"},
			then: func(t *testing.T, s *stack, r response, _ map[string]string) {
				if code := r.str("pending_code"); len(code) != 6 || strings.Trim(code, "0123456789") != "" {
					t.Errorf("pending_code %q, want 6 digits", code)
				}
				if strings.Contains(r.raw, "pin") {
					t.Errorf("the number's JSON shows its PIN: %s", r.raw)
				}
			}},
		{name: "the code in the list", method: "GET", path: "/api/phone_numbers?waba_id={waba}", status: 200,
			want: map[string]string{"data.#": "3", "data.0.pending_code": "-", "data.2.pending_code": "*"},
			then: func(t *testing.T, s *stack, _ response, _ map[string]string) {
				s.clock.Advance(10 * time.Minute)
			}},
		{name: "the code expired", method: "GET", path: "/api/phone_numbers/{number}", status: 200,
			want: map[string]string{"pending_code": "-", "pending_code_expires_at": "-"}},
		{name: "gone from the list too", method: "GET", path: "/api/phone_numbers?waba_id={waba}", status: 200,
			want: map[string]string{"data.2.pending_code": "-"}},

		{name: "a profile never set", method: "GET", path: "/api/phone_numbers/{number}/profile", status: 200,
			want: map[string]string{"phone_number_id": "{number}", "verified_name": "Bakery",
				"display_phone_number": "15550004000", "about": "-", "profile_picture_url": "-"},
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				up, err := s.p.CreateUpload(ctx, platform.Admin, platform.NewUpload{AppID: s.demo.App.ID,
					FileName: "bread.png", FileLength: int64(len(picture)), FileType: "image/png"})
				if err == nil {
					up, err = s.p.AppendUpload(ctx, platform.Admin, up.ID, 0, bytes.NewReader(picture))
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.p.UpdateBusinessProfile(ctx, platform.Admin, vars["number"], platform.ProfileUpdate{
					About: &about, Websites: &websites, PictureHandle: platform.UploadHandle(up),
				}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "the profile the phones see", method: "GET", path: "/api/phone_numbers/{number}/profile", status: 200,
			want: map[string]string{"about": about, "websites.0": websites[0], "websites.#": "1",
				"picture_mime_type": "image/png", "updated_at": "2026-03-01T12:10:00Z", "address": "-"},
			then: func(t *testing.T, s *stack, r response, vars map[string]string) {
				want := "http://example.com/whatsapp_business/profile/" + vars["number"] + "/picture?"
				if u := r.str("profile_picture_url"); !strings.HasPrefix(u, want) {
					t.Errorf("profile_picture_url %q, want it under %s", u, want)
				}
			}},
		{name: "the profile of a number that does not exist", method: "GET", path: "/api/phone_numbers/123456789/profile",
			status: 404, want: map[string]string{"error.code": "not_found"}},
	})
}
