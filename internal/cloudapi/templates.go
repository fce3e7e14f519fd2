package cloudapi

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// Paging of template lists: Graph's default page and a cap on what one page may ask.
const (
	defaultTemplatePage = 25
	maxTemplatePage     = 1000
)

// templateRequest is the body of POST /{waba-id}/message_templates and of
// POST /{template-id}. Fields Meta accepts that wabi does not model
// (message_send_ttl_seconds, sub_category, ...) are ignored.
type templateRequest struct {
	Name                string                   `json:"name"`
	Language            string                   `json:"language"`
	Category            string                   `json:"category"`
	ParameterFormat     string                   `json:"parameter_format"`
	AllowCategoryChange bool                     `json:"allow_category_change"`
	Components          []wabi.TemplateComponent `json:"components"`
}

// templateCreated is Graph's answer to a created template.
type templateCreated struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Category string `json:"category"`
}

// graphTemplate is a template as Graph shows it, fields in Meta's order; the
// fields not asked for are left empty.
type graphTemplate struct {
	Name             string                   `json:"name,omitempty"`
	ParameterFormat  string                   `json:"parameter_format,omitempty"`
	Components       []wabi.TemplateComponent `json:"components,omitempty"`
	Language         string                   `json:"language,omitempty"`
	Status           string                   `json:"status,omitempty"`
	Category         string                   `json:"category,omitempty"`
	PreviousCategory string                   `json:"previous_category,omitempty"`
	QualityScore     *graphQuality            `json:"quality_score,omitempty"`
	RejectedReason   string                   `json:"rejected_reason,omitempty"`
	ID               string                   `json:"id"`
}

type graphQuality struct {
	Score string `json:"score"`
	Date  int64  `json:"date"`
}

// The fields of a template node, and those shown when none are asked for.
var (
	templateFields       = []string{"id", "name", "language", "status", "category", "components", "parameter_format", "quality_score", "rejected_reason", "previous_category"}
	templateListFields   = []string{"name", "parameter_format", "components", "language", "status", "category", "id"}
	templateSingleFields = append(slices.Clone(templateListFields), "quality_score", "rejected_reason", "previous_category")
)

// showTemplate renders a template with the fields asked for.
func showTemplate(t *wabi.Template, fields []string) graphTemplate {
	g := graphTemplate{ID: t.ID}
	for _, f := range fields {
		switch f {
		case "name":
			g.Name = t.Name
		case "parameter_format":
			g.ParameterFormat = t.ParameterFormat
		case "components":
			g.Components = orderedComponents(t.Components)
		case "language":
			g.Language = t.Language
		case "status":
			g.Status = t.Status
		case "category":
			g.Category = t.Category
		case "previous_category":
			g.PreviousCategory = t.PreviousCategory
		case "quality_score":
			score := t.QualityScore
			if score == "" {
				score = "UNKNOWN"
			}
			g.QualityScore = &graphQuality{Score: score, Date: t.UpdatedAt.Unix()}
		case "rejected_reason":
			g.RejectedReason = t.RejectedReason
			if g.RejectedReason == "" {
				g.RejectedReason = "NONE"
			}
		}
	}
	return g
}

// exampleOut is a component's example with its keys in Meta's order; stored
// examples come back as maps, whose keys would be sorted.
type exampleOut struct {
	HeaderText      []string          `json:"header_text,omitempty"`
	HeaderTextNamed []namedExampleOut `json:"header_text_named_params,omitempty"`
	HeaderHandle    []string          `json:"header_handle,omitempty"`
	BodyText        [][]string        `json:"body_text,omitempty"`
	BodyTextNamed   []namedExampleOut `json:"body_text_named_params,omitempty"`
}

type namedExampleOut struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// orderedComponents returns copies of components whose examples keep Meta's
// key order. An example of another shape is shown as stored.
func orderedComponents(cs []wabi.TemplateComponent) []wabi.TemplateComponent {
	out := slices.Clone(cs)
	for i := range out {
		c := &out[i]
		if c.Example != nil {
			var ex exampleOut
			if raw, err := json.Marshal(c.Example); err == nil && json.Unmarshal(raw, &ex) == nil {
				c.Example = ex
			}
		}
		if len(c.Cards) > 0 {
			c.Cards = slices.Clone(c.Cards)
			for j := range c.Cards {
				c.Cards[j].Components = orderedComponents(c.Cards[j].Components)
			}
		}
	}
	return out
}

// fieldsOf reads the fields= parameter, or returns the defaults.
func fieldsOf(ps map[string]string, defaults []string) ([]string, error) {
	fs := list(ps["fields"])
	if len(fs) == 0 {
		return defaults, nil
	}
	for _, f := range fs {
		if !slices.Contains(templateFields, f) {
			return nil, wabi.Errorf(wabi.EBadRequest, "Tried accessing nonexisting field (%s) on node type (WhatsAppBusinessHSM)", f)
		}
	}
	return fs, nil
}

