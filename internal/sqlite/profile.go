package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// Business profiles.

// profileQuery reads a number's profile together with the number itself, so that
// a number without a profile row reads as an empty profile and a missing number
// as no row at all.
const profileQuery = `SELECT ` + sqlrow.ProfileCols + `
	FROM phone_numbers n LEFT JOIN profiles p ON p.phone_number_id = n.id WHERE n.id = ?`

// Profile returns a number's business profile: an empty one if it was never
// set, ENotFound if the number does not exist.
func (s *Store) Profile(ctx context.Context, phoneNumberID string) (*wabi.BusinessProfile, error) {
	p, err := sqlrow.ScanProfile(s.rdb.QueryRowContext(ctx, profileQuery, phoneNumberID))
	if err != nil {
		return nil, readError(err, "phone number "+phoneNumberID)
	}
	return p, nil
}

// PutProfile creates or replaces a number's business profile; ENotFound if the
// number does not exist.
func (s *Store) PutProfile(ctx context.Context, p *wabi.BusinessProfile) error {
	args, err := sqlrow.ProfileArgs(p)
	if err != nil {
		return err
	}
	return s.exec(ctx, "profile of "+p.PhoneNumberID, "phone number "+p.PhoneNumberID, false,
		`INSERT INTO profiles (`+sqlrow.ProfileInsertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (phone_number_id) DO UPDATE SET about = excluded.about, address = excluded.address,
			description = excluded.description, email = excluded.email, websites = excluded.websites,
			vertical = excluded.vertical, picture_sha256 = excluded.picture_sha256,
			picture_mime_type = excluded.picture_mime_type, updated_at = excluded.updated_at`,
		args...)
}

// Resumable upload sessions.

// CreateUploadSession stores a new upload session; EConflict if its id exists,
// ENotFound if its app does not.
func (s *Store) CreateUploadSession(ctx context.Context, u *wabi.UploadSession) error {
	args, err := sqlrow.UploadArgs(u)
	if err != nil {
		return err
	}
	return s.exec(ctx, "upload session "+u.ID, "app "+u.AppID, false,
		`INSERT INTO upload_sessions (app_id, file_name, file_length, file_type, file_offset, chunks, sha256,
			created_at, expires_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
}

// UploadSession returns an upload session; ENotFound if there is none.
func (s *Store) UploadSession(ctx context.Context, id string) (*wabi.UploadSession, error) {
	u, err := sqlrow.ScanUpload(s.rdb.QueryRowContext(ctx, "SELECT "+sqlrow.UploadCols+" FROM upload_sessions WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "upload session "+id)
	}
	return u, nil
}

// UpdateUploadSession replaces an upload session; ENotFound if there is none.
func (s *Store) UpdateUploadSession(ctx context.Context, u *wabi.UploadSession) error {
	args, err := sqlrow.UploadArgs(u)
	if err != nil {
		return err
	}
	return s.exec(ctx, "upload session "+u.ID, "app "+u.AppID, true,
		`UPDATE upload_sessions SET app_id = ?, file_name = ?, file_length = ?, file_type = ?, file_offset = ?,
			chunks = ?, sha256 = ?, created_at = ?, expires_at = ? WHERE id = ?`, args...)
}

// DeleteExpiredUploadSessions deletes the sessions expired at now.
func (s *Store) DeleteExpiredUploadSessions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.w.do(ctx, func(t *wtx) error {
		res, err := t.exec("DELETE FROM upload_sessions WHERE expires_at <= ?", sqlrow.Nanos(now))
		if err != nil {
			return fmt.Errorf("sqlite: delete expired upload sessions: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
