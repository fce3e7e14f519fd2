// Package form reads multipart/form-data request bodies as a stream, part by
// part, so that an upload costs the same small amount of memory whatever its
// size. Text fields are kept in memory up to a small cap; the one file part an
// endpoint takes is copied into a size-capped temporary file, which is unlinked
// as soon as it is created where the system allows it (so not even a crash
// leaves it behind) and otherwise removed by Form.Close.
//
// It replaces http.Request.ParseMultipartForm, which holds up to 32 MB of every
// request in memory, spools the rest to files that only the server's own
// request (not a clone of it) cleans up, and reads the whole body before the
// handler can look at a single field.
package form

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"

	"github.com/wabihq/wabi/internal/wabi"
)

// DefaultMaxFields caps the bytes of a form's text fields together when
// Reader.MaxFields is not set.
const DefaultMaxFields = 64 << 10

// ErrNotMultipart is returned for a body whose Content-Type is not
// multipart/form-data with a boundary.
var ErrNotMultipart = errors.New("form: the body is not multipart/form-data")

// TooLargeError is returned when the file part is larger than Reader.MaxFile,
// or the body larger than the cap an http.MaxBytesReader around it sets.
type TooLargeError struct {
	// Limit is the cap that was passed, in bytes.
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("form: larger than the limit of %d bytes", e.Limit)
}

// BodyError is a body that could not be read as a form: malformed, or cut off
// because the client went away. It is the client's fault, unlike an error
// writing the temporary file.
type BodyError struct {
	Err error
}

func (e *BodyError) Error() string { return "form: the body could not be read: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *BodyError) Unwrap() error { return e.Err }

// FieldsTooLargeError is returned when the text fields (every part but the
// file) are larger than Reader.MaxFields together.
type FieldsTooLargeError struct {
	// Limit is Reader.MaxFields, in bytes.
	Limit int64
}

func (e *FieldsTooLargeError) Error() string {
	return fmt.Sprintf("form: the fields are larger than the limit of %d bytes", e.Limit)
}

// Reader reads one kind of form: which part is the file and how large things
// may be. The zero value is not usable: File and MaxFile are required.
type Reader struct {
	// File is the form name of the file part ("file"). Required. Parts of other
	// names are text fields, whether or not they carry a file name.
	File string
	// MaxFile caps the file part, in bytes. Required.
	MaxFile int64
	// MaxFields caps all other parts together, in bytes. Default DefaultMaxFields.
	MaxFields int64
	// TempDir is where the file part is spooled. Default os.TempDir().
	TempDir string
	// BeforeFile, when set, is called as the file part begins, with the fields
	// read so far. An error it returns ends the read before any byte of the
	// file is read, and is returned as it is. Default nil.
	BeforeFile func(fields url.Values) error
}

// Form is a read form: its text fields and its file part, if it had one.
// Close it when done.
type Form struct {
	// Fields holds every part but the file, by form name.
	Fields url.Values
	// File is the file part, positioned at its first byte; nil when the form
	// has none.
	File *File
}

// File is a spooled file part.
type File struct {
	*os.File
	// Filename is the part's file name, as the client gave it.
	Filename string
	// ContentType is the part's own Content-Type header, if any.
	ContentType string
	// Size is the file's length in bytes.
	Size int64

	// path is set while the file still has a name to remove.
	path string
}

// Close releases the form's file, removing it from the disk. It is safe to
// call on a nil Form and more than once.
func (f *Form) Close() error {
	if f == nil || f.File == nil {
		return nil
	}
	err := f.File.discard()
	f.File = nil
	return err
}

// discard closes the file and removes its name if it still has one.
func (f *File) discard() error {
	err := f.File.Close()
	if f.path != "" {
		if rerr := os.Remove(f.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
			err = rerr
		}
		f.path = ""
	}
	return err
}

// Read reads the multipart body of r. On error nothing is left on disk. Errors
// are ErrNotMultipart, *TooLargeError, *FieldsTooLargeError, *BodyError, an
// error of BeforeFile as it is, or another error when the temporary file could
// not be written (the server's fault).
func (rd *Reader) Read(r *http.Request) (*Form, error) {
	mediaType, ps, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || ps["boundary"] == "" {
		return nil, ErrNotMultipart
	}
	return rd.read(multipart.NewReader(r.Body, ps["boundary"]))
}

func (rd *Reader) read(mr *multipart.Reader) (_ *Form, err error) {
	f := &Form{Fields: url.Values{}}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	fieldsLeft := rd.MaxFields
	if fieldsLeft <= 0 {
		fieldsLeft = DefaultMaxFields
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, bodyError(err)
		}
		name := p.FormName()
		if name == rd.File && f.File == nil {
			if rd.BeforeFile != nil {
				if err := rd.BeforeFile(f.Fields); err != nil {
					return nil, err
				}
			}
			if f.File, err = rd.spool(p); err != nil {
				return nil, err
			}
			continue
		}
		// Fields, and any second file part, are read into memory against one
		// shared cap; a second file is read past, not kept.
		v, err := io.ReadAll(io.LimitReader(p, fieldsLeft+1))
		if err != nil {
			return nil, bodyError(err)
		}
		if int64(len(v)) > fieldsLeft {
			return nil, &FieldsTooLargeError{Limit: rd.maxFields()}
		}
		fieldsLeft -= int64(len(v))
		if name != "" && name != rd.File {
			f.Fields.Add(name, string(v))
		}
	}
}

