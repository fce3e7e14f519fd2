package cloudapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/form"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// maxUpload caps a media upload request: the largest file WhatsApp takes plus
// room for the form around it.
const maxUpload = platform.MediaMaxSize + 1<<20

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

// uploadFunc is an upload endpoint: handlerFunc with the form already read.
type uploadFunc func(w http.ResponseWriter, r *http.Request, c platform.Caller, f *form.Form) error

// upload serves a multipart upload endpoint. The body is read as a stream: a
// token in a header or the query is checked before any of it is read, and a
// token sent as the form's access_token field must come before the file part,
// which is only read once the token is good. The file waits in an unlinked
// temporary file (TempDir) until h is done with it.
func (a *API) upload(h uploadFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.readUpload(w, r, h); err != nil {
			writeError(w, r, a.logger(), err)
		}
	})
}

func (a *API) readUpload(w http.ResponseWriter, r *http.Request, h uploadFunc) error {
	var c platform.Caller
	authenticated := false
	authenticate := func(tok string) error {
		var err error
		c, err = a.p.Authenticate(r.Context(), tok)
		authenticated = err == nil
		return err
	}
	if tok := requestToken(r); tok != "" {
		if err := authenticate(tok); err != nil {
			return err
		}
	}
	if r.ContentLength > maxUpload {
		if !authenticated {
			// Told first that a token is missing, not that the file is too big.
			return authenticate("")
		}
		return uploadTooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	rd := form.Reader{File: "file", MaxFile: platform.MediaMaxSize, TempDir: a.TempDir,
		BeforeFile: func(fields url.Values) error {
			if authenticated {
				return nil
			}
			return authenticate(fields.Get("access_token"))
		}}
	f, err := rd.Read(r)
	if err != nil {
		return form.DomainError(err, uploadTooLarge())
	}
	defer f.Close()
	if !authenticated {
		if err := authenticate(f.Fields.Get("access_token")); err != nil {
			return err
		}
	}
	return h(w, r, c, f)
}

// uploadBodyError words a raw upload body that could not be read: the
// client's fault (cut off, too slow, too large), not the server's.
func uploadBodyError(err error) error {
	var tooLarge *form.TooLargeError
	if errors.As(err, &tooLarge) {
		return uploadTooLarge()
	}
	return wabi.Errorf(wabi.EBadRequest, "The upload could not be read: %v", errors.Unwrap(err))
}

func uploadTooLarge() error {
	return wabi.Errorf(wabi.EMediaUpload, "The upload is larger than WhatsApp's largest file (%d bytes).", platform.MediaMaxSize)
}

// handleUpload stores a media file (POST /{phone-number-id}/media, multipart).
func (a *API) handleUpload(w http.ResponseWriter, r *http.Request, c platform.Caller, f *form.Form) error {
	// A parameter may be in the form or, as Graph takes it, the query string.
	param := func(k string) string {
		if v := f.Fields.Get(k); v != "" {
			return v
		}
		return r.URL.Query().Get(k)
	}
	if product := param("messaging_product"); product != "whatsapp" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter messaging_product is required.")
	}
	if f.File == nil {
		return wabi.Errorf(wabi.ERequired, "The parameter file is required.")
	}
	declared := param("type")
	if declared == "" {
		declared = f.File.ContentType
	}
	m, err := a.p.UploadMedia(r.Context(), c, platform.MediaUpload{
		Via: wabi.PlatformCloud, PhoneNumberID: r.PathValue("id"), Body: f.File,
		Declared: declared, Filename: f.File.Filename,
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
