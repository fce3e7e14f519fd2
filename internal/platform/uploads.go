package platform

import (
	"context"
	"encoding/base64"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// UploadSessionTTL is how long a Resumable Upload API session and the handle of
// its file live.
const UploadSessionTTL = 30 * 24 * time.Hour

// UploadTypes are the file types the Resumable Upload API takes.
var UploadTypes = []string{"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"}

// uploadPrefix starts every upload session id.
const uploadPrefix = "upload:"

// handlePrefix starts every upload handle.
const handlePrefix = "4::"

// NewUpload opens a resumable upload (POST /{app-id}/uploads).
type NewUpload struct {
	AppID      string
	FileName   string
	FileLength int64
	FileType   string
}

// CreateUpload opens an upload session for an app the caller may manage. Its
// bytes then arrive with AppendUpload.
func (p *Platform) CreateUpload(ctx context.Context, c Caller, n NewUpload) (*wabi.UploadSession, error) {
	a, err := p.App(ctx, c, n.AppID)
	if err != nil {
		return nil, err
	}
	switch {
	case n.FileLength <= 0:
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param file_length must be a positive number of bytes.")
	case n.FileLength > MediaMaxSize:
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param file_length must be at most %d bytes (100 MB).", MediaMaxSize)
	case n.FileType == "":
		return nil, wabi.Errorf(wabi.EBadRequest, "The parameter file_type is required.")
	case !slices.Contains(UploadTypes, n.FileType):
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param file_type must be one of %s, not %q.", strings.Join(UploadTypes, ", "), n.FileType)
	case len(n.FileName) > 255:
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param file_name must be at most 255 characters.")
	case p.Blobs == nil:
		return nil, wabi.Errorf(wabi.EMediaUpload, "This wabi has no media store.")
	}
	now := p.clock.Now()
	opaque := base64.RawURLEncoding.EncodeToString([]byte("1:attachment:" + p.ids.NewSecret(18)))
	s := &wabi.UploadSession{
		ID: uploadPrefix + opaque, AppID: a.ID, FileName: n.FileName, FileLength: n.FileLength,
		FileType: n.FileType, CreatedAt: now, ExpiresAt: now.Add(UploadSessionTTL),
	}
	return s, p.store.CreateUploadSession(ctx, s)
}

// UploadSession returns a live session of an app the caller may manage.
func (p *Platform) UploadSession(ctx context.Context, c Caller, id string) (*wabi.UploadSession, error) {
	s, err := p.store.UploadSession(ctx, id)
	if wabi.ErrorCode(err) == wabi.ENotFound || (err == nil && !p.clock.Now().Before(s.ExpiresAt)) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, err
	}
	if _, err := p.App(ctx, c, s.AppID); err != nil {
		if wabi.ErrorCode(err) == wabi.EPermission {
			return nil, err
		}
		return nil, notFound(id)
	}
	return s, nil
}

