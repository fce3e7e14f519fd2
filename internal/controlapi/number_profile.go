package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// numberProfile is what consumers see of a business number: its name and
// number and its business profile, with the URL of its picture.
type numberProfile struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	*wabi.BusinessProfile
	ProfilePictureURL string `json:"profile_picture_url,omitempty"`
}

// handleGetNumberProfile shows a number's current business profile as the
// virtual phones see it.
func (a *API) handleGetNumberProfile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	pn, err := a.Platform.Store().PhoneNumber(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	prof, err := a.Platform.BusinessProfile(ctx, platform.Admin, pn.ID)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, numberProfile{
		DisplayPhoneNumber: pn.DisplayPhoneNumber, VerifiedName: pn.VerifiedName, BusinessProfile: prof,
		ProfilePictureURL: a.Platform.ProfilePictureURL(serverURL(r), prof),
	})
}

// serverURL is the scheme and host the request reached: the Cloud API, which
// serves profile pictures, shares the control API's listener.
func serverURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
