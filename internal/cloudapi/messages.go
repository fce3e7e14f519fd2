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

// handleMessages sends a message, or marks one read (with an optional typing
// indicator).
func (a *API) handleMessages(w http.ResponseWriter, r *http.Request) {
	c, err := a.caller(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var req sendRequest
	if err := codec.Decode(http.MaxBytesReader(w, r.Body, maxBody), &req, maxBody); err != nil {
		a.writeError(w, r, err)
		return
	}
	if req.MessagingProduct != "whatsapp" {
		a.writeError(w, r, wabi.Errorf(wabi.EBadRequest, "The parameter messaging_product is required."))
		return
	}
	id := r.PathValue("id")
	if req.Status != "" {
		if req.Status != "read" {
			a.writeError(w, r, wabi.Errorf(wabi.EInvalidParam, "Param status must be read, not %q.", req.Status))
			return
		}
		if req.MessageID == "" {
			a.writeError(w, r, wabi.Errorf(wabi.ERequired, "The parameter message_id is required."))
			return
		}
		if req.TypingIndicator != nil && req.TypingIndicator.Type != "text" {
			a.writeError(w, r, wabi.Errorf(wabi.EInvalidParam, "Param typing_indicator['type'] must be text."))
			return
		}
		if err := a.p.MarkRead(r.Context(), c, wabi.PlatformCloud, id, req.MessageID, req.TypingIndicator != nil); err != nil {
			a.writeError(w, r, err)
			return
		}
		codec.Write(w, http.StatusOK, successResponse{Success: true})
		return
	}
	m := &wabi.Message{Type: req.Type, BizOpaqueCallbackData: req.BizOpaqueCallbackData, Content: req.Content}
	res, err := a.p.Send(r.Context(), c, platform.SendRequest{
		Via: wabi.PlatformCloud, PhoneNumberID: id, To: req.To, RecipientType: req.RecipientType, Message: m,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	codec.Write(w, http.StatusOK, sendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []sendContact{{Input: res.Input, WaID: res.WaID}},
		Messages:         []sendMessage{{ID: res.MessageID}},
	})
}
