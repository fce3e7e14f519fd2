package controlapi

import (
	"net/http"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// qualityRoutes adds the endpoints of messaging limits, quality ratings,
// blocks and reports, restrictions and throughput (docs/quality.md).
func (a *API) qualityRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/phone_numbers/{id}/quality", a.handle(a.handleGetQuality))
	mux.Handle("POST /api/phone_numbers/{id}/quality", a.handle(a.handleForceQuality))
	mux.Handle("POST /api/phone_numbers/{id}/throughput", a.handle(a.handleSetThroughput))
	mux.Handle("GET /api/phone_numbers/{id}/blocks", a.handle(a.handleListBlocks))

	mux.Handle("GET /api/businesses/{id}/messaging_limit", a.handle(a.handleGetMessagingLimit))
	mux.Handle("PUT /api/businesses/{id}/messaging_limit", a.handle(a.handleSetMessagingLimit))
	mux.Handle("POST /api/businesses/{id}/verify", a.handle(a.handleVerifyBusiness))

	mux.Handle("POST /api/phones/{wa_id}/block", a.handle(a.feedback(wabi.FeedbackBlock)))
	mux.Handle("POST /api/phones/{wa_id}/unblock", a.handle(a.feedback(wabi.FeedbackUnblock)))
	mux.Handle("POST /api/phones/{wa_id}/report", a.handle(a.feedback(wabi.FeedbackReport)))

	mux.Handle("GET /api/wabas/{id}/restriction", a.handle(a.handleGetRestriction))
	mux.Handle("POST /api/wabas/{id}/restriction", a.handle(a.handleRestrict))
	mux.Handle("DELETE /api/wabas/{id}/restriction", a.handle(a.handleUnrestrict))
}

// handleGetQuality shows a number's rating, its business's messaging limit,
// its throughput and what they come from.
func (a *API) handleGetQuality(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.NumberQuality)
}

// handleForceQuality sets a number's rating, for tests: {"rating":"RED"}.
func (a *API) handleForceQuality(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Rating string `json:"rating"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("rating", req.Rating); err != nil {
		return err
	}
	q, err := a.Platform.ForceQuality(r.Context(), r.PathValue("id"), req.Rating)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, q)
}

// handleSetThroughput moves a number to a throughput level: {"level":"HIGH"}
// starts the upgrade.
func (a *API) handleSetThroughput(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Level string `json:"level"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("level", req.Level); err != nil {
		return err
	}
	q, err := a.Platform.SetThroughput(r.Context(), r.PathValue("id"), req.Level)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, q)
}

// handleListBlocks lists the virtual phones that block a number now.
func (a *API) handleListBlocks(w http.ResponseWriter, r *http.Request) error {
	ids, err := a.Platform.Blockers(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, listOf(ids))
}

func (a *API) handleGetMessagingLimit(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.BusinessLimit)
}

// handleSetMessagingLimit puts a business at a tier: {"tier":"TIER_10K"}.
func (a *API) handleSetMessagingLimit(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Tier string `json:"tier"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("tier", req.Tier); err != nil {
		return err
	}
	l, err := a.Platform.SetMessagingLimit(r.Context(), r.PathValue("id"), req.Tier)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, l)
}

// handleVerifyBusiness completes a business's verification.
func (a *API) handleVerifyBusiness(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.VerifyBusiness)
}

// feedback returns the handler of a virtual phone blocking, unblocking or
// reporting a business number: {"phone_number_id":"..."}, its id or its
// number as dialled.
func (a *API) feedback(kind wabi.FeedbackKind) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req struct {
			PhoneNumberID string `json:"phone_number_id"`
		}
		if err := decode(w, r, &req); err != nil {
			return err
		}
		if err := required("phone_number_id", req.PhoneNumberID); err != nil {
			return err
		}
		id, err := a.Platform.BusinessNumberID(r.Context(), req.PhoneNumberID)
		if err != nil {
			return err
		}
		b, err := a.Platform.GiveFeedback(r.Context(), platform.Feedback{WaID: r.PathValue("wa_id"), PhoneNumberID: id, Kind: kind})
		if err != nil {
			return err
		}
		return a.respond(w, r, http.StatusOK, b)
	}
}

func (a *API) handleGetRestriction(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.WABARestriction)
}

// handleRestrict restricts a WABA from business-initiated messaging:
// {"duration":"24h"}.
func (a *API) handleRestrict(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Duration *wabi.Duration `json:"duration"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Duration == nil {
		return wabi.Errorf(wabi.ERequired, "The parameter duration is required.")
	}
	res, err := a.Platform.Restrict(r.Context(), r.PathValue("id"), time.Duration(*req.Duration))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, res)
}

// handleUnrestrict lifts a WABA's restriction.
func (a *API) handleUnrestrict(w http.ResponseWriter, r *http.Request) error {
	if err := a.Platform.Unrestrict(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
