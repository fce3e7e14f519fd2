package cloudapi

import (
	"net/http"
	"strings"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// handleGetNode reads a node by id: a phone number, a WABA, a template, media or
// a resumable upload session.
func (a *API) handleGetNode(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if strings.HasPrefix(r.PathValue("id"), "upload:") {
		return a.getUploadSession(w, r, c)
	}
	kind, err := a.p.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	switch kind {
	case platform.NodeMedia:
		return a.getMedia(w, r, c)
	case platform.NodePhoneNumber:
		return a.getPhoneNumber(w, r, c)
	case platform.NodeWABA:
		return a.getWABA(w, r, c)
	case platform.NodeTemplate:
		return a.getTemplate(w, r, c)
	}
	return unsupported(r)
}

// handlePostNode updates a node: a phone number's settings (PIN), a template, or
// the bytes of a resumable upload session.
func (a *API) handlePostNode(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if strings.HasPrefix(r.PathValue("id"), "upload:") {
		return a.postUploadSession(w, r, c)
	}
	kind, err := a.p.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	switch kind {
	case platform.NodePhoneNumber:
		return a.postPhoneNumber(w, r, c)
	case platform.NodeTemplate:
		return a.postTemplate(w, r, c)
	}
	return unsupported(r)
}

// handleDeleteNode deletes a node: media.
func (a *API) handleDeleteNode(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	kind, err := a.p.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if kind == platform.NodeMedia {
		return a.deleteMedia(w, r, c)
	}
	return unsupported(r)
}

// unsupported is Graph's answer to an operation a node does not support: the same
// 100/33 as for a node that does not exist.
func unsupported(r *http.Request) error {
	return wabi.Errorf(wabi.ENotFound, "Node %s does not support %s here.", r.PathValue("id"), r.Method)
}
