package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/wabi"
)

// An On-Premises deployment's third-party sticker packs are records scoped to
// its number: a pack under its id, each sticker under "<pack id>/<index>".
// wabi has no first-party (WhatsApp) packs.

// Record kinds of sticker packs.
const (
	recStickerPack = "stickerpack"
	recSticker     = "sticker"
)

// Sticker pack limits: WhatsApp's 30 stickers a pack and 3 emojis a sticker;
// the pack count and text length are wabi's own bounds.
const (
	MaxStickerPacks    = 100
	MaxStickers        = 30
	MaxStickerEmojis   = 3
	maxStickerPackText = 128
)

// App store links a pack may carry.
var (
	iosLinkRE     = regexp.MustCompile(`^https://itunes\.apple\.com/app/id[0-9]+$`)
	androidLinkRE = regexp.MustCompile(`^https://play\.google\.com/store/apps/details\?id=[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$`)
)

// StickerPack is a third-party sticker pack of a deployment.
type StickerPack struct {
	ID                  string `json:"id"`
	Publisher           string `json:"publisher"`
	Name                string `json:"name"`
	IOSAppStoreLink     string `json:"ios_app_store_link,omitempty"`
	AndroidAppStoreLink string `json:"android_app_store_link,omitempty"`
	// NextIndex is the index of the next sticker added: indexes of deleted
	// stickers are never given again.
	NextIndex int       `json:"next_index"`
	CreatedAt time.Time `json:"created_at"`
}

// StickerPackFields are the fields a create or update sets; nil fields are
// left as they are.
type StickerPackFields struct {
	Publisher, Name, IOSAppStoreLink, AndroidAppStoreLink *string
}

// Sticker is one sticker of a pack: an uploaded WebP image and its emojis.
type Sticker struct {
	PackID string `json:"pack_id"`
	Index  int    `json:"index"`
	// ImageDataID is the media id of the image.
	ImageDataID string    `json:"image_data_id"`
	Emojis      []string  `json:"emojis"`
	CreatedAt   time.Time `json:"created_at"`
}

// StickerFields are the fields an add or update sets; nil fields are left as
// they are.
type StickerFields struct {
	ImageDataID *string
	Emojis      *[]string
}

// StickerPacks lists the caller's deployment's sticker packs, oldest first.
func (p *Platform) StickerPacks(ctx context.Context, c Caller) ([]*StickerPack, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	return p.stickerPacks(ctx, pn.ID)
}

func (p *Platform) stickerPacks(ctx context.Context, phoneNumberID string) ([]*StickerPack, error) {
	recs, err := p.store.Records(ctx, phoneNumberID, recStickerPack, "")
	if err != nil {
		return nil, err
	}
	out := make([]*StickerPack, 0, len(recs))
	for _, r := range recs {
		var sp StickerPack
		if err := json.Unmarshal(r.Value, &sp); err != nil {
			return nil, fmt.Errorf("platform: sticker pack record: %w", err)
		}
		out = append(out, &sp)
	}
	// Pack ids are time-ordered numbers, so the longer one is the newer.
	slices.SortFunc(out, func(a, b *StickerPack) int {
		return cmpNumeric(a.ID, b.ID)
	})
	return out, nil
}

// CreateStickerPack adds a sticker pack; publisher and name are required.
func (p *Platform) CreateStickerPack(ctx context.Context, c Caller, f StickerPackFields) (*StickerPack, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	sp := &StickerPack{ID: p.ids.NewID(), CreatedAt: p.clock.Now()}
	if err := f.apply(sp); err != nil {
		return nil, err
	}
	p.stickerMu.Lock()
	defer p.stickerMu.Unlock()
	packs, err := p.stickerPacks(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	if len(packs) >= MaxStickerPacks {
		return nil, wabi.Errorf(wabi.EInvalidParam, "This deployment has %d sticker packs, as many as wabi keeps: delete one first.", len(packs))
	}
	return sp, p.putRecordJSON(ctx, pn.ID, recStickerPack, sp.ID, sp)
}

// StickerPack returns a sticker pack of the caller's deployment.
func (p *Platform) StickerPack(ctx context.Context, c Caller, id string) (*StickerPack, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	return p.stickerPack(ctx, pn.ID, id)
}

func (p *Platform) stickerPack(ctx context.Context, phoneNumberID, id string) (*StickerPack, error) {
	var sp StickerPack
	err := p.getRecordJSON(ctx, phoneNumberID, recStickerPack, id, &sp)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return nil, wabi.Errorf(wabi.ENotFound, "There is no sticker pack %s.", id)
	}
	return &sp, err
}

