package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

func (a *API) handleListPhoneNumbers(w http.ResponseWriter, r *http.Request) {
	wabaID, err := a.wabaFilter(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ps, err := a.Platform.Store().PhoneNumbers(r.Context(), wabaID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, listOf(ps))
}

func (a *API) handleCreatePhoneNumber(w http.ResponseWriter, r *http.Request) {
	var req struct {
		WABAID       string        `json:"waba_id"`
		PhoneNumber  string        `json:"phone_number"`
		VerifiedName string        `json:"verified_name"`
		Platform     wabi.Platform `json:"platform_type"`
		// Registered defaults to true: a test number should send at once.
		Registered *bool `json:"registered"`
	}
	if err := decode(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := required("waba_id", req.WABAID); err != nil {
		a.writeError(w, r, err)
		return
	}
	registered := req.Registered == nil || *req.Registered
	pn, err := a.Platform.CreatePhoneNumber(r.Context(), platform.NewPhoneNumber{
		WABAID: req.WABAID, Number: req.PhoneNumber, VerifiedName: req.VerifiedName,
		Platform: req.Platform, Registered: registered,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusCreated, pn)
}

func (a *API) handleGetPhoneNumber(w http.ResponseWriter, r *http.Request) {
	pn, err := a.Platform.Store().PhoneNumber(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, pn)
}
