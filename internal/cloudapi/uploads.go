package cloudapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// handleCreateUpload is being written.
func (a *API) handleCreateUpload(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// getUploadSession is being written.
func (a *API) getUploadSession(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// postUploadSession is being written.
func (a *API) postUploadSession(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}
