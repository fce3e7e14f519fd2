package onpremapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/form"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

type mediaID struct {
	ID string `json:"id"`
}

// handleUpload stores the raw request body as a media file of the declared
// Content-Type (not a multipart form, unlike the Cloud API). The body streams
// into the blob store; one declared larger than any file WhatsApp takes is
// refused unread.
func (a *API) handleUpload(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	if r.ContentLength > platform.MediaMaxSize {
		return wabi.Errorf(wabi.EMediaUpload, "The upload is larger than WhatsApp's largest file (%d bytes).", platform.MediaMaxSize)
	}
	body := form.Track(http.MaxBytesReader(w, r.Body, platform.MediaMaxSize+1))
	m, err := a.p.UploadMedia(r.Context(), c, platform.MediaUpload{
		Via: wabi.PlatformOnPrem, PhoneNumberID: pn.ID, Body: body,
		Declared: r.Header.Get("Content-Type"),
	})
	if err != nil {
		if berr := body.Err(); berr != nil {
			return uploadBodyError(berr)
		}
		return err
	}
	a.writeJSON(w, http.StatusOK, struct {
		Media []mediaID `json:"media"`
	}{[]mediaID{{ID: m.ID}}})
	return nil
}

// handleDownload answers a media file's bytes: uploads and inbound media alike.
// A missing file is a 404 with an empty body, as the client answers.
func (a *API) handleDownload(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	m, err := a.p.Media(r.Context(), c, r.PathValue("id"), pn.ID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		w.WriteHeader(http.StatusNotFound)
		return nil
	} else if err != nil {
		return err
	}
	f, err := a.p.OpenMedia(m)
	if err != nil {
		return err
	}
	defer f.Close()
	return serveBytes(w, f, m.MimeType)
}

// handleDeleteMedia deletes a media file.
func (a *API) handleDeleteMedia(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	if err := a.p.DeleteMedia(r.Context(), c, r.PathValue("id"), pn.ID); err != nil {
		return err
	}
	return a.ok(w)
}
