package onpremapi

import (
	"encoding/json"
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// sendRequest is the body of POST /v1/messages. It differs from the Cloud API's
// in preview_url (top level), the legacy hsm type and the absent
// messaging_product.
type sendRequest struct {
	To            string          `json:"to"`
	Type          wabi.Type       `json:"type"`
	RecipientType string          `json:"recipient_type"`
	PreviewURL    *bool           `json:"preview_url"`
	TTL           json.RawMessage `json:"ttl"`
	HSM           *hsm            `json:"hsm"`
	wabi.Content
}

// hsm is the legacy template message: a namespace, an element name and the
// body's parameters as localizable_params.
type hsm struct {
	Namespace   string                 `json:"namespace"`
	ElementName string                 `json:"element_name"`
	Language    *wabi.TemplateLanguage `json:"language"`
	Params      []localizableParam     `json:"localizable_params"`
}

type localizableParam struct {
	Default  *string `json:"default"`
	Currency *struct {
		Code       string `json:"currency_code"`
		Amount1000 int64  `json:"amount_1000"`
	} `json:"currency"`
	DateTime json.RawMessage `json:"date_time"`
}

// typeHSM is the legacy template type.
const typeHSM wabi.Type = "hsm"

type messageID struct {
	ID string `json:"id"`
}

// handleSend sends a message as the deployment's number.
func (a *API) handleSend(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.To == "" {
		return wabi.Errorf(wabi.ERequired, "Parameter 'to' is required.")
	}
	m := &wabi.Message{Type: req.Type, Content: req.Content}
	if m.Type == "" {
		m.Type = wabi.TypeText
	}
	if req.PreviewURL != nil && m.Text != nil {
		m.Text.PreviewURL = *req.PreviewURL
	}
	if m.Type == typeHSM {
		ts, err := templateOfHSM(req.HSM)
		if err != nil {
			return err
		}
		m.Type, m.Template = wabi.TypeTemplate, ts
	} else if req.HSM != nil {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'hsm' is only allowed with type hsm.")
	}
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	res, err := a.p.Send(r.Context(), c, platform.SendRequest{
		Via: wabi.PlatformOnPrem, PhoneNumberID: pn.ID, To: req.To, RecipientType: req.RecipientType, Message: m,
	})
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, struct {
		Messages []messageID `json:"messages"`
	}{[]messageID{{ID: res.MessageID}}})
	return nil
}

// templateOfHSM turns a legacy hsm object into a template send: its
// localizable_params are the body's parameters.
func templateOfHSM(h *hsm) (*wabi.TemplateSend, error) {
	if h == nil {
		return nil, wabi.Errorf(wabi.ERequired, "Parameter 'hsm' is required for type hsm.")
	}
	if h.ElementName == "" {
		return nil, wabi.Errorf(wabi.ERequired, "Parameter 'hsm.element_name' is required.")
	}
	if h.Language == nil || h.Language.Code == "" {
		return nil, wabi.Errorf(wabi.ERequired, "Parameter 'hsm.language.code' is required.")
	}
	ts := &wabi.TemplateSend{Namespace: h.Namespace, Name: h.ElementName, Language: h.Language}
	if len(h.Params) == 0 {
		return ts, nil
	}
	body := wabi.TemplateParamComp{Type: "body"}
	for i, lp := range h.Params {
		if lp.Default == nil {
			return nil, wabi.Errorf(wabi.ERequired, "Parameter 'hsm.localizable_params[%d].default' is required.", i)
		}
		switch {
		case lp.Currency != nil:
			body.Parameters = append(body.Parameters, wabi.TemplateParam{Type: "currency", Currency: &wabi.Currency{
				FallbackValue: *lp.Default, Code: lp.Currency.Code, Amount1000: lp.Currency.Amount1000}})
		case len(lp.DateTime) > 0:
			body.Parameters = append(body.Parameters, wabi.TemplateParam{Type: "date_time", DateTime: &wabi.DateTime{FallbackValue: *lp.Default}})
		default:
			body.Parameters = append(body.Parameters, wabi.TemplateParam{Type: "text", Text: lp.Default})
		}
	}
	ts.Components = []wabi.TemplateParamComp{body}
	return ts, nil
}

// handleMarkRead marks an inbound message, and the earlier ones of its chat, read.
func (a *API) handleMarkRead(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		Status string `json:"status"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch req.Status {
	case "read":
	case "":
		return wabi.Errorf(wabi.ERequired, "Parameter 'status' is required.")
	default:
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'status' must be read, not %q.", req.Status)
	}
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	if err := a.p.MarkRead(r.Context(), c, wabi.PlatformOnPrem, pn.ID, r.PathValue("id"), false); err != nil {
		return err
	}
	return a.ok(w)
}
