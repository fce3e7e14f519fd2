package platform

import (
	"context"
	"io"

	"github.com/wabihq/wabi/internal/wabi"
)

// PhotoMaxSize caps a profile photo upload, as the client does.
const PhotoMaxSize = 5 << 20

// SetProfilePhoto makes an uploaded JPEG or PNG the number's profile picture
// (the On-Premises API's raw-body POST /v1/settings/profile/photo).
func (p *Platform) SetProfilePhoto(ctx context.Context, c Caller, phoneNumberID string, body io.Reader, declared string) error {
	if _, _, err := p.profileNumber(ctx, c, phoneNumberID); err != nil {
		return err
	}
	if p.Blobs == nil {
		return wabi.Errorf(wabi.EMediaUpload, "This wabi has no media store.")
	}
	blob, err := p.Blobs.Put(body, PhotoMaxSize)
	if err != nil {
		return err
	}
	head, err := p.readHead(blob.SHA256)
	if err != nil {
		return err
	}
	info, err := InspectMedia(head, blob.Size, declared)
	if err != nil {
		return err
	}
	if info.MimeType != "image/jpeg" && info.MimeType != "image/png" {
		return wabi.Errorf(wabi.EInvalidValue, "The profile photo must be a JPEG or PNG image, not %s.", info.MimeType)
	}
	prof, err := p.store.Profile(ctx, phoneNumberID)
	if err != nil {
		return err
	}
	prof.PictureSHA256, prof.PictureMimeType, prof.UpdatedAt = blob.SHA256, info.MimeType, p.clock.Now()
	return p.store.PutProfile(ctx, prof)
}

// DeleteProfilePhoto removes the number's profile picture.
func (p *Platform) DeleteProfilePhoto(ctx context.Context, c Caller, phoneNumberID string) error {
	if _, _, err := p.profileNumber(ctx, c, phoneNumberID); err != nil {
		return err
	}
	prof, err := p.store.Profile(ctx, phoneNumberID)
	if err != nil {
		return err
	}
	prof.PictureSHA256, prof.PictureMimeType, prof.UpdatedAt = "", "", p.clock.Now()
	return p.store.PutProfile(ctx, prof)
}

// ProfilePhoto returns the bytes and type of the number's profile picture;
// ENotFound if it has none.
func (p *Platform) ProfilePhoto(ctx context.Context, c Caller, phoneNumberID string) (io.ReadSeekCloser, string, error) {
	prof, err := p.BusinessProfile(ctx, c, phoneNumberID)
	if err != nil {
		return nil, "", err
	}
	if prof.PictureSHA256 == "" || p.Blobs == nil {
		return nil, "", wabi.Errorf(wabi.ENotFound, "Phone number %s has no profile photo.", phoneNumberID)
	}
	f, err := p.Blobs.Open(prof.PictureSHA256)
	if err != nil {
		return nil, "", err
	}
	return f, prof.PictureMimeType, nil
}
