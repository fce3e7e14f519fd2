package cloudapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// maxBody caps request bodies of JSON endpoints.
const maxBody = 1 << 20

// sendRequest is the body of POST /{phone-number-id}/messages: a message to send,
// or a read receipt (status "read").
type sendRequest struct {
	MessagingProduct      string           `json:"messaging_product"`
	RecipientType         string           `json:"recipient_type"`
	To                    string           `json:"to"`
	Type                  wabi.Type        `json:"type"`
	BizOpaqueCallbackData string           `json:"biz_opaque_callback_data"`
	Status                string           `json:"status"`
	MessageID             string           `json:"message_id"`
	TypingIndicator       *typingIndicator `json:"typing_indicator"`
	wabi.Content
}

type typingIndicator struct {
	Type string `json:"type"`
}

type sendResponse struct {
	MessagingProduct string        `json:"messaging_product"`
	Contacts         []sendContact `json:"contacts"`
	Messages         []sendMessage `json:"messages"`
}

type sendContact struct {
	Input string `json:"input"`
	WaID  string `json:"wa_id"`
}

type sendMessage struct {
	ID string `json:"id"`
}

type successResponse struct {
	Success bool `json:"success"`
}

// success answers Graph's {"success": true}.
func success(w http.ResponseWriter) error {
	codec.Write(w, http.StatusOK, successResponse{Success: true})
	return nil
}

// handleMessages sends a message, or marks one read (with an optional typing
// indicator).
func (a *API) handleMessages(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if key := r.Header.Get(idempotencyHeader); key != "" {
		w.Header().Set(idempotencyHeader, key)
		return a.idempotent(w, r, c, key, a.handleMessagesOnce)
	}
	return a.handleMessagesOnce(w, r, c)
}

// handleMessagesOnce is handleMessages for one request.
func (a *API) handleMessagesOnce(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.MessagingProduct != "whatsapp" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter messaging_product is required.")
	}
	id := r.PathValue("id")
	if req.Status != "" {
		if req.Status != "read" {
			return wabi.Errorf(wabi.EInvalidParam, "Param status must be read, not %q.", req.Status)
		}
		if req.MessageID == "" {
			return wabi.Errorf(wabi.ERequired, "The parameter message_id is required.")
		}
		if req.TypingIndicator != nil && req.TypingIndicator.Type != "text" {
			return wabi.Errorf(wabi.EInvalidParam, "Param typing_indicator['type'] must be text.")
		}
		if err := a.p.MarkRead(r.Context(), c, wabi.PlatformCloud, id, req.MessageID, req.TypingIndicator != nil); err != nil {
			return err
		}
		return success(w)
	}
	m := &wabi.Message{Type: req.Type, BizOpaqueCallbackData: req.BizOpaqueCallbackData, Content: req.Content}
	res, err := a.p.Send(r.Context(), c, platform.SendRequest{
		Via: wabi.PlatformCloud, PhoneNumberID: id, To: req.To, RecipientType: req.RecipientType, Message: m,
	})
	if err != nil {
		return err
	}
	codec.Write(w, http.StatusOK, sendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []sendContact{{Input: res.Input, WaID: res.WaID}},
		Messages:         []sendMessage{{ID: res.MessageID}},
	})
	return nil
}
