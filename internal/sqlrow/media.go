package sqlrow

import "github.com/wabihq/wabi/internal/wabi"

// MediaCols are the columns of a media file, in the order of ScanMedia and
// MediaArgs.
const MediaCols = "id, phone_number_id, sha256, mime_type, size, filename, animated, origin, created_at, expires_at"

// ScanMedia reads a row of MediaCols.
func ScanMedia(sc Scanner) (*wabi.MediaFile, error) {
	var m wabi.MediaFile
	var created, expires int64
	if err := sc.Scan(&m.ID, &m.PhoneNumberID, &m.SHA256, &m.MimeType, &m.Size, &m.Filename, &m.Animated,
		&m.Origin, &created, &expires); err != nil {
		return nil, err
	}
	m.CreatedAt, m.ExpiresAt = FromNanos(created), FromNanos(expires)
	return &m, nil
}

// MediaArgs returns the values of MediaCols.
func MediaArgs(m *wabi.MediaFile) []any {
	return []any{m.ID, m.PhoneNumberID, m.SHA256, m.MimeType, m.Size, m.Filename, m.Animated, m.Origin,
		Nanos(m.CreatedAt), Nanos(m.ExpiresAt)}
}

// UploadCols are the columns of a resumable upload session, in the order of
// ScanUpload. Chunks are a JSON list, never null.
const UploadCols = "id, app_id, file_name, file_length, file_type, file_offset, chunks, sha256, created_at, expires_at"

// ScanUpload reads a row of UploadCols; a session with no chunks has nil
// Chunks.
func ScanUpload(sc Scanner) (*wabi.UploadSession, error) {
	var u wabi.UploadSession
	var chunks string
	var created, expires int64
	if err := sc.Scan(&u.ID, &u.AppID, &u.FileName, &u.FileLength, &u.FileType, &u.Offset, &chunks, &u.SHA256,
		&created, &expires); err != nil {
		return nil, err
	}
	u.CreatedAt, u.ExpiresAt = FromNanos(created), FromNanos(expires)
	if err := FromJSON(chunks, &u.Chunks); err != nil {
		return nil, err
	}
	if len(u.Chunks) == 0 {
		u.Chunks = nil
	}
	return &u, nil
}

// UploadArgs returns the values of UploadCols after the id, then the id.
func UploadArgs(u *wabi.UploadSession) ([]any, error) {
	chunks := u.Chunks
	if chunks == nil {
		chunks = []string{}
	}
	cs, err := ToJSON(chunks)
	if err != nil {
		return nil, err
	}
	return []any{u.AppID, u.FileName, u.FileLength, u.FileType, u.Offset, cs, u.SHA256,
		Nanos(u.CreatedAt), Nanos(u.ExpiresAt), u.ID}, nil
}
