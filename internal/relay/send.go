package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

var _ platform.Upstream = (*Client)(nil)

// sendBody is the Cloud API body of a message sent upstream.
type sendBody struct {
	MessagingProduct      string    `json:"messaging_product"`
	RecipientType         string    `json:"recipient_type"`
	To                    string    `json:"to"`
	Type                  wabi.Type `json:"type"`
	BizOpaqueCallbackData string    `json:"biz_opaque_callback_data,omitempty"`
	wabi.Content
}

// sendAnswer is the Cloud API's answer to a send.
type sendAnswer struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// Send sends m upstream as the relay's number, to m.WaID, and returns the
// upstream's wamid. m's media ids must be the upstream's already. Every try
// of one send carries the same Idempotency-Key.
func (cl *Client) Send(ctx context.Context, cfg *wabi.RelayConfig, m *wabi.Message) (string, error) {
	b := sendBody{MessagingProduct: "whatsapp", RecipientType: "individual", To: m.WaID, Type: m.Type,
		BizOpaqueCallbackData: m.BizOpaqueCallbackData, Content: m.Content}
	// What only wabi reads stays here: the rendered template, the
	// On-Premises namespace and media provider, the quoted sender.
	b.Rendered = nil
	if b.Template != nil {
		t := *b.Template
		t.Namespace = ""
		b.Template = &t
	}
	if b.Context != nil {
		c := *b.Context
		c.From = ""
		b.Context = &c
	}
	if md := b.MediaOf(m.Type); md != nil && md.Provider != nil {
		c := *md
		c.Provider = nil
		b.SetMedia(m.Type, &c)
	}
	body, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("relay: encode a send: %w", err)
	}
	a, err := cl.do(ctx, cfg, call{method: http.MethodPost, path: cfg.UpstreamNumberID + "/messages",
		contentType: "application/json", body: body, idempotencyKey: newKey()})
	if err != nil {
		return "", err
	}
	var ans sendAnswer
	if err := decodeAnswer(a, &ans, "a send"); err != nil {
		return "", err
	}
	if len(ans.Messages) == 0 || ans.Messages[0].ID == "" {
		return "", fmt.Errorf("%w: %w", errNoID, wabi.Errorf(wabi.EInternal, "The upstream accepted the message but named no message id."))
	}
	return ans.Messages[0].ID, nil
}

// MarkRead marks an inbound message read upstream, with the typing indicator
// if asked.
func (cl *Client) MarkRead(ctx context.Context, cfg *wabi.RelayConfig, messageID string, typing bool) error {
	b := map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": messageID}
	if typing {
		b["typing_indicator"] = map[string]string{"type": "text"}
	}
	body, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = cl.do(ctx, cfg, call{method: http.MethodPost, path: cfg.UpstreamNumberID + "/messages",
		contentType: "application/json", body: body, safe: true})
	return err
}

// UploadMedia uploads a media file of the relay's number upstream
// (POST /{upstream}/media, multipart) and returns the upstream's media id.
// body is read from its start on every try.
func (cl *Client) UploadMedia(ctx context.Context, cfg *wabi.RelayConfig, mf *wabi.MediaFile, body io.ReadSeeker) (string, error) {
	filename := mf.Filename
	if filename == "" {
		filename = mf.ID
	}
	open := func() (io.Reader, string, error) {
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return nil, "", fmt.Errorf("relay: rewind media %s: %w", mf.ID, err)
		}
		var head bytes.Buffer
		w := multipart.NewWriter(&head)
		_ = w.WriteField("messaging_product", "whatsapp")
		_ = w.WriteField("type", mf.MimeType)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, strings.ReplaceAll(filename, `"`, "")))
		h.Set("Content-Type", mf.MimeType)
		if _, err := w.CreatePart(h); err != nil {
			return nil, "", err
		}
		pre := bytes.Clone(head.Bytes())
		head.Reset()
		_ = w.Close()
		return io.MultiReader(bytes.NewReader(pre), body, bytes.NewReader(bytes.Clone(head.Bytes()))), w.FormDataContentType(), nil
	}
	a, err := cl.do(ctx, cfg, call{method: http.MethodPost, path: cfg.UpstreamNumberID + "/media", open: open, safe: true,
		logBody: fmt.Sprintf("[multipart upload of media %s: %s, %d bytes]", mf.ID, mf.MimeType, mf.Size)})
	if err != nil {
		return "", err
	}
	var ans struct {
		ID string `json:"id"`
	}
	if err := decodeAnswer(a, &ans, "a media upload"); err != nil {
		return "", err
	}
	if ans.ID == "" {
		return "", fmt.Errorf("%w: %w", errNoID, wabi.Errorf(wabi.EInternal, "The upstream took the media upload but named no media id."))
	}
	return ans.ID, nil
}

// Templates makes a call on the templates of the relay's upstream WABA
// (GET, POST or DELETE /{upstream-waba}/message_templates) and returns the
// upstream's answer. A creation is not repeated after a try that may have
// been acted on, unless the upstream echoes Idempotency-Key.
func (cl *Client) Templates(ctx context.Context, cfg *wabi.RelayConfig, c platform.UpstreamCall) (*platform.UpstreamAnswer, error) {
	if cfg.UpstreamWABAID == "" {
		return nil, wabi.Errorf(wabi.EInternal, "relay: the relay of %s names no upstream WABA", cfg.PhoneNumberID)
	}
	cc := call{method: c.Method, path: cfg.UpstreamWABAID + "/message_templates", query: c.Query,
		contentType: c.ContentType, body: c.Body, safe: c.Method != http.MethodPost}
	if c.Method == http.MethodPost {
		cc.idempotencyKey = newKey()
	}
	a, err := cl.do(ctx, cfg, cc)
	if err != nil {
		return nil, err
	}
	return &platform.UpstreamAnswer{Status: a.status, ContentType: a.header.Get("Content-Type"), Body: a.body}, nil
}
