package controlapi

import "net/http"

func (a *API) handleListBusinesses(w http.ResponseWriter, r *http.Request) {
	bs, err := a.Platform.Store().Businesses(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, listOf(bs))
}

func (a *API) handleCreateBusiness(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := a.Platform.CreateBusiness(r.Context(), req.Name)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusCreated, b)
}

func (a *API) handleGetBusiness(w http.ResponseWriter, r *http.Request) {
	b, err := a.Platform.Store().Business(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.encode(w, r, http.StatusOK, b)
}

// businessFilter reads business_id= of a list and checks that the business
// exists, so that a mistyped id is a 404 and not an empty list.
func (a *API) businessFilter(r *http.Request) (string, error) {
	id := r.URL.Query().Get("business_id")
	if id == "" {
		return "", nil
	}
	_, err := a.Platform.Store().Business(r.Context(), id)
	return id, err
}

// wabaFilter is businessFilter for waba_id=.
func (a *API) wabaFilter(r *http.Request) (string, error) {
	id := r.URL.Query().Get("waba_id")
	if id == "" {
		return "", nil
	}
	_, err := a.Platform.Store().WABA(r.Context(), id)
	return id, err
}

// phoneNumberFilter is businessFilter for phone_number_id=.
func (a *API) phoneNumberFilter(r *http.Request) (string, error) {
	id := r.URL.Query().Get("phone_number_id")
	if id == "" {
		return "", nil
	}
	_, err := a.Platform.Store().PhoneNumber(r.Context(), id)
	return id, err
}
