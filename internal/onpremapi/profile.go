package onpremapi

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/form"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// verticals maps the client's industry names to the vertical codes wabi keeps
// (the Cloud API's), so that a profile reads the same in both dialects.
var verticals = map[string]string{
	"Automotive": "AUTO", "Beauty, Spa and Salon": "BEAUTY", "Clothing and Apparel": "APPAREL",
	"Education": "EDU", "Entertainment": "ENTERTAIN", "Event Planning and Service": "EVENT_PLAN",
	"Finance and Banking": "FINANCE", "Food and Grocery": "GROCERY", "Public Service": "GOVT",
	"Hotel and Lodging": "HOTEL", "Medical and Health": "HEALTH", "Non-profit": "NONPROFIT",
	"Professional Services": "PROF_SERVICES", "Shopping and Retail": "RETAIL",
	"Travel and Transportation": "TRAVEL", "Restaurant": "RESTAURANT", "Other": "OTHER",
}

// verticalName returns the client's name of a vertical code, or the code.
func verticalName(code string) string {
	for name, c := range verticals {
		if c == code {
			return name
		}
	}
	return code
}

// profileDescriptionMax is the client's limit; the Cloud API allows 512.
const profileDescriptionMax = 256

type businessProfile struct {
	Address     string   `json:"address"`
	Description string   `json:"description"`
	Email       string   `json:"email"`
	Vertical    string   `json:"vertical"`
	Websites    []string `json:"websites"`
}

type profileRequest struct {
	Address     *string   `json:"address"`
	Description *string   `json:"description"`
	Email       *string   `json:"email"`
	Vertical    *string   `json:"vertical"`
	Websites    *[]string `json:"websites"`
}

// handleGetProfile returns the business profile.
func (a *API) handleGetProfile(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	prof, err := a.p.BusinessProfile(r.Context(), c, pn.ID)
	if err != nil {
		return err
	}
	out := businessProfile{Address: prof.Address, Description: prof.Description, Email: prof.Email,
		Vertical: verticalName(prof.Vertical), Websites: prof.Websites}
	if out.Websites == nil {
		out.Websites = []string{}
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"settings": map[string]any{"business": map[string]any{"profile": out}}})
	return nil
}

// handlePostProfile changes the fields the body names.
func (a *API) handlePostProfile(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req profileRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Description != nil && utf8.RuneCountInString(*req.Description) > profileDescriptionMax {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'description' must be at most %d characters long.", profileDescriptionMax)
	}
	if req.Vertical != nil && *req.Vertical != "" {
		v := *req.Vertical
		if code, ok := verticals[v]; ok {
			v = code
		} else if !slices.Contains(platform.Verticals, v) {
			return wabi.Errorf(wabi.EInvalidValue, "Parameter 'vertical' must be empty or one of the client's industries (Automotive, Restaurant, Other, ...), not %q.", v)
		}
		req.Vertical = &v
	}
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	if _, err := a.p.UpdateBusinessProfile(r.Context(), c, pn.ID, platform.ProfileUpdate{Address: req.Address,
		Description: req.Description, Email: req.Email, Vertical: req.Vertical, Websites: req.Websites}); err != nil {
		return err
	}
	return a.ok(w)
}

type aboutSettings struct {
	Settings struct {
		Profile struct {
			About struct {
				Text string `json:"text"`
			} `json:"about"`
		} `json:"profile"`
	} `json:"settings"`
}

// handleGetAbout returns the profile's about text.
func (a *API) handleGetAbout(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	prof, err := a.p.BusinessProfile(r.Context(), c, pn.ID)
	if err != nil {
		return err
	}
	var out aboutSettings
	out.Settings.Profile.About.Text = prof.About
	a.writeJSON(w, http.StatusOK, out)
	return nil
}