// UpdateStickerPack changes the fields f sets.
func (p *Platform) UpdateStickerPack(ctx context.Context, c Caller, id string, f StickerPackFields) (*StickerPack, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	p.stickerMu.Lock()
	defer p.stickerMu.Unlock()
	return p.changePack(ctx, pn.ID, id, f.apply)
}

// packTries is how often changePack reads and swaps a pack that other nodes
// keep changing before it gives up.
const packTries = 8

// changePack applies change to a sticker pack as one compare-and-set on its
// record: should another node change the pack between the read and the
// write, the write fails and change runs again on what that node wrote. So a
// field update never undoes a sticker's index bump, and no index is given
// twice. stickerMu only spares this node's own changes the retries.
func (p *Platform) changePack(ctx context.Context, phoneNumberID, id string, change func(*StickerPack) error) (*StickerPack, error) {
	for range packTries {
		rec, err := p.store.Record(ctx, phoneNumberID, recStickerPack, id)
		if wabi.ErrorCode(err) == wabi.ENotFound {
			return nil, wabi.Errorf(wabi.ENotFound, "There is no sticker pack %s.", id)
		} else if err != nil {
			return nil, err
		}
		var sp StickerPack
		if err := json.Unmarshal(rec.Value, &sp); err != nil {
			return nil, fmt.Errorf("platform: sticker pack record: %w", err)
		}
		if err := change(&sp); err != nil {
			return nil, err
		}
		v, err := json.Marshal(&sp)
		if err != nil {
			return nil, err
		}
		next := &wabi.Record{Scope: phoneNumberID, Kind: recStickerPack, Key: id, Value: v, UpdatedAt: p.clock.Now()}
		err = p.store.SwapRecord(ctx, next, rec.Value)
		if wabi.ErrorCode(err) != wabi.EConflict {
			return &sp, err
		}
	}
	return nil, wabi.Errorf(wabi.EConflict, "Sticker pack %s is being changed by other requests right now; try again.", id)
}

// DeleteStickerPack deletes a sticker pack and its stickers.
func (p *Platform) DeleteStickerPack(ctx context.Context, c Caller, id string) error {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	p.stickerMu.Lock()
	defer p.stickerMu.Unlock()
	if err := p.store.DeleteRecord(ctx, pn.ID, recStickerPack, id); err != nil {
		if wabi.ErrorCode(err) == wabi.ENotFound {
			return wabi.Errorf(wabi.ENotFound, "There is no sticker pack %s.", id)
		}
		return err
	}
	_, err = p.store.DeleteRecords(ctx, pn.ID, recSticker, id+"/")
	return err
}

// apply checks the fields f sets and copies them into sp.
func (f StickerPackFields) apply(sp *StickerPack) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&sp.Publisher, f.Publisher)
	set(&sp.Name, f.Name)
	set(&sp.IOSAppStoreLink, f.IOSAppStoreLink)
	set(&sp.AndroidAppStoreLink, f.AndroidAppStoreLink)
	for _, t := range []struct{ name, v string }{{"publisher", sp.Publisher}, {"name", sp.Name}} {
		if t.v == "" {
			return wabi.Errorf(wabi.ERequired, "Parameter '%s' is required.", t.name)
		}
		if utf8.RuneCountInString(t.v) > maxStickerPackText {
			return wabi.Errorf(wabi.EInvalidParam, "Parameter '%s' must be at most %d characters.", t.name, maxStickerPackText)
		}
	}
	if l := sp.IOSAppStoreLink; l != "" && !iosLinkRE.MatchString(l) {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'ios_app_store_link' must look like https://itunes.apple.com/app/id123456789, not %q.", l)
	}
	if l := sp.AndroidAppStoreLink; l != "" && !androidLinkRE.MatchString(l) {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'android_app_store_link' must look like https://play.google.com/store/apps/details?id=com.example.app, not %q.", l)
	}
	return nil
}

// Stickers lists a pack's stickers by index.
func (p *Platform) Stickers(ctx context.Context, c Caller, packID string) ([]*Sticker, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	if _, err := p.stickerPack(ctx, pn.ID, packID); err != nil {
		return nil, err
	}
	return p.stickers(ctx, pn.ID, packID)
}

func (p *Platform) stickers(ctx context.Context, phoneNumberID, packID string) ([]*Sticker, error) {
	recs, err := p.store.Records(ctx, phoneNumberID, recSticker, packID+"/")
	if err != nil {
		return nil, err
	}
	out := make([]*Sticker, 0, len(recs))
	for _, r := range recs {
		var s Sticker
		if err := json.Unmarshal(r.Value, &s); err != nil {
			return nil, fmt.Errorf("platform: sticker record: %w", err)
		}
		out = append(out, &s)
	}
	// Keys sort as text ("10" before "2"); indexes sort as numbers.
	slices.SortFunc(out, func(a, b *Sticker) int { return a.Index - b.Index })
	return out, nil
}

