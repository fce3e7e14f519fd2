package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

func (a *API) handleListPhoneNumbers(w http.ResponseWriter, r *http.Request) error {
	return listByParent(a, w, r, a.wabaFilter, a.Platform.Store().PhoneNumbers)
}

func (a *API) handleCreatePhoneNumber(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		WABAID       string        `json:"waba_id"`
		PhoneNumber  string        `json:"phone_number"`
		VerifiedName string        `json:"verified_name"`
		Platform     wabi.Platform `json:"platform_type"`
		// Registered defaults to true: a test number should send at once.
		Registered *bool `json:"registered"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("waba_id", req.WABAID); err != nil {
		return err
	}
	registered := req.Registered == nil || *req.Registered
	pn, err := a.Platform.CreatePhoneNumber(r.Context(), platform.NewPhoneNumber{
		WABAID: req.WABAID, Number: req.PhoneNumber, VerifiedName: req.VerifiedName,
		Platform: req.Platform, Registered: registered,
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, pn)
}

func (a *API) handleGetPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.Store().PhoneNumber)
}

// phoneNumberFilter reads phone_number_id= of a list; the number must exist.
func (a *API) phoneNumberFilter(r *http.Request) (string, error) {
	return queryRef(r, "phone_number_id", a.Platform.Store().PhoneNumber)
}
