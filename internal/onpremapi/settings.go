package onpremapi

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

type applicationSettings struct {
	Settings struct {
		Application *platform.AppSettings `json:"application"`
	} `json:"settings"`
}

// handleGetSettings returns the application settings, defaults filled in.
func (a *API) handleGetSettings(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	s, err := a.p.AppSettings(r.Context(), c)
	if err != nil {
		return err
	}
	var out applicationSettings
	out.Settings.Application = s
	a.writeJSON(w, http.StatusOK, out)
	return nil
}

// handlePatchSettings changes the fields the body names.
func (a *API) handlePatchSettings(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	raw, err := readBody(w, r)
	if err != nil {
		return err
	}
	if _, err := a.p.PatchAppSettings(r.Context(), c, raw); err != nil {
		return err
	}
	return a.ok(w)
}

// handleResetSettings puts every setting back to its default.
func (a *API) handleResetSettings(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := a.p.ResetAppSettings(r.Context(), c); err != nil {
		return err
	}
	return a.ok(w)
}

type providerSettings struct {
	Settings struct {
		Application struct {
			Media struct {
				Providers []platform.MediaProvider `json:"providers"`
			} `json:"media"`
		} `json:"application"`
	} `json:"settings"`
}

// handleGetProviders lists the media providers.
func (a *API) handleGetProviders(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := a.p.MediaProviders(r.Context(), c)
	if err != nil {
		return err
	}
	var out providerSettings
	out.Settings.Application.Media.Providers = ps
	a.writeJSON(w, http.StatusOK, out)
	return nil
}

// handlePostProviders creates or replaces providers: the body is an array of
// them (a single object is taken too).
func (a *API) handlePostProviders(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	raw, err := readBody(w, r)
	if err != nil {
		return err
	}
	var ps []platform.MediaProvider
	if err := json.Unmarshal(raw, &ps); err != nil {
		var one platform.MediaProvider
		if err := json.Unmarshal(raw, &one); err != nil {
			return wabi.Errorf(wabi.EInvalidValue, "The body must be an array of providers {name, type, config}.")
		}
		ps = []platform.MediaProvider{one}
	}
	if err := a.p.PutMediaProviders(r.Context(), c, ps); err != nil {
		return err
	}
	return a.ok(w)
}

// handleDeleteProvider deletes a provider.
func (a *API) handleDeleteProvider(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := a.p.DeleteMediaProvider(r.Context(), c, r.PathValue("name")); err != nil {
		return err
	}
	return a.ok(w)
}

// readBody reads a JSON body whole, for endpoints that decode it themselves.
func readBody(w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	if r.ContentLength > maxBody {
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body too large: the limit is %d bytes.", maxBody)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body could not be read: %v", err)
	}
	if !json.Valid(b) {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Request body is not valid JSON.")
	}
	return b, nil
}
