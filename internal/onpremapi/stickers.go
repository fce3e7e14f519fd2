package onpremapi

import (
	"net/http"
	"strconv"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// packItem is a sticker pack in answers; only the fields an answer has are set.
type packItem struct {
	ID                  string `json:"id,omitempty"`
	Publisher           string `json:"publisher,omitempty"`
	Name                string `json:"name,omitempty"`
	IOSAppStoreLink     string `json:"ios_app_store_link,omitempty"`
	AndroidAppStoreLink string `json:"android_app_store_link,omitempty"`
}

type packsAnswer struct {
	StickerPacks []packItem `json:"stickerpacks"`
}

// packRequest is the body of a pack's create or update.
type packRequest struct {
	Publisher           *string `json:"publisher"`
	Name                *string `json:"name"`
	IOSAppStoreLink     *string `json:"ios_app_store_link"`
	AndroidAppStoreLink *string `json:"android_app_store_link"`
}

func (q packRequest) fields() platform.StickerPackFields {
	return platform.StickerPackFields{Publisher: q.Publisher, Name: q.Name,
		IOSAppStoreLink: q.IOSAppStoreLink, AndroidAppStoreLink: q.AndroidAppStoreLink}
}

// stickerItem is a sticker in answers. Its id is the media id of its image,
// the id a sticker message sends.
type stickerItem struct {
	Index       string    `json:"index,omitempty"`
	ID          string    `json:"id,omitempty"`
	Emojis      *[]string `json:"emojis,omitempty"`
	ImageDataID string    `json:"image_data_id,omitempty"`
}

type stickersAnswer struct {
	Stickers []stickerItem `json:"stickers"`
}

type stickerRequest struct {
	ImageDataID *string   `json:"image_data_id"`
	Emojis      *[]string `json:"emojis"`
}

// firstParty reads ?namespace: whatsapp names the first-party packs, of which
// wabi has none; third_party (or nothing) the deployment's own.
func firstParty(r *http.Request) (bool, error) {
	switch ns := r.URL.Query().Get("namespace"); ns {
	case "", "third_party":
		return false, nil
	case "whatsapp":
		return true, nil
	default:
		return false, wabi.Errorf(wabi.EInvalidValue, "Parameter 'namespace' must be whatsapp or third_party, not %q.", ns)
	}
}

// ownPack fails for ?namespace=whatsapp, whose packs do not exist here.
func ownPack(r *http.Request) error {
	first, err := firstParty(r)
	if err != nil {
		return err
	}
	if first {
		return wabi.Errorf(wabi.ENotFound, "There is no first-party sticker pack %s: wabi has none.", r.PathValue("id"))
	}
	return nil
}

// handleListPacks lists the pack ids; the first-party list is empty.
func (a *API) handleListPacks(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	out := packsAnswer{StickerPacks: []packItem{}}
	first, err := firstParty(r)
	if err != nil {
		return err
	}
	packs, err := a.p.StickerPacks(r.Context(), c)
	if err != nil {
		return err
	}
	if first {
		packs = nil
	}
	for _, sp := range packs {
		out.StickerPacks = append(out.StickerPacks, packItem{ID: sp.ID})
	}
	a.writeJSON(w, http.StatusOK, out)
	return nil
}

// handleCreatePack creates a third-party pack and answers its id.
func (a *API) handleCreatePack(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	first, err := firstParty(r)
	if err != nil {
		return err
	}
	if first {
		return wabi.Errorf(wabi.EPermission, "First-party (whatsapp) sticker packs cannot be created.")
	}
	var req packRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	sp, err := a.p.CreateStickerPack(r.Context(), c, req.fields())
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusCreated, packsAnswer{[]packItem{{ID: sp.ID}}})
	return nil
}

// handleGetPack answers a pack's fields.
func (a *API) handleGetPack(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	sp, err := a.p.StickerPack(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, packsAnswer{[]packItem{{Publisher: sp.Publisher, Name: sp.Name,
		IOSAppStoreLink: sp.IOSAppStoreLink, AndroidAppStoreLink: sp.AndroidAppStoreLink}}})
	return nil
}

// handlePatchPack changes the fields the body names.
func (a *API) handlePatchPack(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	var req packRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if _, err := a.p.UpdateStickerPack(r.Context(), c, r.PathValue("id"), req.fields()); err != nil {
		return err
	}
	return a.ok(w)
}

// handleDeletePack deletes a pack and its stickers.
func (a *API) handleDeletePack(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	if err := a.p.DeleteStickerPack(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	return a.ok(w)
}

// handleListStickers lists the indexes of a pack's stickers.
func (a *API) handleListStickers(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	ss, err := a.p.Stickers(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := stickersAnswer{Stickers: []stickerItem{}}
	for _, s := range ss {
		out.Stickers = append(out.Stickers, stickerItem{Index: strconv.Itoa(s.Index)})
	}
	a.writeJSON(w, http.StatusOK, out)
	return nil
}

// handleAddSticker adds a sticker and answers its index.
func (a *API) handleAddSticker(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	var req stickerRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	s, err := a.p.AddSticker(r.Context(), c, r.PathValue("id"), platform.StickerFields{ImageDataID: req.ImageDataID, Emojis: req.Emojis})
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusCreated, stickersAnswer{[]stickerItem{{Index: strconv.Itoa(s.Index)}}})
	return nil
}

// handleGetSticker answers a sticker's image and emojis.
func (a *API) handleGetSticker(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	s, err := a.p.Sticker(r.Context(), c, r.PathValue("id"), r.PathValue("index"))
	if err != nil {
		return err
	}
	emojis := s.Emojis
	if emojis == nil {
		emojis = []string{}
	}
	a.writeJSON(w, http.StatusOK, stickersAnswer{[]stickerItem{{ID: s.ImageDataID, Emojis: &emojis, ImageDataID: s.ImageDataID}}})
	return nil
}

// handlePatchSticker changes a sticker's image or emojis.
func (a *API) handlePatchSticker(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	var req stickerRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f := platform.StickerFields{ImageDataID: req.ImageDataID, Emojis: req.Emojis}
	if _, err := a.p.UpdateSticker(r.Context(), c, r.PathValue("id"), r.PathValue("index"), f); err != nil {
		return err
	}
	return a.ok(w)
}

// handleDeleteSticker deletes a sticker; its index is not given again.
func (a *API) handleDeleteSticker(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := ownPack(r); err != nil {
		return err
	}
	if err := a.p.DeleteSticker(r.Context(), c, r.PathValue("id"), r.PathValue("index")); err != nil {
		return err
	}
	return a.ok(w)
}
