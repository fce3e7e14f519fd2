package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// info is what GET /api/info shows: the demo tenancy, ready to use, and where
// wabi's surfaces are. Scripts read it instead of the startup banner.
type info struct {
	*platform.Demo
	Links map[string]string `json:"links"`
}

func (a *API) handleInfo(w http.ResponseWriter, r *http.Request) error {
	d, err := a.Platform.LoadDemo(r.Context())
	if wabi.ErrorCode(err) == wabi.ENotFound {
		// No business yet: the links are still worth showing.
		d, err = &platform.Demo{}, nil
	}
	if err != nil {
		return err
	}
	links := a.Links
	if links == nil {
		links = map[string]string{}
	}
	return a.respond(w, r, http.StatusOK, info{Demo: d, Links: links})
}
