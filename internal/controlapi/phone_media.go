package controlapi

import (
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// maxPhoneUpload caps a media upload from a virtual phone.
const maxPhoneUpload = platform.MediaMaxSize + 1<<20

// handlePhoneUpload stores a file a virtual phone is about to send to a business
// number (phone_number_id=): a multipart form with a file part, or the raw bytes
// with their Content-Type. The answer's id goes in the phone's media message.
func (a *API) handlePhoneUpload(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.Platform.Store().VirtualPhone(r.Context(), r.PathValue("wa_id")); err != nil {
		return err
	}
	pn := r.URL.Query().Get("phone_number_id")
	if err := required("phone_number_id", pn); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPhoneUpload)
	up := platform.MediaUpload{PhoneNumberID: pn, Origin: wabi.OriginInbound, Body: r.Body,
		Declared: r.Header.Get("Content-Type"), Filename: r.URL.Query().Get("filename")}
	if mt, _, _ := mime.ParseMediaType(up.Declared); mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return wabi.Errorf(wabi.EMediaUpload, "The upload is larger than WhatsApp's largest file (%d bytes).", platform.MediaMaxSize)
			}
			return wabi.Errorf(wabi.EBadRequest, "The multipart form could not be read: %v", err)
		}
		file, header, err := r.FormFile("file")
		if err != nil {
			return wabi.Errorf(wabi.ERequired, "The parameter file is required.")
		}
		defer file.Close()
		up.Body, up.Declared, up.Filename = file, header.Header.Get("Content-Type"), header.Filename
		if t := r.FormValue("type"); t != "" {
			up.Declared = t
		}
	}
	m, err := a.Platform.UploadMedia(r.Context(), platform.Admin, up)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, m)
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