// decodeTemplateRequest reads a template body: JSON, or a form, with
// components as an array or a string holding one.
func decodeTemplateRequest(w http.ResponseWriter, r *http.Request) (templateRequest, error) {
	var req templateRequest
	err := decode(w, r, &req)
	return req, err
}

// handleCreateTemplate submits a template for review
// (POST /{waba-id}/message_templates).
func (a *API) handleCreateTemplate(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if relayed, err := a.relayTemplates(w, r, c); relayed || err != nil {
		return err
	}
	req, err := decodeTemplateRequest(w, r)
	if err != nil {
		return err
	}
	t, err := a.p.SubmitTemplate(r.Context(), c, r.PathValue("id"), platform.NewTemplate{
		Name: req.Name, Language: req.Language, Category: req.Category, ParameterFormat: req.ParameterFormat,
		AllowCategoryChange: req.AllowCategoryChange, Components: req.Components,
	})
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, templateCreated{ID: t.ID, Status: t.Status, Category: t.Category})
	return nil
}

// getTemplate reads one template (GET /{template-id}).
func (a *API) getTemplate(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	ps, err := params(r)
	if err != nil {
		return err
	}
	fields, err := fieldsOf(ps, templateSingleFields)
	if err != nil {
		return err
	}
	t, err := a.p.Template(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, showTemplate(t, fields))
	return nil
}

// postTemplate edits a template (POST /{template-id}): new components and/or
// category, which send it back to review.
func (a *API) postTemplate(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	req, err := decodeTemplateRequest(w, r)
	if err != nil {
		return err
	}
	if _, err := a.p.EditTemplate(r.Context(), c, r.PathValue("id"), platform.TemplateEdit{Category: req.Category, Components: req.Components}); err != nil {
		return err
	}
	return success(w)
}

// handleDeleteTemplates deletes a template by name, in every language, or one
// language of it with hsm_id (DELETE /{waba-id}/message_templates).
func (a *API) handleDeleteTemplates(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if relayed, err := a.relayTemplates(w, r, c); relayed || err != nil {
		return err
	}
	ps, err := params(r)
	if err != nil {
		return err
	}
	if _, err := a.p.DeleteTemplates(r.Context(), c, r.PathValue("id"), ps["name"], ps["hsm_id"]); err != nil {
		return err
	}
	return success(w)
}

// templateList is a page of templates in Graph's list envelope.
type templateList struct {
	Data    []graphTemplate  `json:"data"`
	Paging  *graphPaging     `json:"paging,omitempty"`
	Summary *templateSummary `json:"summary,omitempty"`
}

type graphPaging struct {
	Cursors  graphCursors `json:"cursors"`
	Next     string       `json:"next,omitempty"`
	Previous string       `json:"previous,omitempty"`
}

type graphCursors struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// templateSummary answers summary=: counts of the matching templates, of all
// the WABA's templates, and the WABA's limit.
type templateSummary struct {
	TotalCount           *int `json:"total_count,omitempty"`
	MessageTemplateCount *int `json:"message_template_count,omitempty"`
	MessageTemplateLimit *int `json:"message_template_limit,omitempty"`
}

// handleListTemplates lists a WABA's templates, newest first, filtered and
// paged with cursors (GET /{waba-id}/message_templates).
func (a *API) handleListTemplates(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if relayed, err := a.relayTemplates(w, r, c); relayed || err != nil {
		return err
	}
	ps, err := params(r)
	if err != nil {
		return err
	}
	fields, err := fieldsOf(ps, templateListFields)
	if err != nil {
		return err
	}
	limit := defaultTemplatePage
	if s := ps["limit"]; s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 {
			return wabi.Errorf(wabi.EInvalidParam, "Param limit must be a positive number (got %q).", s)
		}
		limit = min(limit, maxTemplatePage)
	}
	f := platform.TemplateFilter{Name: ps["name"], Content: ps["content"], NameOrContent: ps["name_or_content"],
		Status: ps["status"], Category: ps["category"], Language: ps["language"], QualityScore: ps["quality_score"]}
	wabaID := r.PathValue("id")
	ts, err := a.p.Templates(r.Context(), c, wabaID, f)
	if err != nil {
		return err
	}
	out := templateList{Data: []graphTemplate{}}
	if s := ps["summary"]; s != "" {
		all, err := a.p.Templates(r.Context(), c, wabaID, platform.TemplateFilter{})
		if err != nil {
			return err
		}
		out.Summary = summaryOf(list(s), len(ts), len(all))
	}
	page, before, after, err := pageOf(ts, ps["before"], ps["after"], limit)
	if err != nil {
		return err
	}
	for _, t := range page {
		out.Data = append(out.Data, showTemplate(t, fields))
	}
	if len(page) > 0 {
		out.Paging = &graphPaging{Cursors: graphCursors{Before: cursorOf(page[0]), After: cursorOf(page[len(page)-1])}}
		if after {
			out.Paging.Next = a.pageURL(r, "after", out.Paging.Cursors.After)
		}
		if before {
			out.Paging.Previous = a.pageURL(r, "before", out.Paging.Cursors.Before)
		}
	}
	codec.Write(w, http.StatusOK, out)
	return nil
}

