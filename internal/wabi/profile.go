package wabi

import (
	"context"
	"time"
)

// BusinessProfile is what consumers see of a business phone number.
type BusinessProfile struct {
	PhoneNumberID string   `json:"phone_number_id"`
	About         string   `json:"about,omitempty"`
	Address       string   `json:"address,omitempty"`
	Description   string   `json:"description,omitempty"`
	Email         string   `json:"email,omitempty"`
	Websites      []string `json:"websites,omitempty"`
	Vertical      string   `json:"vertical,omitempty"`
	// PictureSHA256 names the profile picture's bytes in the blob store; "" if none.
	PictureSHA256   string    `json:"picture_sha256,omitempty"`
	PictureMimeType string    `json:"picture_mime_type,omitempty"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
}

// ProfileStore keeps business profiles.
type ProfileStore interface {
	// Profile returns the number's profile: an empty one (not ENotFound) if it
	// was never set; ENotFound if the number does not exist.
	Profile(ctx context.Context, phoneNumberID string) (*BusinessProfile, error)
	// PutProfile creates or replaces a number's profile.
	PutProfile(ctx context.Context, p *BusinessProfile) error
}

// UploadSession is a Resumable Upload API session (POST /{app-id}/uploads): a
// file that arrives in one or more parts and ends as a handle.
type UploadSession struct {
	ID         string `json:"id"`
	AppID      string `json:"app_id"`
	FileName   string `json:"file_name"`
	FileLength int64  `json:"file_length"`
	FileType   string `json:"file_type"`
	// Offset is how many bytes arrived; Chunks name their blobs, in order.
	Offset int64    `json:"file_offset"`
	Chunks []string `json:"chunks,omitempty"`
	// SHA256 names the whole file's blob once it is complete.
	SHA256    string    `json:"sha256,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UploadStore keeps upload sessions.
type UploadStore interface {
	CreateUploadSession(ctx context.Context, s *UploadSession) error
	// UploadSession returns ENotFound for an unknown id.
	UploadSession(ctx context.Context, id string) (*UploadSession, error)
	UpdateUploadSession(ctx context.Context, s *UploadSession) error
	// DeleteExpiredUploadSessions deletes the sessions whose ExpiresAt is not after
	// now and returns how many it deleted.
	DeleteExpiredUploadSessions(ctx context.Context, now time.Time) (int, error)
}
