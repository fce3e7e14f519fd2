package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// faultRoutes adds the endpoints of faults.
func (a *API) faultRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/faults", a.handle(a.handleCreateFault))
	mux.Handle("GET /api/faults", a.handle(a.handleListFaults))
	mux.Handle("DELETE /api/faults", a.handle(a.handleDeleteFaults))
	mux.Handle("GET /api/faults/{id}", a.handle(a.handleGetFault))
	mux.Handle("DELETE /api/faults/{id}", a.handle(a.handleDeleteFault))
}

// faultRequest is a fault to set: the fields of wabi.Fault a client gives.
// docs/faults.md says which fields each kind takes.
type faultRequest struct {
	PhoneNumberID string         `json:"phone_number_id"`
	WaID          string         `json:"wa_id"`
	Kind          wabi.FaultKind `json:"kind"`
	Code          int            `json:"code"`
	Status        wabi.Status    `json:"status"`
	Delay         wabi.Duration  `json:"delay"`
	TTL           wabi.Duration  `json:"ttl"`
	HTTPStatus    int            `json:"http_status"`
	Probability   *float64       `json:"probability"`
	Count         *int           `json:"count"`
	Note          string         `json:"note"`
}

// handleCreateFault sets a fault; it answers 201 with the fault, its id and
// its counters.
func (a *API) handleCreateFault(w http.ResponseWriter, r *http.Request) error {
	var req faultRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	f, err := a.Platform.CreateFault(r.Context(), &wabi.Fault{
		PhoneNumberID: req.PhoneNumberID, WaID: req.WaID, Kind: req.Kind, Code: req.Code, Status: req.Status,
		Delay: req.Delay, TTL: req.TTL, HTTPStatus: req.HTTPStatus, Probability: req.Probability, Count: req.Count,
		Note: req.Note,
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, f)
}

// faultFilter reads ?phone_number_id= (an id or the number as dialled) and
// ?wa_id=.
func faultFilter(r *http.Request) platform.FaultFilter {
	q := r.URL.Query()
	return platform.FaultFilter{PhoneNumberID: q.Get("phone_number_id"), WaID: q.Get("wa_id")}
}

// handleListFaults lists the faults, oldest first, filtered by number and
// phone.
func (a *API) handleListFaults(w http.ResponseWriter, r *http.Request) error {
	fs, err := a.Platform.Faults(r.Context(), faultFilter(r))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, listOf(fs))
}

func (a *API) handleGetFault(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.Fault)
}

func (a *API) handleDeleteFault(w http.ResponseWriter, r *http.Request) error {
	if err := a.Platform.DeleteFault(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleDeleteFaults deletes every fault, or those of a number or phone, and
// answers how many it deleted.
func (a *API) handleDeleteFaults(w http.ResponseWriter, r *http.Request) error {
	n, err := a.Platform.DeleteFaults(r.Context(), faultFilter(r))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, struct {
		Deleted int `json:"deleted"`
	}{n})
}
