package cloudapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/form"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// A channel key (platform/channelkeys.go) reaches one business number. Besides
// "Authorization: Bearer <key>" the Cloud API takes it as 360dialog's clients
// send theirs, in the D360-API-KEY header, and serves 360dialog's paths where
// the number comes from the key rather than the URL:
//
//	POST   /messages               POST /{phone-number-id}/messages
//	POST   /media                  POST /{phone-number-id}/media
//	GET    /media/{media-id}       GET /{media-id}
//	DELETE /media/{media-id}       DELETE /{media-id}
//	GET    /v1/configs/templates   the templates of the number's WABA
//
// They are served unversioned only; every other path of the On-Premises API's
// /v1/ stays its own.

// d360Header carries a channel key as 360dialog's API takes it.
const d360Header = "D360-API-KEY"

// Page sizes of GET /v1/configs/templates.
const (
	defaultD360Templates = 1000
	maxD360Templates     = 5000
)

// ownsChannelPath reports whether path is one of the channel-key paths.
func ownsChannelPath(path string) bool {
	switch path {
	case "/messages", "/media", "/v1/configs/templates":
		return true
	}
	id, ok := strings.CutPrefix(path, "/media/")
	return ok && id != "" && !strings.Contains(id, "/")
}

// channelRoutes serves the channel-key paths. They have a mux of their own:
// "/media/{id}" and the Graph edges "/{id}/..." would each match a path of the
// other.
func (a *API) channelRoutes() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("POST /messages", a.handle(a.onChannelNumber(a.handleMessages)))
	m.Handle("POST /media", a.upload(func(w http.ResponseWriter, r *http.Request, c platform.Caller, f *form.Form) error {
		if err := channelOnly(c, r); err != nil {
			return err
		}
		r.SetPathValue("id", c.Channel.PhoneNumberID)
		return a.handleUpload(w, r, c, f)
	}))
	m.Handle("GET /media/{id}", a.handle(a.getMedia))
	m.Handle("DELETE /media/{id}", a.handle(a.deleteMedia))
	m.Handle("GET /v1/configs/templates", a.handle(a.handleChannelTemplates))
	m.Handle("/", a.handle(a.handleUnknown))
	return m
}

// channelOnly refuses a caller that is not a channel key: the path takes its
// number from the key.
func channelOnly(c platform.Caller, r *http.Request) error {
	if c.Channel != nil {
		return nil
	}
	return wabi.Errorf(wabi.EPermission, "%s %s takes its phone number from a channel key (%s); with an access token use the Graph path with the phone number id.", r.Method, r.URL.Path, d360Header)
}

// onChannelNumber serves a Graph edge of a phone number for the number of
// the caller's channel key.
func (a *API) onChannelNumber(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
		if err := channelOnly(c, r); err != nil {
			return err
		}
		r.SetPathValue("id", c.Channel.PhoneNumberID)
		return h(w, r, c)
	}
}

// channelTemplates is the answer of GET /v1/configs/templates, in 360dialog's
// shape.
type channelTemplates struct {
	Count         int               `json:"count"`
	Filters       map[string]string `json:"filters"`
	Limit         int               `json:"limit"`
	Offset        int               `json:"offset"`
	Sort          []string          `json:"sort"`
	Total         int               `json:"total"`
	WABATemplates []channelTemplate `json:"waba_templates"`
}

// channelTemplate is a template as 360dialog lists it.
type channelTemplate struct {
	Category       string                   `json:"category"`
	Components     []wabi.TemplateComponent `json:"components"`
	ID             string                   `json:"id"`
	Language       string                   `json:"language"`
	Name           string                   `json:"name"`
	Namespace      string                   `json:"namespace"`
	QualityScore   string                   `json:"quality_score,omitempty"`
	RejectedReason string                   `json:"rejected_reason"`
	Status         string                   `json:"status"`
}

// handleChannelTemplates lists the templates of the WABA of the caller's
// channel key, oldest first, a page at a time (limit=, offset=).
func (a *API) handleChannelTemplates(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := channelOnly(c, r); err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := queryCount(q.Get("limit"), "limit", defaultD360Templates, 1, maxD360Templates)
	if err != nil {
		return err
	}
	offset, err := queryCount(q.Get("offset"), "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	ts, err := a.p.Templates(r.Context(), c, c.Channel.WABAID, platform.TemplateFilter{})
	if err != nil {
		return err
	}
	waba, err := a.p.Store().WABA(r.Context(), c.Channel.WABAID)
	if err != nil {
		return err
	}
	out := channelTemplates{Filters: map[string]string{}, Limit: limit, Offset: offset, Sort: []string{"id"},
		Total: len(ts), WABATemplates: []channelTemplate{}}
	// Templates come newest first; 360dialog lists them by id, oldest first.
	for i := len(ts) - 1 - offset; i >= 0 && len(out.WABATemplates) < limit; i-- {
		t := ts[i]
		reason := t.RejectedReason
		if reason == "" {
			reason = "NONE"
		}
		out.WABATemplates = append(out.WABATemplates, channelTemplate{Category: t.Category, Components: t.Components,
			ID: t.ID, Language: t.Language, Name: t.Name, Namespace: waba.Namespace, QualityScore: t.QualityScore,
			RejectedReason: reason, Status: strings.ToLower(t.Status)})
	}
	out.Count = len(out.WABATemplates)
	codec.Write(w, http.StatusOK, out)
	return nil
}

// queryCount reads a whole-number query parameter from lo to hi, def when
// absent.
func queryCount(s, name string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, wabi.Errorf(wabi.EInvalidParam, "Param %s must be a number from %d to %d, not %q.", name, lo, hi, s)
	}
	return n, nil
}
