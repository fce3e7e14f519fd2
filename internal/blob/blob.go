// Package blob keeps media bytes on the local filesystem, addressed by their
// SHA-256 digest.
//
// A blob lives at dir/<aa>/<bb>/<digest>, where aa and bb are the first two
// pairs of hex digits of the digest; the fan-out keeps directories small when
// there are millions of files. Bytes are written under dir/tmp first and only
// renamed into place once they are complete and synced, so after a crash a
// blob is either absent or whole. One process owns a directory at a time:
// Open clears dir/tmp, which would break another process's writes in flight.
package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// tmpDir is the subdirectory holding writes in progress. Its name cannot
// collide with a fan-out directory, which is always two hex digits.
const tmpDir = "tmp"

// Store is a content-addressed blob store in a directory. It is safe for
// concurrent use: every operation is a single atomic filesystem step.
type Store struct {
	dir string

	// Clock stamps stored blobs' modification times, which a garbage collector
	// judges their age by. Default: the system clock.
	Clock wabi.Clock
}

func (s *Store) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

var _ wabi.BlobStore = (*Store)(nil)

// Open opens the store in dir, creating it (mode 0700) if needed, and removes
// the temporary files a crash may have left behind.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	tmp := filepath.Join(dir, tmpDir)
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, fmt.Errorf("blob: list %s: %w", tmp, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(tmp, e.Name())); err != nil {
			return nil, fmt.Errorf("blob: remove leftover %s: %w", e.Name(), err)
		}
	}
	return &Store{dir: dir}, nil
}

// Put stores what r yields, at most max bytes, and returns its digest and size.
// More than max bytes is an EMediaUpload error. The bytes are durable when Put
// returns; storing bytes that are already there keeps the one copy.
func (s *Store) Put(r io.Reader, max int64) (wabi.Blob, error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), "put-*")
	if err != nil {
		return wabi.Blob{}, fmt.Errorf("blob: create temp file: %w", err)
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(tmp)
		}
	}()

	// Read one byte past the limit so an over-size input is told apart from
	// one of exactly max bytes without buffering anything.
	limit := max
	if limit < math.MaxInt64 {
		limit++
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit))
	if err != nil {
		return wabi.Blob{}, fmt.Errorf("blob: write: %w", err)
	}
	if n > max {
		return wabi.Blob{}, wabi.Errorf(wabi.EMediaUpload, "Media file is larger than the limit of %d bytes.", max)
	}
	if err := f.Sync(); err != nil {
		return wabi.Blob{}, fmt.Errorf("blob: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return wabi.Blob{}, fmt.Errorf("blob: close: %w", err)
	}

	b := wabi.Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	leaf, err := s.mkdirs(b.SHA256)
	if err != nil {
		return wabi.Blob{}, err
	}
	final := filepath.Join(leaf, b.SHA256)
	if fi, err := os.Lstat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == n {
		// Same digest and size: the same bytes. The deferred cleanup drops
		// the temp file; the leaf is still synced below in case the Put that
		// wrote the existing file has not synced it yet. Touching the file
		// tells a garbage collector that goes by modification time that the
		// bytes were just stored again.
		now := s.now()
		if err := os.Chtimes(final, now, now); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return wabi.Blob{}, fmt.Errorf("blob: touch: %w", err)
		}
	} else {
		now := s.now()
		if err := os.Chtimes(tmp, now, now); err != nil {
			return wabi.Blob{}, fmt.Errorf("blob: stamp: %w", err)
		}
		if err := os.Rename(tmp, final); err != nil {
			return wabi.Blob{}, fmt.Errorf("blob: rename into place: %w", err)
		}
		committed = true
	}
	if err := syncDir(leaf); err != nil {
		return wabi.Blob{}, err
	}
	return b, nil
}

// mkdirs creates the two fan-out directories of digest and returns the inner
// one. A directory it creates is synced into its parent so the blob's path
// survives a crash, not just its bytes.
func (s *Store) mkdirs(digest string) (string, error) {
	parent := s.dir
	for _, name := range []string{digest[0:2], digest[2:4]} {
		d := filepath.Join(parent, name)
		err := os.Mkdir(d, 0o700)
		switch {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return "", err
			}
		case !errors.Is(err, fs.ErrExist):
			return "", fmt.Errorf("blob: create %s: %w", d, err)
		}
		parent = d
	}
	return parent, nil
}

// syncDir makes the entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync %s: %w", dir, err)
	}
	return nil
}

// Open returns the bytes with the hex digest, or ENotFound. A string that is
// not 64 lowercase hex digits names no blob, so it is ENotFound too.
func (s *Store) Open(digest string) (io.ReadSeekCloser, error) {
	p, ok := s.path(digest)
	if !ok {
		return nil, notFound(digest)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(digest)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open: %w", err)
	}
	return f, nil
}

// Delete removes the bytes with the hex digest. Bytes that are not there,
// including a malformed digest, are not an error.
func (s *Store) Delete(digest string) error {
	p, ok := s.path(digest)
	if !ok {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete: %w", err)
	}
	return nil
}

// Walk calls fn for every stored blob, in digest order, for garbage
// collection. modTime is when the bytes were last Put; a collector should
// spare blobs younger than a grace period, because a Put of bytes that are
// already stored races with a Delete of them. Walk stops at and returns fn's
// first error. Blobs deleted while the walk runs may or may not be reported;
// files that are not blobs are skipped.
func (s *Store) Walk(fn func(sha256 string, size int64, modTime time.Time) error) error {
	outer, err := readDirNames(s.dir)
	if err != nil {
		return err
	}
	for _, a := range outer {
		if !isHex(a, 2) {
			continue
		}
		inner, err := readDirNames(filepath.Join(s.dir, a))
		if err != nil {
			return err
		}
		for _, b := range inner {
			if !isHex(b, 2) {
				continue
			}
			leaf := filepath.Join(s.dir, a, b)
			names, err := readDirNames(leaf)
			if err != nil {
				return err
			}
			for _, name := range names {
				if !isHex(name, 64) || name[0:2] != a || name[2:4] != b {
					continue
				}
				fi, err := os.Lstat(filepath.Join(leaf, name))
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					return fmt.Errorf("blob: stat: %w", err)
				}
				if !fi.Mode().IsRegular() {
					continue
				}
				if err := fn(name, fi.Size(), fi.ModTime()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readDirNames lists dir sorted by name; a directory removed meanwhile is empty.
func readDirNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blob: list %s: %w", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// path returns where the blob with digest lives. It refuses anything but 64
// lowercase hex digits, so no input can name a path outside the store.
func (s *Store) path(digest string) (string, bool) {
	if !isHex(digest, 64) {
		return "", false
	}
	return filepath.Join(s.dir, digest[0:2], digest[2:4], digest), true
}

// isHex reports whether s is n lowercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func notFound(digest string) error {
	return wabi.Errorf(wabi.ENotFound, "No media bytes with sha256 %q.", digest)
}
