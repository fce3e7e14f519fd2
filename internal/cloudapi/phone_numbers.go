package cloudapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
)

// getPhoneNumber is being written.
func (a *API) getPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// postPhoneNumber is being written.
func (a *API) postPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleListPhoneNumbers is being written.
func (a *API) handleListPhoneNumbers(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleAddPhoneNumber is being written.
func (a *API) handleAddPhoneNumber(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleRequestCode is being written.
func (a *API) handleRequestCode(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleVerifyCode is being written.
func (a *API) handleVerifyCode(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleRegister is being written.
func (a *API) handleRegister(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}

// handleDeregister is being written.
func (a *API) handleDeregister(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	return unsupported(r)
}
