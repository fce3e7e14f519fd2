package controlapi

import (
	"context"
	"net/http"
)

// handle adapts a handler that returns its error. A non-nil error is answered
// here with writeError, so that every failure of every endpoint is worded and
// logged the same way. A handler returns an error only before it has written.
func (a *API) handle(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// getByID answers with the object find returns for the path's {id}.
func getByID[T any](a *API, w http.ResponseWriter, r *http.Request, find func(context.Context, string) (T, error)) error {
	v, err := find(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, v)
}

// listByParent answers with the objects list returns for the parent that
// filter reads from the query; filter returns "" for all of them.
func listByParent[T any](a *API, w http.ResponseWriter, r *http.Request,
	filter func(*http.Request) (string, error), list func(context.Context, string) ([]T, error)) error {
	parentID, err := filter(r)
	if err != nil {
		return err
	}
	items, err := list(r.Context(), parentID)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, listOf(items))
}

// queryRef reads a query parameter that names an object, and checks that the
// object exists, so that a list filtered by a mistyped id is a 404 and not an
// empty list. An absent parameter is "".
func queryRef[T any](r *http.Request, param string, find func(context.Context, string) (T, error)) (string, error) {
	id := r.URL.Query().Get(param)
	return id, mustExist(r.Context(), id, find)
}

// mustExist returns find's error for id: ENotFound when an optional reference
// is given but names nothing. An empty id is no reference and passes.
func mustExist[T any](ctx context.Context, id string, find func(context.Context, string) (T, error)) error {
	if id == "" {
		return nil
	}
	_, err := find(ctx, id)
	return err
}
