package cloudapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/form"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// uploadSessionResponse is a session's progress: how many bytes arrived.
type uploadSessionResponse struct {
	ID         string `json:"id"`
	FileOffset int64  `json:"file_offset"`
}

// uploadHandleResponse is the answer to the last part of an upload.
type uploadHandleResponse struct {
	H string `json:"h"`
}

// handleCreateUpload opens a resumable upload session for an app
// (POST /{app-id}/uploads?file_name=&file_length=&file_type=).
func (a *API) handleCreateUpload(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	if ps["file_length"] == "" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter file_length is required.")
	}
	length, err := strconv.ParseInt(ps["file_length"], 10, 64)
	if err != nil {
		return wabi.Errorf(wabi.EInvalidParam, "Param file_length must be a number of bytes, not %q.", ps["file_length"])
	}
	s, err := a.p.CreateUpload(r.Context(), c, platform.NewUpload{
		AppID: r.PathValue("id"), FileName: ps["file_name"], FileLength: length, FileType: ps["file_type"],
	})
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, idResponse{ID: s.ID})
	return nil
}

// getUploadSession tells how many bytes of an upload arrived, for resuming it
// (GET /upload:<id>).
func (a *API) getUploadSession(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	s, err := a.p.UploadSession(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, uploadSessionResponse{ID: s.ID, FileOffset: s.Offset})
	return nil
}

// postUploadSession takes the next bytes of an upload: the raw body, starting
// at the file_offset header. The part that completes the file is answered with
// the file's handle; an earlier part with the session's progress.
func (a *API) postUploadSession(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	raw := strings.TrimSpace(r.Header.Get("file_offset"))
	if raw == "" {
		return wabi.Errorf(wabi.EBadRequest, "The header file_offset is required: the number of bytes sent so far, 0 for the first part.")
	}
	offset, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || offset < 0 {
		return wabi.Errorf(wabi.EInvalidParam, "Header file_offset must be a number of bytes, not %q.", raw)
	}
	body := form.Track(http.MaxBytesReader(w, r.Body, platform.MediaMaxSize+1))
	s, err := a.p.AppendUpload(r.Context(), c, r.PathValue("id"), offset, body)
	if err != nil {
		if berr := body.Err(); berr != nil {
			return uploadBodyError(berr)
		}
		return err
	}
	if s.SHA256 != "" {
		codec.Write(w, http.StatusOK, uploadHandleResponse{H: platform.UploadHandle(s)})
		return nil
	}
	codec.Write(w, http.StatusOK, uploadSessionResponse{ID: s.ID, FileOffset: s.Offset})
	return nil
}
