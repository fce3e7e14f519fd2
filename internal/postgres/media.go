package postgres

import (
	"context"
	"time"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// CreateMedia stores a media file record; EConflict if its id exists, ENotFound if
// its phone number does not.
func (s *Store) CreateMedia(ctx context.Context, m *wabi.MediaFile) error {
	return s.exec(ctx, "media "+m.ID, "phone number "+m.PhoneNumberID, false,
		"INSERT INTO media ("+sqlrow.MediaCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		sqlrow.MediaArgs(m)...)
}

// MediaFile returns the media file with the id; ENotFound if there is none.
func (s *Store) MediaFile(ctx context.Context, id string) (*wabi.MediaFile, error) {
	m, err := sqlrow.ScanMedia(s.pool.QueryRow(ctx, "SELECT "+sqlrow.MediaCols+" FROM media WHERE id = $1", id))
	if err != nil {
		return nil, readError(err, "media "+id)
	}
	return m, nil
}

// DeleteMedia removes a media file record; ENotFound if there is none.
func (s *Store) DeleteMedia(ctx context.Context, id string) error {
	return s.exec(ctx, "media "+id, "", true, "DELETE FROM media WHERE id = $1", id)
}

// ExpiredMedia lists up to limit media files expired at now, soonest expired first.
func (s *Store) ExpiredMedia(ctx context.Context, now time.Time, limit int) ([]*wabi.MediaFile, error) {
	if limit <= 0 {
		limit = 100
	}
	return list(ctx, s.pool, sqlrow.ScanMedia,
		"SELECT "+sqlrow.MediaCols+" FROM media WHERE expires_at <= $1 ORDER BY expires_at, seq LIMIT $2", sqlrow.Nanos(now), limit)
}

// MediaRefs counts what refers to the bytes with the digest: media files, profile
// pictures, and upload sessions (finished, or still collecting chunks).
func (s *Store) MediaRefs(ctx context.Context, sha256 string) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM media WHERE sha256 = $1) +
		(SELECT count(*) FROM profiles WHERE picture_sha256 = $1 AND $1 <> '') +
		(SELECT count(*) FROM upload_sessions WHERE $1 <> '' AND (sha256 = $1 OR (sha256 = '' AND strpos(chunks, $1) > 0)))`,
		sha256).Scan(&n); err != nil {
		return 0, readError(err, "media references")
	}
	return n, nil
}