// handlePatchAbout sets the about text (1 to 139 characters).
func (a *API) handlePatchAbout(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		Text *string `json:"text"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Text == nil {
		return wabi.Errorf(wabi.ERequired, "Parameter 'text' is required.")
	}
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	if _, err := a.p.UpdateBusinessProfile(r.Context(), c, pn.ID, platform.ProfileUpdate{About: req.Text}); err != nil {
		return err
	}
	return a.ok(w)
}

// handleGetPhoto returns the profile photo's bytes, or with ?format=link a URL
// to them.
func (a *API) handleGetPhoto(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "link" {
		prof, err := a.p.BusinessProfile(r.Context(), c, pn.ID)
		if err != nil {
			return err
		}
		link := a.p.ProfilePictureURL(a.base(r), prof)
		if link == "" {
			return wabi.Errorf(wabi.ENotFound, "Phone number %s has no profile photo.", pn.ID)
		}
		a.writeJSON(w, http.StatusOK, map[string]any{"settings": map[string]any{"profile": map[string]any{"photo": map[string]string{"link": link}}}})
		return nil
	}
	f, mime, err := a.p.ProfilePhoto(r.Context(), c, pn.ID)
	if err != nil {
		return err
	}
	defer f.Close()
	return serveBytes(w, f, mime)
}

// maxPhotoForm caps a multipart profile photo upload: the largest photo plus
// room for the form around it.
const maxPhotoForm = platform.PhotoMaxSize + 64<<10

// handlePostPhoto sets the profile photo from a raw JPEG or PNG body (or a
// multipart form's file, as older clients sent it). A body over the photo's
// limit is refused as soon as that is known: at once when declared, else when
// the limit is reached; the rest is never read.
func (a *API) handlePostPhoto(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	declared := r.Header.Get("Content-Type")
	multipartForm := strings.HasPrefix(declared, "multipart/form-data")
	limit := int64(platform.PhotoMaxSize)
	if multipartForm {
		limit = maxPhotoForm
	}
	if r.ContentLength > limit {
		return photoTooLarge()
	}
	// One byte over the photo's limit lets the blob store tell a raw body that
	// is too large from one of exactly the limit.
	r.Body = http.MaxBytesReader(w, r.Body, limit+1)
	raw := form.Track(r.Body)
	body := io.Reader(raw)
	if multipartForm {
		rd := form.Reader{File: "File", MaxFile: platform.PhotoMaxSize}
		f, err := rd.Read(r)
		if err != nil {
			return form.DomainError(err, photoTooLarge())
		}
		defer f.Close()
		if f.File == nil {
			return wabi.Errorf(wabi.ERequired, "The multipart form has no file in field File.")
		}
		body, declared = f.File, f.File.ContentType
	}
	if err := a.p.SetProfilePhoto(r.Context(), c, pn.ID, body, declared); err != nil {
		if berr := raw.Err(); berr != nil {
			return uploadBodyError(berr)
		}
		return err
	}
	return a.ok(w)
}

// uploadBodyError words a raw upload body that could not be read: the client's
// fault (cut off, too slow, too large), not the server's.
func uploadBodyError(err error) error {
	var tooLarge *form.TooLargeError
	if errors.As(err, &tooLarge) {
		return wabi.Errorf(wabi.EMediaUpload, "The upload is larger than WhatsApp's largest file (%d bytes).", platform.MediaMaxSize)
	}
	return wabi.Errorf(wabi.EBadRequest, "The upload could not be read: %v", errors.Unwrap(err))
}

func photoTooLarge() error {
	return wabi.Errorf(wabi.EMediaUpload, "The profile photo is larger than %d bytes (5 MB).", platform.PhotoMaxSize)
}

// handleDeletePhoto removes the profile photo.
func (a *API) handleDeletePhoto(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	if err := a.p.DeleteProfilePhoto(r.Context(), c, pn.ID); err != nil {
		return err
	}
	return a.ok(w)
}

// serveBytes writes a file with its type and length.
func serveBytes(w http.ResponseWriter, f io.ReadSeeker, mime string) error {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return nil
}

// base is the server's public URL: PublicURL, or the request's scheme and host.
func (a *API) base(r *http.Request) string {
	if a.PublicURL != "" {
		return strings.TrimSuffix(a.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
