package storetest

import (
	"context"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// testMedia: media records round-trip, expire in order and count their shared
// bytes.
func testMedia(t *testing.T, s wabi.Store) {
	ctx := context.Background()
	tr := mustTree(t, s, 1, at(0))
	img := &wabi.MediaFile{ID: "m1", PhoneNumberID: tr.phone.ID, SHA256: "aa", MimeType: "image/png", Size: 10,
		Origin: wabi.OriginUpload, CreatedAt: at(1), ExpiresAt: at(100)}
	same := &wabi.MediaFile{ID: "m2", PhoneNumberID: tr.phone.ID, SHA256: "aa", MimeType: "image/png", Size: 10,
		Filename: "copy.png", Origin: wabi.OriginInbound, CreatedAt: at(2), ExpiresAt: at(50)}
	sticker := &wabi.MediaFile{ID: "m3", PhoneNumberID: tr.phone.ID, SHA256: "bb", MimeType: "image/webp", Size: 9,
		Animated: true, Origin: wabi.OriginLink, CreatedAt: at(3), ExpiresAt: at(70)}
	for _, m := range []*wabi.MediaFile{img, same, sticker} {
		must(t, s.CreateMedia(ctx, m))
	}
	wantAll(t, []check{
		{"MediaFile", res(s.MediaFile(ctx, "m3")), sticker},
		{"MediaRefs shared", res(s.MediaRefs(ctx, "aa")), 2},
		{"MediaRefs none", res(s.MediaRefs(ctx, "cc")), 0},
		{"ExpiredMedia before any", res(s.ExpiredMedia(ctx, at(49), 10)), []*wabi.MediaFile{}},
		{"ExpiredMedia soonest first", res(s.ExpiredMedia(ctx, at(70), 10)), []*wabi.MediaFile{same, sticker}},
		{"ExpiredMedia limit", res(s.ExpiredMedia(ctx, at(100), 1)), []*wabi.MediaFile{same}},
	})
	must(t, s.DeleteMedia(ctx, "m2"))
	wantAll(t, []check{{"MediaRefs after delete", res(s.MediaRefs(ctx, "aa")), 1}})

	// Profile pictures and upload sessions hold on to bytes too.
	must(t, s.PutProfile(ctx, &wabi.BusinessProfile{PhoneNumberID: tr.phone.ID, PictureSHA256: "pp", UpdatedAt: at(4)}))
	must(t, s.CreateUploadSession(ctx, &wabi.UploadSession{ID: "upload:1", AppID: tr.app.ID, FileName: "a.pdf",
		FileLength: 10, FileType: "application/pdf", Offset: 4, Chunks: []string{"c1"}, CreatedAt: at(4), ExpiresAt: at(90)}))
	must(t, s.CreateUploadSession(ctx, &wabi.UploadSession{ID: "upload:2", AppID: tr.app.ID, FileName: "b.pdf",
		FileLength: 4, FileType: "application/pdf", Offset: 4, Chunks: []string{"c2"}, SHA256: "whole", CreatedAt: at(4), ExpiresAt: at(90)}))
	wantAll(t, []check{
		{"MediaRefs profile picture", res(s.MediaRefs(ctx, "pp")), 1},
		{"MediaRefs chunk of an open upload", res(s.MediaRefs(ctx, "c1")), 1},
		{"MediaRefs finished upload", res(s.MediaRefs(ctx, "whole")), 1},
		{"MediaRefs chunk of a finished upload", res(s.MediaRefs(ctx, "c2")), 0},
		{"MediaRefs empty digest", res(s.MediaRefs(ctx, "")), 0},
		{"DeleteExpiredUploadSessions before expiry", res(s.DeleteExpiredUploadSessions(ctx, at(89))), 0},
		{"DeleteExpiredUploadSessions", res(s.DeleteExpiredUploadSessions(ctx, at(90))), 2},
		{"MediaRefs after the sessions expired", res(s.MediaRefs(ctx, "c1")), 0},
	})
	for _, c := range []struct {
		name string
		err  error
		code wabi.Code
	}{
		{"MediaFile unknown", errOf(s.MediaFile(ctx, "m2")), wabi.ENotFound},
		{"DeleteMedia unknown", s.DeleteMedia(ctx, "m2"), wabi.ENotFound},
		{"CreateMedia twice", s.CreateMedia(ctx, img), wabi.EConflict},
		{"CreateMedia unknown number", s.CreateMedia(ctx, &wabi.MediaFile{ID: "m9", PhoneNumberID: "nope", SHA256: "aa"}), wabi.ENotFound},
	} {
		if got := wabi.ErrorCode(c.err); got != c.code {
			t.Errorf("%s: code %q (%v), want %q", c.name, got, c.err, c.code)
		}
	}
}

func errOf[T any](_ T, err error) error { return err }
