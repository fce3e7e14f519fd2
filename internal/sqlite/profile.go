package sqlite

import (
	"context"
	"errors"

	"github.com/wabihq/wabi/internal/wabi"
)

// errUnbuilt marks store methods being written. TODO: replaced in this change.
var errUnbuilt = errors.New("sqlite: not built yet")

// Profile is being written.
func (s *Store) Profile(ctx context.Context, phoneNumberID string) (*wabi.BusinessProfile, error) {
	return nil, errUnbuilt
}

// PutProfile is being written.
func (s *Store) PutProfile(ctx context.Context, p *wabi.BusinessProfile) error { return errUnbuilt }

// CreateUploadSession is being written.
func (s *Store) CreateUploadSession(ctx context.Context, u *wabi.UploadSession) error {
	return errUnbuilt
}

// UploadSession is being written.
func (s *Store) UploadSession(ctx context.Context, id string) (*wabi.UploadSession, error) {
	return nil, errUnbuilt
}

// UpdateUploadSession is being written.
func (s *Store) UpdateUploadSession(ctx context.Context, u *wabi.UploadSession) error {
	return errUnbuilt
}
