package onpremapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// media records a media file of a number as an upload would.
func (s *stack) media(phoneNumberID, mime string) string {
	s.t.Helper()
	now := s.Clock.Now()
	m := &wabi.MediaFile{ID: s.P.IDs().NewID(), PhoneNumberID: phoneNumberID, SHA256: fmt.Sprintf("%064x", now.UnixNano()),
		MimeType: mime, Size: 100, Origin: wabi.OriginUpload, CreatedAt: now, ExpiresAt: now.Add(platform.UploadTTL)}
	if err := s.Store.CreateMedia(context.Background(), m); err != nil {
		s.t.Fatalf("create media: %v", err)
	}
	return m.ID
}

// idOf returns <key>[0].<field> of an answer.
func idOf(t testing.TB, r resp, key, field string) string {
	t.Helper()
	v, _ := jsonAt(t, r.body, key, 0, field).(string)
	if v == "" {
		t.Fatalf("answer has no %s[0].%s: %s", key, field, r.raw)
	}
	return v
}

func TestStickerPacks(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tok := s.opsAdmin()
	packs := s.opsPath("/v1/stickerpacks")

	wantError(t, s.do("POST", packs, tok, map[string]string{"name": "Birds"}), http.StatusBadRequest, 1008)
	wantError(t, s.do("POST", packs, tok, map[string]string{"publisher": "Acme", "name": "Birds",
		"ios_app_store_link": "https://example.com/app/id1"}), http.StatusBadRequest, 1009)
	wantError(t, s.do("POST", packs, tok, map[string]string{"publisher": "Acme", "name": "Birds",
		"android_app_store_link": "https://play.google.com/store/apps/details?id=nodot"}), http.StatusBadRequest, 1009)
	long := fmt.Sprintf("%0129d", 0)
	wantError(t, s.do("POST", packs, tok, map[string]string{"publisher": long, "name": "Birds"}), http.StatusBadRequest, 1009)

	r := s.do("POST", packs, tok, map[string]string{"publisher": "Acme", "name": "Birds",
		"ios_app_store_link": "https://itunes.apple.com/app/id123456789"})
	wantOK(t, r, http.StatusCreated)
	id := idOf(t, r, "stickerpacks", "id")
	r = s.do("POST", packs, tok, map[string]string{"publisher": "Acme", "name": "Cats",
		"android_app_store_link": "https://play.google.com/store/apps/details?id=com.acme.cats"})
	id2 := idOf(t, r, "stickerpacks", "id")

	r = s.do("GET", packs, tok, nil)
	wantOK(t, r, http.StatusOK)
	if got := fmt.Sprint(r.body["stickerpacks"]); got != fmt.Sprintf("[map[id:%s] map[id:%s]]", id, id2) {
		t.Errorf("packs %s", got)
	}
	r = s.do("GET", packs+"?namespace=whatsapp", tok, nil)
	if list, ok := r.body["stickerpacks"].([]any); r.status != http.StatusOK || !ok || len(list) != 0 {
		t.Errorf("first-party packs: %s", r.raw)
	}
	wantError(t, s.do("GET", packs+"?namespace=mine", tok, nil), http.StatusBadRequest, 1009)
	wantError(t, s.do("GET", packs+"/"+id+"?namespace=whatsapp", tok, nil), http.StatusNotFound, 1006)

	wantOK(t, s.do("PATCH", packs+"/"+id, tok, map[string]string{"name": "Songbirds"}), http.StatusOK)
	wantError(t, s.do("PATCH", packs+"/"+id, tok, map[string]string{"publisher": " "}), http.StatusBadRequest, 1008)
	r = s.do("GET", packs+"/"+id, tok, nil)
	wantOK(t, r, http.StatusOK)
	got := jsonAt(t, r.body, "stickerpacks", 0).(map[string]any)
	if got["name"] != "Songbirds" || got["publisher"] != "Acme" || got["ios_app_store_link"] != "https://itunes.apple.com/app/id123456789" {
		t.Errorf("pack after patch %v", got)
	}

	wantOK(t, s.do("DELETE", packs+"/"+id2, tok, nil), http.StatusOK)
	wantError(t, s.do("GET", packs+"/"+id2, tok, nil), http.StatusNotFound, 1006)
	wantError(t, s.do("DELETE", packs+"/"+id2, tok, nil), http.StatusNotFound, 1006)

	// Packs are the deployment's own.
	pn2, err := s.P.CreatePhoneNumber(context.Background(), platform.NewPhoneNumber{WABAID: s.Demo.WABA.ID,
		Number: "15550003998", VerifiedName: "Legacy Two", Platform: wabi.PlatformOnPrem, Registered: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.P.StickerPack(context.Background(), platform.MonitorCaller(pn2.ID), id); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("another deployment reads the pack: %v", err)
	}
}

func TestStickers(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	tok := s.opsAdmin()
	r := s.do("POST", s.opsPath("/v1/stickerpacks"), tok, map[string]string{"publisher": "Acme", "name": "Birds"})
	pack := s.opsPath("/v1/stickerpacks/" + idOf(t, r, "stickerpacks", "id"))
	stickers := pack + "/stickers"
	webp := s.media(s.pn.ID, "image/webp")

	wantError(t, s.do("POST", stickers, tok, map[string]any{"emojis": []string{"🐦"}}), http.StatusBadRequest, 1008)
	wantError(t, s.do("POST", stickers, tok, map[string]any{"image_data_id": s.media(s.pn.ID, "image/png")}), http.StatusBadRequest, 1009)
	wantError(t, s.do("POST", stickers, tok, map[string]any{"image_data_id": s.media(s.Demo.Phone.ID, "image/webp")}), http.StatusBadRequest, 1009)
	wantError(t, s.do("POST", stickers, tok, map[string]any{"image_data_id": "999"}), http.StatusBadRequest, 1009)
	wantError(t, s.do("POST", stickers, tok, map[string]any{"image_data_id": webp, "emojis": []string{"a", "b", "c", "d"}}), http.StatusBadRequest, 1009)
	wantError(t, s.do("POST", s.opsPath("/v1/stickerpacks/42/stickers"), tok, map[string]any{"image_data_id": webp}), http.StatusNotFound, 1006)

	r = s.do("POST", stickers, tok, map[string]any{"image_data_id": webp, "emojis": []string{"🐦", "🐥"}})
	wantOK(t, r, http.StatusCreated)
	if i := idOf(t, r, "stickers", "index"); i != "0" {
		t.Errorf("first index %s", i)
	}
	r = s.do("POST", stickers, tok, map[string]any{"image_data_id": s.media(s.pn.ID, "image/webp")})
	if i := idOf(t, r, "stickers", "index"); i != "1" {
		t.Errorf("second index %s", i)
	}

	r = s.do("GET", stickers+"/0", tok, nil)
	wantOK(t, r, http.StatusOK)
	st := jsonAt(t, r.body, "stickers", 0).(map[string]any)
	if st["id"] != webp || st["image_data_id"] != webp || fmt.Sprint(st["emojis"]) != "[🐦 🐥]" {
		t.Errorf("sticker %v", st)
	}
	wantOK(t, s.do("PATCH", stickers+"/0", tok, map[string]any{"emojis": []string{"🦜"}}), http.StatusOK)
	r = s.do("GET", stickers+"/0", tok, nil)
	if got := fmt.Sprint(jsonAt(t, r.body, "stickers", 0, "emojis")); got != "[🦜]" {
		t.Errorf("emojis after patch %s", got)
	}
	wantError(t, s.do("PATCH", stickers+"/0", tok, map[string]any{"image_data_id": s.media(s.pn.ID, "image/jpeg")}), http.StatusBadRequest, 1009)
	wantError(t, s.do("GET", stickers+"/x", tok, nil), http.StatusNotFound, 1006)

	// A deleted sticker's index is not given again.
	wantOK(t, s.do("DELETE", stickers+"/1", tok, nil), http.StatusOK)
	wantError(t, s.do("GET", stickers+"/1", tok, nil), http.StatusNotFound, 1006)
	r = s.do("POST", stickers, tok, map[string]any{"image_data_id": webp})
	if i := idOf(t, r, "stickers", "index"); i != "2" {
		t.Errorf("index after a delete %s, want 2", i)
	}
	r = s.do("GET", stickers, tok, nil)
	if got := fmt.Sprint(r.body["stickers"]); got != "[map[index:0] map[index:2]]" {
		t.Errorf("stickers %s", got)
	}

	// Deleting the pack deletes its stickers.
	wantOK(t, s.do("DELETE", pack, tok, nil), http.StatusOK)
	wantError(t, s.do("GET", stickers, tok, nil), http.StatusNotFound, 1006)
	recs, err := s.Store.Records(context.Background(), s.pn.ID, "sticker", "")
	if err != nil || len(recs) != 0 {
		t.Errorf("%d sticker records left (%v)", len(recs), err)
	}
}

func TestStickerPackFull(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	c := platform.MonitorCaller(s.pn.ID)
	name, pub := "Birds", "Acme"
	sp, err := s.P.CreateStickerPack(ctx, c, platform.StickerPackFields{Name: &name, Publisher: &pub})
	if err != nil {
		t.Fatal(err)
	}
	img := s.media(s.pn.ID, "image/webp")
	for i := range platform.MaxStickers {
		if _, err := s.P.AddSticker(ctx, c, sp.ID, platform.StickerFields{ImageDataID: &img}); err != nil {
			t.Fatalf("sticker %d: %v", i, err)
		}
	}
	if _, err := s.P.AddSticker(ctx, c, sp.ID, platform.StickerFields{ImageDataID: &img}); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Errorf("sticker %d: %v", platform.MaxStickers+1, err)
	}
	ss, err := s.P.Stickers(ctx, c, sp.ID)
	if err != nil || len(ss) != platform.MaxStickers || ss[10].Index != 10 {
		t.Errorf("stickers not in index order (%v)", err)
	}
}