// AddSticker adds a sticker to a pack: image_data_id, required, is a WebP
// image the number uploaded.
func (p *Platform) AddSticker(ctx context.Context, c Caller, packID string, f StickerFields) (*Sticker, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	if f.ImageDataID == nil || *f.ImageDataID == "" {
		return nil, wabi.Errorf(wabi.ERequired, "Parameter 'image_data_id' is required.")
	}
	s := &Sticker{PackID: packID, Emojis: []string{}, CreatedAt: p.clock.Now()}
	if err := p.applySticker(ctx, pn, s, f); err != nil {
		return nil, err
	}
	p.stickerMu.Lock()
	defer p.stickerMu.Unlock()
	// The pack first: should the sticker then fail, an index is skipped, never
	// given twice. The count is checked at each try; two nodes adding the
	// last sticker at the same moment may still both see room for it.
	_, err = p.changePack(ctx, pn.ID, packID, func(sp *StickerPack) error {
		have, err := p.stickers(ctx, pn.ID, packID)
		if err != nil {
			return err
		}
		if len(have) >= MaxStickers {
			return wabi.Errorf(wabi.EInvalidParam, "Sticker pack %s has %d stickers, as many as a pack may.", packID, len(have))
		}
		s.Index = sp.NextIndex
		sp.NextIndex++
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, p.putRecordJSON(ctx, pn.ID, recSticker, stickerKey(packID, s.Index), s)
}

// Sticker returns a sticker of a pack; index is as the client writes it.
func (p *Platform) Sticker(ctx context.Context, c Caller, packID, index string) (*Sticker, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	return p.sticker(ctx, pn.ID, packID, index)
}

func (p *Platform) sticker(ctx context.Context, phoneNumberID, packID, index string) (*Sticker, error) {
	if _, err := p.stickerPack(ctx, phoneNumberID, packID); err != nil {
		return nil, err
	}
	missing := wabi.Errorf(wabi.ENotFound, "Sticker pack %s has no sticker %s.", packID, index)
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 {
		return nil, missing
	}
	var s Sticker
	err = p.getRecordJSON(ctx, phoneNumberID, recSticker, stickerKey(packID, i), &s)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return nil, missing
	}
	return &s, err
}

// UpdateSticker changes the image or emojis of a sticker.
func (p *Platform) UpdateSticker(ctx context.Context, c Caller, packID, index string, f StickerFields) (*Sticker, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	p.stickerMu.Lock()
	defer p.stickerMu.Unlock()
	s, err := p.sticker(ctx, pn.ID, packID, index)
	if err != nil {
		return nil, err
	}
	if f.ImageDataID != nil && *f.ImageDataID == "" {
		return nil, wabi.Errorf(wabi.ERequired, "Parameter 'image_data_id' cannot be empty.")
	}
	if err := p.applySticker(ctx, pn, s, f); err != nil {
		return nil, err
	}
	return s, p.putRecordJSON(ctx, pn.ID, recSticker, stickerKey(packID, s.Index), s)
}

// DeleteSticker deletes a sticker of a pack.
func (p *Platform) DeleteSticker(ctx context.Context, c Caller, packID, index string) error {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	p.stickerMu.Lock()
	defer p.stickerMu.Unlock()
	s, err := p.sticker(ctx, pn.ID, packID, index)
	if err != nil {
		return err
	}
	return p.store.DeleteRecord(ctx, pn.ID, recSticker, stickerKey(packID, s.Index))
}

// applySticker checks the fields f sets and copies them into s.
func (p *Platform) applySticker(ctx context.Context, pn *wabi.PhoneNumber, s *Sticker, f StickerFields) error {
	if f.ImageDataID != nil {
		mf, err := p.ownMedia(ctx, pn, *f.ImageDataID)
		if err != nil {
			return err
		}
		if mf.MimeType != "image/webp" {
			return wabi.Errorf(wabi.EInvalidValue, "Parameter 'image_data_id' must be a WebP image (image/webp), not %s.", mf.MimeType)
		}
		s.ImageDataID = mf.ID
	}
	if f.Emojis != nil {
		es := *f.Emojis
		if len(es) > MaxStickerEmojis {
			return wabi.Errorf(wabi.EInvalidParam, "Parameter 'emojis' may list at most %d emojis.", MaxStickerEmojis)
		}
		for _, e := range es {
			if e == "" || utf8.RuneCountInString(e) > 16 {
				return wabi.Errorf(wabi.EInvalidValue, "Parameter 'emojis' must list emojis, not %q.", e)
			}
		}
		s.Emojis = append([]string{}, es...)
	}
	return nil
}

func stickerKey(packID string, index int) string { return packID + "/" + strconv.Itoa(index) }

// cmpNumeric orders decimal strings by value.
func cmpNumeric(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
