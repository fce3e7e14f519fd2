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
const profileQuery = `SELECT n.id, coalesce(p.about, ''), coalesce(p.address, ''), coalesce(p.description, ''),
	coalesce(p.email, ''), coalesce(p.websites, '[]'), coalesce(p.vertical, ''), coalesce(p.picture_sha256, ''),
	coalesce(p.picture_mime_type, ''), coalesce(p.updated_at, 0)
	FROM phone_numbers n LEFT JOIN profiles p ON p.phone_number_id = n.id WHERE n.id = ?`

// Profile returns a number's business profile: an empty one if it was never
// set, ENotFound if the number does not exist.
func (s *Store) Profile(ctx context.Context, phoneNumberID string) (*wabi.BusinessProfile, error) {
	var p wabi.BusinessProfile
	var websites string
	var updated int64
	err := s.rdb.QueryRowContext(ctx, profileQuery, phoneNumberID).Scan(&p.PhoneNumberID, &p.About, &p.Address,
		&p.Description, &p.Email, &websites, &p.Vertical, &p.PictureSHA256, &p.PictureMimeType, &updated)
	if err != nil {
		return nil, readError(err, "phone number "+phoneNumberID)
	}
	p.UpdatedAt = sqlrow.FromNanos(updated)
	if err := sqlrow.FromJSON(websites, &p.Websites); err != nil {
		return nil, err
	}
	if len(p.Websites) == 0 {
		p.Websites = nil
	}
	return &p, nil
}

// PutProfile creates or replaces a number's business profile; ENotFound if the
// number does not exist.
func (s *Store) PutProfile(ctx context.Context, p *wabi.BusinessProfile) error {
	websites := p.Websites
	if websites == nil {
		websites = []string{}
	}
	ws, err := sqlrow.ToJSON(websites)
	if err != nil {
		return err
	}
	return s.exec(ctx, "profile of "+p.PhoneNumberID, "phone number "+p.PhoneNumberID, false,
		`INSERT INTO profiles (phone_number_id, about, address, description, email, websites, vertical,
			picture_sha256, picture_mime_type, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (phone_number_id) DO UPDATE SET about = excluded.about, address = excluded.address,
			description = excluded.description, email = excluded.email, websites = excluded.websites,
			vertical = excluded.vertical, picture_sha256 = excluded.picture_sha256,
			picture_mime_type = excluded.picture_mime_type, updated_at = excluded.updated_at`,
		p.PhoneNumberID, p.About, p.Address, p.Description, p.Email, ws, p.Vertical, p.PictureSHA256,
		p.PictureMimeType, sqlrow.Nanos(p.UpdatedAt))
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
