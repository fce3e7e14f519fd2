package platform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/wabi"
)

// Verticals are the industries a business profile can name.
var Verticals = []string{"UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN",
	"FINANCE", "GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL",
	"RESTAURANT", "ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS", "NOT_A_BIZ"}

// Limits of business profile fields, in characters.
const (
	profileAboutMax       = 139
	profileAddressMax     = 256
	profileDescriptionMax = 512
	profileEmailMax       = 128
	profileWebsiteMax     = 256
	profileWebsites       = 2
)

// ProfileUpdate changes a business profile. Nil fields stay as they are; an
// empty string clears a field (about cannot be cleared, only replaced).
type ProfileUpdate struct {
	About, Address, Description, Email, Vertical *string
	Websites                                     *[]string
	// PictureHandle is the Resumable Upload API handle of a new profile picture,
	// a JPEG or PNG; "" keeps the picture.
	PictureHandle string
}

// profileNumber loads a number whose profile the caller may read or change.
// Either permission will do: integrations that only send messages show and
// keep their profile too.
func (p *Platform) profileNumber(ctx context.Context, c Caller, id string) (*wabi.PhoneNumber, *wabi.WABA, error) {
	pn, w, err := p.numberFor(ctx, c, id, wabi.ScopeMessaging)
	if wabi.ErrorCode(err) == wabi.EPermission {
		pn, w, err = p.numberFor(ctx, c, id, wabi.ScopeManagement)
	}
	return pn, w, err
}

// BusinessProfile returns the profile of a number: what consumers see of it.
func (p *Platform) BusinessProfile(ctx context.Context, c Caller, phoneNumberID string) (*wabi.BusinessProfile, error) {
	if _, _, err := p.profileNumber(ctx, c, phoneNumberID); err != nil {
		return nil, err
	}
	return p.store.Profile(ctx, phoneNumberID)
}

