package cloudapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// profileNodeType is the Graph type of a business profile, as errors name it.
const profileNodeType = "WhatsAppBusinessProfile"

// profileFields are the fields of a business profile, in the order Graph
// answers them.
var profileFields = []string{"about", "address", "description", "email", "messaging_product",
	"profile_picture_url", "websites", "vertical"}

// handleGetProfile reads a number's business profile: one object in data[],
// without the fields that are not set.
func (a *API) handleGetProfile(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	asked, err := nodeFieldNames(r, profileFields, profileFields, profileNodeType)
	if err != nil {
		return err
	}
	prof, err := a.p.BusinessProfile(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	values := map[string]any{"messaging_product": "whatsapp"}
	for k, v := range map[string]string{"about": prof.About, "address": prof.Address, "description": prof.Description,
		"email": prof.Email, "vertical": prof.Vertical, "profile_picture_url": a.p.ProfilePictureURL(a.baseURL(r), prof)} {
		if v != "" {
			values[k] = v
		}
	}
	if len(prof.Websites) > 0 {
		values["websites"] = prof.Websites
	}
	obj := nodeObject{}
	for _, f := range profileFields {
		if slices.Contains(asked, f) || f == "messaging_product" {
			obj = append(obj, nodeEntry{f, values[f]})
		}
	}
	codec.Write(w, http.StatusOK, struct {
		Data []nodeObject `json:"data"`
	}{[]nodeObject{obj}})
	return nil
}

// profileRequest is the body of POST /{phone-number-id}/whatsapp_business_profile.
// Pointers tell a field that was left out from one that was cleared.
type profileRequest struct {
	MessagingProduct     string    `json:"messaging_product"`
	About                *string   `json:"about"`
	Address              *string   `json:"address"`
	Description          *string   `json:"description"`
	Email                *string   `json:"email"`
	Vertical             *string   `json:"vertical"`
	Websites             *[]string `json:"websites"`
	ProfilePictureHandle string    `json:"profile_picture_handle"`
}

// handlePostProfile changes the fields of a number's business profile that the
// body names; the others stay.
func (a *API) handlePostProfile(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	req, err := decodeProfile(w, r)
	if err != nil {
		return err
	}
	if req.MessagingProduct != "whatsapp" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter messaging_product is required.")
	}
	if _, err := a.p.UpdateBusinessProfile(r.Context(), c, r.PathValue("id"), platform.ProfileUpdate{
		About: req.About, Address: req.Address, Description: req.Description, Email: req.Email,
		Vertical: req.Vertical, Websites: req.Websites, PictureHandle: req.ProfilePictureHandle,
	}); err != nil {
		return err
	}
	return success(w)
}

// decodeProfile reads a profile update: JSON or a form, with websites as an
// array, a string holding one or a comma-separated list. Unknown parameters are
// refused, so that a misspelt field is not silently dropped.
func decodeProfile(w http.ResponseWriter, r *http.Request) (*profileRequest, error) {
	var req profileRequest
	if err := decodeStrict(w, r, &req, "a business profile"); err != nil {
		return nil, err
	}
	return &req, nil
}

// handleProfilePicture serves a business's profile picture to anyone with its
// URL: consumers see it without a token. Like Meta's CDN it answers a bare 404
// for a URL of a replaced picture.
func (a *API) handleProfilePicture(w http.ResponseWriter, r *http.Request) {
	f, mime, err := a.p.OpenProfilePicture(r.Context(), r.PathValue("id"), r.URL.Query().Get("hash"))
	if err != nil {
		if wabi.ErrorCode(err) != wabi.ENotFound {
			a.logger().Error("open profile picture", "phone_number_id", r.PathValue("id"), "err", err)
		}
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", time.Time{}, f)
}