func (rd *Reader) maxFields() int64 {
	if rd.MaxFields <= 0 {
		return DefaultMaxFields
	}
	return rd.MaxFields
}

// spool copies a file part into a temporary file of at most MaxFile bytes.
func (rd *Reader) spool(p *multipart.Part) (_ *File, err error) {
	tmp, err := os.CreateTemp(rd.TempDir, "wabi-upload-*")
	if err != nil {
		return nil, fmt.Errorf("form: create temporary file: %w", err)
	}
	file := &File{File: tmp, Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), path: tmp.Name()}
	defer func() {
		if err != nil {
			file.discard()
		}
	}()
	// Unlinked now, the bytes live as long as the descriptor: a crash or a
	// forgotten Close cannot leave them behind. Systems that cannot remove an
	// open file keep the name until Close.
	if os.Remove(file.path) == nil {
		file.path = ""
	}
	src := Track(io.LimitReader(p, rd.MaxFile+1))
	n, err := io.Copy(tmp, src)
	if src.Err() != nil {
		return nil, src.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("form: write temporary file: %w", err)
	}
	if n > rd.MaxFile {
		return nil, &TooLargeError{Limit: rd.MaxFile}
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("form: rewind temporary file: %w", err)
	}
	file.Size = n
	return file, nil
}

// Tracked is a request body that remembers why reading it failed, so that a
// handler whose reader also writes (a copy into a file) can tell the client's
// fault (a broken, slow or oversized body) from its own (a full disk).
type Tracked struct {
	r   io.Reader
	err error
}

// Track wraps a body.
func Track(r io.Reader) *Tracked { return &Tracked{r: r} }

func (t *Tracked) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = bodyError(err)
	}
	return n, err
}

// Err is nil while every read succeeded. Otherwise it is *TooLargeError when an
// http.MaxBytesReader stopped the body, else *BodyError.
func (t *Tracked) Err() error { return t.err }

// bodyError turns an error reading the body into TooLargeError when an
// http.MaxBytesReader stopped it, and into BodyError otherwise.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &TooLargeError{Limit: mbe.Limit}
	}
	return &BodyError{Err: err}
}

// DomainError words why a form could not be read as the error an API answers:
// tooLarge for a file or body over its cap, EBadRequest for what else the
// client sent wrong, and err itself for anything else (authentication errors
// that BeforeFile returned, or the server's own failures).
func DomainError(err error, tooLarge error) error {
	var (
		big    *TooLargeError
		fields *FieldsTooLargeError
		broken *BodyError
	)
	switch {
	case errors.As(err, &big):
		return tooLarge
	case errors.Is(err, ErrNotMultipart):
		return wabi.Errorf(wabi.EBadRequest, "Send the upload as multipart/form-data with a boundary.")
	case errors.As(err, &fields):
		return wabi.Errorf(wabi.EBadRequest, "The fields of the form besides the file are larger than %d bytes.", fields.Limit)
	case errors.As(err, &broken):
		return wabi.Errorf(wabi.EBadRequest, "The multipart form could not be read: %v", broken.Err)
	}
	return err
}