// AppendUpload adds the bytes of body to a session at offset, which must be the
// number of bytes received so far: a client resumes an interrupted upload from
// the offset UploadSession reports. The last bytes complete the file, whose
// handle is then UploadHandle(s).
func (p *Platform) AppendUpload(ctx context.Context, c Caller, id string, offset int64, body io.Reader) (*wabi.UploadSession, error) {
	s, err := p.UploadSession(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if p.Blobs == nil {
		return nil, wabi.Errorf(wabi.EMediaUpload, "This wabi has no media store.")
	}
	if offset != s.Offset {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param file_offset must be %d, the number of bytes received so far, not %d.", s.Offset, offset)
	}
	remaining := s.FileLength - s.Offset
	if remaining == 0 {
		// A complete file: a retry of the last part, answered again.
		if n, _ := io.Copy(io.Discard, io.LimitReader(body, 1)); n > 0 {
			return nil, wabi.Errorf(wabi.EInvalidParam, "The upload is complete: all %d bytes of file_length arrived.", s.FileLength)
		}
		return s, nil
	}
	chunk, err := p.Blobs.Put(body, remaining)
	if wabi.ErrorCode(err) == wabi.EMediaUpload {
		return nil, wabi.Errorf(wabi.EInvalidParam, "The bytes go past file_length: %d more were expected from file_offset %d.", remaining, s.Offset)
	}
	if err != nil {
		return nil, err
	}
	if chunk.Size == 0 {
		return s, nil
	}
	s.Offset += chunk.Size
	s.Chunks = append(s.Chunks, chunk.SHA256)
	if s.Offset == s.FileLength {
		if s.SHA256, err = p.joinChunks(s); err != nil {
			return nil, err
		}
	}
	return s, p.store.UpdateUploadSession(ctx, s)
}

// joinChunks stores the parts of a complete upload as one blob.
func (p *Platform) joinChunks(s *wabi.UploadSession) (string, error) {
	if len(s.Chunks) == 1 {
		return s.Chunks[0], nil
	}
	var files []io.Reader
	for _, sha := range s.Chunks {
		f, err := p.Blobs.Open(sha)
		if err != nil {
			return "", err
		}
		defer f.Close()
		files = append(files, f)
	}
	b, err := p.Blobs.Put(io.MultiReader(files...), s.FileLength)
	if err != nil {
		return "", err
	}
	return b.SHA256, nil
}

// UploadHandle is the handle of a complete upload, what the Cloud API answers
// as "h": "4::<base64 of the file type>:<session>:e:<expiry, unix>:<app id>".
// Profiles and template examples take it; ResolveHandle reads it back.
func UploadHandle(s *wabi.UploadSession) string {
	return handlePrefix + base64.StdEncoding.EncodeToString([]byte(s.FileType)) + ":" +
		strings.TrimPrefix(s.ID, uploadPrefix) + ":e:" + strconv.FormatInt(s.ExpiresAt.Unix(), 10) + ":" + s.AppID
}

// ResolveHandle returns the complete, live upload a handle names. A handle that
// is malformed, unknown, incomplete or expired is EInvalidParam. It does not
// check who asks: callers check that the session's app belongs to the business
// the handle is used for.
func (p *Platform) ResolveHandle(ctx context.Context, h string) (*wabi.UploadSession, error) {
	invalid := func(why string) error {
		return wabi.Errorf(wabi.EInvalidParam, "The upload handle %q is not valid: %s.", h, why)
	}
	parts := strings.Split(strings.TrimPrefix(h, handlePrefix), ":")
	if !strings.HasPrefix(h, handlePrefix) || len(parts) != 5 || parts[2] != "e" {
		return nil, invalid("it is not a handle of the Resumable Upload API")
	}
	fileType, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, invalid("it is not a handle of the Resumable Upload API")
	}
	s, err := p.store.UploadSession(ctx, uploadPrefix+parts[1])
	switch {
	case wabi.ErrorCode(err) == wabi.ENotFound:
		return nil, invalid("no upload has it")
	case err != nil:
		return nil, err
	case s.AppID != parts[4] || s.FileType != string(fileType):
		return nil, invalid("no upload has it")
	case !p.clock.Now().Before(s.ExpiresAt):
		return nil, invalid("it expired")
	case s.SHA256 == "":
		return nil, invalid("the upload is not complete")
	}
	return s, nil
}

// OpenUpload returns the bytes of a complete upload.
func (p *Platform) OpenUpload(s *wabi.UploadSession) (io.ReadSeekCloser, error) {
	switch {
	case s.SHA256 == "":
		return nil, wabi.Errorf(wabi.EInvalidParam, "Upload %s is not complete.", s.ID)
	case p.Blobs == nil:
		return nil, wabi.Errorf(wabi.EMediaUpload, "This wabi has no media store.")
	}
	return p.Blobs.Open(s.SHA256)
}
