package controlapi

import (
	"mime"
	"net/http"
	"time"

	"github.com/wabihq/wabi/internal/form"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// maxPhoneUpload caps a media upload from a virtual phone: the largest file
// WhatsApp takes plus room for a form around it.
const maxPhoneUpload = platform.MediaMaxSize + 1<<20

// handlePhoneUpload stores a file a virtual phone is about to send to a business
// number (phone_number_id=): a multipart form with a file part, or the raw bytes
// with their Content-Type. The answer's id goes in the phone's media message.
// A form is read as a stream, its file held in an unlinked temporary file; a
// body declared larger than the largest file is refused unread.
func (a *API) handlePhoneUpload(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.Platform.Store().VirtualPhone(r.Context(), r.PathValue("wa_id")); err != nil {
		return err
	}
	pn := r.URL.Query().Get("phone_number_id")
	if err := required("phone_number_id", pn); err != nil {
		return err
	}
	if r.ContentLength > maxPhoneUpload {
		return phoneUploadTooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPhoneUpload)
	raw := form.Track(r.Body)
	up := platform.MediaUpload{PhoneNumberID: pn, Origin: wabi.OriginInbound, Body: raw,
		Declared: r.Header.Get("Content-Type"), Filename: r.URL.Query().Get("filename")}
	if mt, _, _ := mime.ParseMediaType(up.Declared); mt == "multipart/form-data" {
		rd := form.Reader{File: "file", MaxFile: platform.MediaMaxSize}
		f, err := rd.Read(r)
		if err != nil {
			return form.DomainError(err, phoneUploadTooLarge())
		}
		defer f.Close()
		if f.File == nil {
			return wabi.Errorf(wabi.ERequired, "The parameter file is required.")
		}
		up.Body, up.Declared, up.Filename = f.File, f.File.ContentType, f.File.Filename
		if t := f.Fields.Get("type"); t != "" {
			up.Declared = t
		}
	}
	m, err := a.Platform.UploadMedia(r.Context(), platform.Admin, up)
	if err != nil {
		if berr := raw.Err(); berr != nil {
			return form.DomainError(berr, phoneUploadTooLarge())
		}
		return err
	}
	return a.respond(w, r, http.StatusCreated, m)
}

func phoneUploadTooLarge() error {
	return wabi.Errorf(wabi.EMediaUpload, "The upload is larger than WhatsApp's largest file (%d bytes).", platform.MediaMaxSize)
}

// handlePhoneMedia serves the bytes of the media in a message of the phone's chat:
// what the phone received, or what it sent.
func (a *API) handlePhoneMedia(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := a.Platform.Store().Message(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if m.WaID != r.PathValue("wa_id") {
		return wabi.Errorf(wabi.ENotFound, "Message %s is not in the chat of %s.", m.ID, r.PathValue("wa_id"))
	}
	md := platform.MessageMedia(m)
	if md == nil || md.ID == "" {
		return wabi.Errorf(wabi.ENotFound, "Message %s carries no stored media.", m.ID)
	}
	mf, err := a.Platform.Media(ctx, platform.Admin, md.ID, "")
	if err != nil {
		return wabi.Errorf(wabi.ENotFound, "The media of message %s has expired.", m.ID)
	}
	f, err := a.Platform.OpenMedia(mf)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", mf.MimeType)
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}
