package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// Business profiles.

// profileQuery reads a number's profile together with the number itself, so that
// a number without a profile row reads as an empty profile and a missing number
// as no row at all.
const profileQuery = `SELECT ` + sqlrow.ProfileCols + `
	FROM phone_numbers n LEFT JOIN profiles p ON p.phone_number_id = n.id WHERE n.id = $1`

// Profile returns a number's business profile: an empty one if it was never
// set, ENotFound if the number does not exist.
func (s *Store) Profile(ctx context.Context, phoneNumberID string) (*wabi.BusinessProfile, error) {
	p, err := sqlrow.ScanProfile(s.pool.QueryRow(ctx, profileQuery, phoneNumberID))
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
		`INSERT INTO profiles (`+sqlrow.ProfileInsertCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
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
			created_at, expires_at, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, args...)
}

// UploadSession returns an upload session; ENotFound if there is none.
func (s *Store) UploadSession(ctx context.Context, id string) (*wabi.UploadSession, error) {
	u, err := sqlrow.ScanUpload(s.pool.QueryRow(ctx, "SELECT "+sqlrow.UploadCols+" FROM upload_sessions WHERE id = $1", id))
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
		`UPDATE upload_sessions SET app_id = $1, file_name = $2, file_length = $3, file_type = $4,
			file_offset = $5, chunks = $6, sha256 = $7, created_at = $8, expires_at = $9 WHERE id = $10`, args...)
}

// DeleteExpiredUploadSessions deletes the sessions expired at now.
func (s *Store) DeleteExpiredUploadSessions(ctx context.Context, now time.Time) (int, error) {
	return s.deleteCount(ctx, "expired upload sessions",
		"DELETE FROM upload_sessions WHERE expires_at <= $1", sqlrow.Nanos(now))
}

// deleteCount runs one DELETE through the writer and returns how many rows it
// removed; what names them for the error.
func (s *Store) deleteCount(ctx context.Context, what, query string, args ...any) (int, error) {
	var n int64
	err := s.w.do(ctx, op{sql: query, args: args, what: what,
		tag: func(t pgconn.CommandTag) { n = t.RowsAffected() }})
	return int(n), err
}
