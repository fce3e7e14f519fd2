package controlapi

import (
	"context"
	"net/http"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// handleListPhoneNumbers lists numbers, each with the code on its simulated SIM.
func (a *API) handleListPhoneNumbers(w http.ResponseWriter, r *http.Request) error {
	return listByParent(a, w, r, a.wabaFilter, func(ctx context.Context, wabaID string) ([]*wabi.PhoneNumber, error) {
		pns, err := a.Platform.Store().PhoneNumbers(ctx, wabaID)
		for _, pn := range pns {
			a.simView(pn)
		}
		return pns, err
	})
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

// handleGetPhoneNumber shows a number with the code on its simulated SIM: what
// a test reads to answer verify_code.
func (a *API) handleGetPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, func(ctx context.Context, id string) (*wabi.PhoneNumber, error) {
		pn, err := a.Platform.Store().PhoneNumber(ctx, id)
		if err == nil {
			a.simView(pn)
		}
		return pn, err
	})
}

// simView shows a number as its simulated SIM has it: an ownership code is on
// the SIM until it expires.
func (a *API) simView(pn *wabi.PhoneNumber) {
	if !a.Platform.Clock().Now().Before(pn.PendingCodeExpiresAt) {
		pn.PendingCode, pn.PendingCodeExpiresAt = "", time.Time{}
	}
}

// phoneNumberFilter reads phone_number_id= of a list; the number must exist.
func (a *API) phoneNumberFilter(r *http.Request) (string, error) {
	return queryRef(r, "phone_number_id", a.Platform.Store().PhoneNumber)
}
