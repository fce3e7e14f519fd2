package cloudapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// maxUpload caps a media upload request: the largest file WhatsApp takes plus
// room for the form around it.
const maxUpload = platform.MediaMaxSize + 1<<20

// uploadMemory is how much of an upload is held in memory; the rest goes to a
// temporary file that net/http removes after the request.
const uploadMemory = 8 << 20

type idResponse struct {
	ID string `json:"id"`
}

type mediaResponse struct {
	MessagingProduct string `json:"messaging_product"`
	URL              string `json:"url"`
	MimeType         string `json:"mime_type"`
	SHA256           string `json:"sha256"`
	FileSize         string `json:"file_size"`
	ID               string `json:"id"`
}

// handleUpload stores a media file (POST /{phone-number-id}/media, multipart).
func (a *API) handleUpload(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(uploadMemory); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return wabi.Errorf(wabi.EMediaUpload, "The upload is larger than WhatsApp's largest file (%d bytes).", platform.MediaMaxSize)
		case errors.Is(err, http.ErrNotMultipart):
			return wabi.Errorf(wabi.EBadRequest, "Upload media as multipart/form-data with a file part named file.")
		}
		return wabi.Errorf(wabi.EBadRequest, "The multipart form could not be read: %v", err)
	}
	if product := r.FormValue("messaging_product"); product != "whatsapp" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter messaging_product is required.")
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return wabi.Errorf(wabi.ERequired, "The parameter file is required.")
	}
	defer file.Close()
	declared := r.FormValue("type")
	if declared == "" {
		declared = header.Header.Get("Content-Type")
	}
	m, err := a.p.UploadMedia(r.Context(), c, platform.MediaUpload{
		Via: wabi.PlatformCloud, PhoneNumberID: r.PathValue("id"), Body: file,
		Declared: declared, Filename: header.Filename,
	})
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, idResponse{ID: m.ID})
	return nil
}

// getMedia reads a media node: its URL and facts.
func (a *API) getMedia(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	m, err := a.p.Media(r.Context(), c, r.PathValue("id"), r.URL.Query().Get("phone_number_id"))
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, mediaResponse{
		MessagingProduct: "whatsapp", URL: a.p.MediaURL(a.baseURL(r), m), MimeType: m.MimeType,
		SHA256: m.SHA256, FileSize: strconv.FormatInt(m.Size, 10), ID: m.ID,
	})
	return nil
}

// deleteMedia deletes a media node.
func (a *API) deleteMedia(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := a.p.DeleteMedia(r.Context(), c, r.PathValue("id"), r.URL.Query().Get("phone_number_id")); err != nil {
		return err
	}
	return success(w)
}

// handleDownload serves the bytes behind a media URL to a caller with a token.
// Like Meta's CDN it answers a bare 404 for a bad, expired or unauthorised URL.
func (a *API) handleDownload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := a.caller(r)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	m, err := a.p.OpenMediaURL(r.Context(), c, q.Get("mid"), q.Get("ext"), q.Get("hash"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	f, err := a.p.OpenMedia(m)
	if err != nil {
		if wabi.ErrorCode(err) != wabi.ENotFound {
			a.logger().Error("open media bytes", "media", m.ID, "err", err)
		}
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", m.MimeType)
	w.Header().Set("Cache-Control", "private, max-age=300")
	if m.Filename != "" {
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(m.Filename))
	}
	http.ServeContent(w, r, "", time.Time{}, f)
}

// baseURL is where this server is reached: PublicURL if set, else the request's
// own scheme and host.
func (a *API) baseURL(r *http.Request) string {
	if a.PublicURL != "" {
		return a.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
