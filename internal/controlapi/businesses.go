package controlapi

import "net/http"

func (a *API) handleListBusinesses(w http.ResponseWriter, r *http.Request) error {
	bs, err := a.Platform.Store().Businesses(r.Context())
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, listOf(bs))
}

func (a *API) handleCreateBusiness(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	b, err := a.Platform.CreateBusiness(r.Context(), req.Name)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, b)
}

func (a *API) handleGetBusiness(w http.ResponseWriter, r *http.Request) error {
	return getByID(a, w, r, a.Platform.Store().Business)
}

// businessFilter reads business_id= of a list; the business must exist.
func (a *API) businessFilter(r *http.Request) (string, error) {
	return queryRef(r, "business_id", a.Platform.Store().Business)
}