// summaryOf builds the summary of the keys asked for; summary=true asks for the
// total count.
func summaryOf(keys []string, matching, all int) *templateSummary {
	s := &templateSummary{}
	limit := platform.TemplateLimit
	for _, k := range keys {
		switch k {
		case "true", "total_count":
			s.TotalCount = &matching
		case "message_template_count":
			s.MessageTemplateCount = &all
		case "message_template_limit":
			s.MessageTemplateLimit = &limit
		}
	}
	return s
}

// pageOf cuts a page out of templates listed newest first. A cursor names a
// template; ids grow with time, so a cursor stays good when its template is
// deleted. more tells whether pages are left before and after the page.
func pageOf(ts []*wabi.Template, before, after string, limit int) (page []*wabi.Template, moreBefore, moreAfter bool, err error) {
	start, end := 0, len(ts)
	if after != "" {
		id, err := idOfCursor(after)
		if err != nil {
			return nil, false, false, err
		}
		for start < end && !olderID(ts[start].ID, id) {
			start++
		}
	}
	if before != "" {
		id, err := idOfCursor(before)
		if err != nil {
			return nil, false, false, err
		}
		end = start
		for end < len(ts) && olderID(id, ts[end].ID) {
			end++
		}
		start = max(end-limit, 0)
	}
	end = min(end, start+limit)
	return ts[start:end], start > 0, end < len(ts), nil
}

// olderID reports whether id a was made before id b.
func olderID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func cursorOf(t *wabi.Template) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.ID))
}

func idOfCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || strings.Trim(string(b), "0123456789") != "" {
		return "", wabi.Errorf(wabi.EInvalidParam, "Param cursor %q is not a cursor this list gave out.", c)
	}
	return string(b), nil
}

// pageURL is the link to the page before or after: this request with the
// cursor replaced.
func (a *API) pageURL(r *http.Request, key, cursor string) string {
	q := r.URL.Query()
	q.Del("before")
	q.Del("after")
	q.Set(key, cursor)
	base := a.PublicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/" + r.Context().Value(versionKey{}).(string) + r.URL.Path + "?" + q.Encode()
}

// relayTemplates passes a call on a WABA's templates through to the upstream
// WABA when the WABA's templates are its relayed number's upstream's, and
// reports whether it did. The client's token stays here, and the paging links
// of the upstream's answer point back at wabi.
func (a *API) relayTemplates(w http.ResponseWriter, r *http.Request, c platform.Caller) (bool, error) {
	wabaID := r.PathValue("id")
	relayed, err := a.p.TemplatesRelayed(r.Context(), c, wabaID, r.Method)
	if err != nil || !relayed {
		return relayed, err
	}
	q := r.URL.Query()
	q.Del("access_token")
	call := platform.UpstreamCall{Method: r.Method, Query: q}
	if r.Method != http.MethodGet {
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			return true, wabi.Errorf(wabi.EBadRequest, "The request body cannot be read.")
		}
		call.ContentType = r.Header.Get("Content-Type")
		call.Body = withoutToken(raw, isForm(r))
	}
	ans, err := a.p.RelayTemplates(r.Context(), c, wabaID, call)
	if err != nil {
		return true, err
	}
	ct := ans.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(ans.Status)
	_, _ = w.Write(a.localPaging(r, ans.Body))
	return true, nil
}

// withoutToken drops an access_token field from a form or JSON object body.
func withoutToken(body []byte, form bool) []byte {
	if form {
		v, err := url.ParseQuery(string(body))
		if err != nil || !v.Has("access_token") {
			return body
		}
		v.Del("access_token")
		return []byte(v.Encode())
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj["access_token"] == nil {
		return body
	}
	delete(obj, "access_token")
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}

// localPaging rewrites the paging links of an upstream's list to this
// request's URL with the upstream's cursors, and no upstream token in them.
func (a *API) localPaging(r *http.Request, body []byte) []byte {
	var list map[string]json.RawMessage
	if json.Unmarshal(body, &list) != nil || list["paging"] == nil {
		return body
	}
	var paging map[string]json.RawMessage
	if json.Unmarshal(list["paging"], &paging) != nil {
		return body
	}
	for _, k := range []string{"next", "previous"} {
		var link string
		if paging[k] == nil || json.Unmarshal(paging[k], &link) != nil {
			continue
		}
		u, err := url.Parse(link)
		if err != nil {
			delete(paging, k)
			continue
		}
		q := u.Query()
		q.Del("access_token")
		local := a.pageURL(r, "after", "")
		if i := strings.IndexByte(local, '?'); i >= 0 {
			local = local[:i]
		}
		paging[k], _ = json.Marshal(local + "?" + q.Encode())
	}
	var err error
	if list["paging"], err = json.Marshal(paging); err != nil {
		return body
	}
	out, err := json.Marshal(list)
	if err != nil {
		return body
	}
	return out
}
