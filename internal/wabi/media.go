package wabi

import (
	"context"
	"io"
	"time"
)

// Where a media file came from.
const (
	OriginUpload  = "upload"  // uploaded by the business (POST /{phone-number-id}/media)
	OriginLink    = "link"    // fetched from a link the business sent
	OriginInbound = "inbound" // sent by a consumer to the business
)

// MediaFile is a stored media file: an image, audio, video, document or sticker,
// owned by the business phone number that uploaded, fetched or received it. Its
// bytes live in the BlobStore under SHA256.
type MediaFile struct {
	ID            string `json:"id"`
	PhoneNumberID string `json:"phone_number_id"`
	// SHA256 is the hex digest of the bytes, the blob's address.
	SHA256   string `json:"sha256"`
	MimeType string `json:"mime_type"`
	Size     int64  `json:"file_size"`
	Filename string `json:"filename,omitempty"`
	// Animated is set for animated WebP stickers.
	Animated  bool      `json:"animated,omitempty"`
	Origin    string    `json:"origin"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// MediaStore keeps media file records.
type MediaStore interface {
	// CreateMedia returns ENotFound if the phone number does not exist.
	CreateMedia(ctx context.Context, m *MediaFile) error
	// MediaFile returns ENotFound for an unknown id.
	MediaFile(ctx context.Context, id string) (*MediaFile, error)
	// DeleteMedia returns ENotFound for an unknown id.
	DeleteMedia(ctx context.Context, id string) error
	// ExpiredMedia lists up to limit media files whose ExpiresAt is not after now.
	ExpiredMedia(ctx context.Context, now time.Time, limit int) ([]*MediaFile, error)
	// MediaRefs counts what refers to the bytes with the digest: media files,
	// profile pictures and upload sessions. Bytes with no reference may be deleted.
	MediaRefs(ctx context.Context, sha256 string) (int, error)
}

// Blob is a stored sequence of bytes, named by its SHA-256.
type Blob struct {
	SHA256 string // hex
	Size   int64
}

// BlobStore keeps media bytes, content-addressed.
type BlobStore interface {
	// Put stores what r yields, up to max bytes (more is EMediaUpload), durably:
	// when Put returns, the bytes survive a crash. Storing the same bytes twice
	// keeps one copy.
	Put(r io.Reader, max int64) (Blob, error)
	// Open returns the bytes; ENotFound if there are none.
	Open(sha256 string) (io.ReadSeekCloser, error)
	// Delete removes the bytes; deleting missing bytes is not an error.
	Delete(sha256 string) error
	// Walk calls fn for every stored blob, for garbage collection.
	Walk(fn func(sha256 string, size int64, modTime time.Time) error) error
}

// Fetched is what a media link returned.
type Fetched struct {
	Body []byte
	// ContentType is the type the server declared, if any.
	ContentType string
	// Filename is the last path segment of the final URL, or the
	// Content-Disposition filename.
	Filename string
}

// Fetcher gets media from links businesses send. Implementations refuse private
// and internal addresses unless configured otherwise.
type Fetcher interface {
	// Fetch gets the link, at most max bytes, sending auth as the Authorization
	// header when it is not "" (an On-Premises media provider's credentials).
	// Every failure is an *Error with EMediaUpload whose message says what went
	// wrong.
	Fetch(ctx context.Context, url string, max int64, auth string) (*Fetched, error)
}