// UpdateBusinessProfile applies a change to a number's profile, checking every
// field against WhatsApp's limits, and returns the new profile.
func (p *Platform) UpdateBusinessProfile(ctx context.Context, c Caller, phoneNumberID string, u ProfileUpdate) (*wabi.BusinessProfile, error) {
	_, w, err := p.profileNumber(ctx, c, phoneNumberID)
	if err != nil {
		return nil, err
	}
	if err := checkProfile(u); err != nil {
		return nil, err
	}
	prof, err := p.store.Profile(ctx, phoneNumberID)
	if err != nil {
		return nil, err
	}
	if u.PictureHandle != "" {
		if err := p.setPicture(ctx, w, prof, u.PictureHandle); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		from *string
		to   *string
	}{{u.About, &prof.About}, {u.Address, &prof.Address}, {u.Description, &prof.Description},
		{u.Email, &prof.Email}, {u.Vertical, &prof.Vertical}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if u.Websites != nil {
		prof.Websites = slices.Clone(*u.Websites)
	}
	prof.UpdatedAt = p.clock.Now()
	if err := p.store.PutProfile(ctx, prof); err != nil {
		return nil, err
	}
	return prof, nil
}

// checkProfile applies the field limits of a profile update.
func checkProfile(u ProfileUpdate) error {
	long := func(name string, s *string, max int) error {
		if s != nil && utf8.RuneCountInString(*s) > max {
			return wabi.Errorf(wabi.EInvalidParam, "Param %s must be at most %d characters long.", name, max)
		}
		return nil
	}
	if u.About != nil && *u.About == "" {
		return wabi.Errorf(wabi.EInvalidParam, "Param about must be 1 to %d characters long.", profileAboutMax)
	}
	for _, err := range []error{long("about", u.About, profileAboutMax), long("address", u.Address, profileAddressMax),
		long("description", u.Description, profileDescriptionMax), long("email", u.Email, profileEmailMax)} {
		if err != nil {
			return err
		}
	}
	if u.Email != nil && *u.Email != "" {
		if a, err := mail.ParseAddress(*u.Email); err != nil || a.Address != *u.Email || a.Name != "" {
			return wabi.Errorf(wabi.EInvalidParam, "Param email must be a valid email address, not %q.", *u.Email)
		}
	}
	if u.Vertical != nil && *u.Vertical != "" && !slices.Contains(Verticals, *u.Vertical) {
		return wabi.Errorf(wabi.EInvalidParam, "Param vertical must be one of %s, not %q.", strings.Join(Verticals, ", "), *u.Vertical)
	}
	if u.Websites != nil {
		if len(*u.Websites) > profileWebsites {
			return wabi.Errorf(wabi.EInvalidParam, "Param websites can hold at most %d URLs.", profileWebsites)
		}
		for i, site := range *u.Websites {
			link, err := url.Parse(site)
			switch {
			case len(site) > profileWebsiteMax:
				return wabi.Errorf(wabi.EInvalidParam, "Param websites[%d] must be at most %d characters long.", i, profileWebsiteMax)
			case err != nil || (link.Scheme != "http" && link.Scheme != "https") || link.Host == "" ||
				!(strings.HasPrefix(site, "http://") || strings.HasPrefix(site, "https://")):
				return wabi.Errorf(wabi.EInvalidParam, "Param websites[%d] must start with http:// or https://, not %q.", i, site)
			}
		}
	}
	return nil
}

// setPicture makes the upload a handle names the profile's picture. The upload
// must be one of the number's business and a JPEG or PNG.
func (p *Platform) setPicture(ctx context.Context, w *wabi.WABA, prof *wabi.BusinessProfile, handle string) error {
	s, err := p.ResolveHandle(ctx, handle)
	if err != nil {
		return err
	}
	if a, err := p.app(ctx, s.AppID); err != nil || a.BusinessID != w.BusinessID {
		return wabi.Errorf(wabi.EInvalidParam, "The upload handle %q is not valid: no upload of this business has it.", handle)
	}
	if p.Blobs == nil {
		return wabi.Errorf(wabi.EMediaUpload, "This wabi has no media store.")
	}
	head, err := p.readHead(s.SHA256)
	if err != nil {
		return err
	}
	info, err := InspectMedia(head, s.FileLength, s.FileType)
	if err != nil {
		return err
	}
	if info.MimeType != "image/jpeg" && info.MimeType != "image/png" {
		return wabi.Errorf(wabi.EInvalidParam, "Param profile_picture_handle must name a JPEG or PNG image, not %s.", info.MimeType)
	}
	prof.PictureSHA256, prof.PictureMimeType = s.SHA256, info.MimeType
	return nil
}

// ProfilePictureURL returns where the profile's picture is served under base (the
// server's public URL), or "" if it has none. The URL names the picture's bytes,
// so it stops working when the picture changes, as Meta's do.
func (p *Platform) ProfilePictureURL(base string, prof *wabi.BusinessProfile) string {
	if prof.PictureSHA256 == "" {
		return ""
	}
	q := url.Values{"v": {prof.PictureSHA256[:min(12, len(prof.PictureSHA256))]},
		"hash": {p.pictureHash(prof.PhoneNumberID, prof.PictureSHA256)}}
	return base + "/whatsapp_business/profile/" + url.PathEscape(prof.PhoneNumberID) + "/picture?" + q.Encode()
}

func (p *Platform) pictureHash(phoneNumberID, sha string) string {
	mac := hmac.New(sha256.New, p.URLKey)
	mac.Write([]byte("profile|" + phoneNumberID + "|" + sha))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))[:22]
}

// OpenProfilePicture returns the bytes and type of a number's current profile
// picture, given the hash of its URL. Anyone may look at a business's picture,
// as on WhatsApp; a URL of a replaced picture, or a forged one, is ENotFound.
func (p *Platform) OpenProfilePicture(ctx context.Context, phoneNumberID, hash string) (io.ReadSeekCloser, string, error) {
	gone := wabi.Errorf(wabi.ENotFound, "This profile picture URL is not valid or the picture has changed.")
	prof, err := p.store.Profile(ctx, phoneNumberID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return nil, "", gone
	}
	if err != nil {
		return nil, "", err
	}
	if prof.PictureSHA256 == "" || !hmac.Equal([]byte(hash), []byte(p.pictureHash(phoneNumberID, prof.PictureSHA256))) {
		return nil, "", gone
	}
	if p.Blobs == nil {
		return nil, "", gone
	}
	f, err := p.Blobs.Open(prof.PictureSHA256)
	if err != nil {
		return nil, "", err
	}
	return f, prof.PictureMimeType, nil
}
