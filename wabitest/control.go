package wabitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// pollEvery is how often Phone.WaitFor reads the phone's chat again.
const pollEvery = 10 * time.Millisecond

// Message is a message as wabi's control API shows it, in either direction.
type Message struct {
	// ID is the wamid.
	ID string `json:"id"`
	// PhoneNumberID is the business number's id; WaID the phone's.
	PhoneNumberID string `json:"phone_number_id"`
	WaID          string `json:"wa_id"`
	// Direction is inbound (the phone wrote) or outbound (the business).
	Direction string `json:"direction"`
	// Type is text, template, image, ...
	Type string `json:"type"`
	// Status is where the message is now: accepted, sent, delivered, read
	// or failed when outbound; received or read when inbound.
	Status string `json:"status"`
	// StatusAt is when it got there.
	StatusAt time.Time `json:"status_at"`
	// Error says why a failed message failed.
	Error *MessageError `json:"error,omitempty"`
	// Text is the body of a text message.
	Text string `json:"-"`
}

// MessageError is why a message failed: wabi's code (not_on_whatsapp, ...)
// and its words.
type MessageError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// wireMessage is a message as the control API writes it.
type wireMessage struct {
	Message
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
}

// message is m with the body of its text.
func (m *wireMessage) message() Message {
	msg := m.Message
	if m.Text != nil {
		msg.Text = m.Text.Body
	}
	return msg
}

// Message returns the message with this wamid as it is now, with its
// status.
func (s *Server) Message(ctx context.Context, wamid string) (Message, error) {
	var m wireMessage
	err := s.control(ctx, "GET", "/api/messages/"+url.PathEscape(wamid), nil, &m)
	return m.message(), err
}

// Fault is a failure for wabi to inject; docs/faults.md describes each kind
// and which fields it takes.
type Fault struct {
	// Kind is delivery_failed, status_delayed, status_duplicated,
	// status_dropped, webhook_duplicated, webhook_reordered,
	// webhook_delayed, media_url_expired, api_error or api_timeout.
	Kind string
	// PhoneNumberID and WaID say where it strikes: a business number, a
	// virtual phone, or the chat between both.
	PhoneNumberID, WaID string
	// Code is the Cloud API error code a delivery_failed message fails with.
	Code int
	// Status is the status a status_* fault acts on; "" for every one.
	Status string
	// Delay is how late, for status_delayed, webhook_delayed,
	// webhook_reordered and api_timeout.
	Delay time.Duration
	// TTL is how long media URLs work, for media_url_expired.
	TTL time.Duration
	// HTTPStatus is what an api_error answers: 500 or 503.
	HTTPStatus int
	// Probability, if not 0, is the chance that each matching event fires.
	Probability float64
	// Count, if not 0, is how many matching events are tried.
	Count int
}

// Fault sets a fault (POST /api/faults) and returns its id. It lasts until
// the server stops, or until DELETE /api/faults/{id}.
func (s *Server) Fault(ctx context.Context, f Fault) (id string, err error) {
	body := map[string]any{"kind": f.Kind}
	set := func(name string, v any, ok bool) {
		if ok {
			body[name] = v
		}
	}
	set("phone_number_id", f.PhoneNumberID, f.PhoneNumberID != "")
	set("wa_id", f.WaID, f.WaID != "")
	set("code", f.Code, f.Code != 0)
	set("status", f.Status, f.Status != "")
	set("delay", f.Delay.String(), f.Delay != 0)
	set("ttl", f.TTL.String(), f.TTL != 0)
	set("http_status", f.HTTPStatus, f.HTTPStatus != 0)
	set("probability", f.Probability, f.Probability != 0)
	set("count", f.Count, f.Count != 0)
	var out struct{ ID string }
	if err := s.control(ctx, "POST", "/api/faults", body, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// Phone is a virtual phone, a WhatsApp user on wabi's simulated network,
// chatting with the server's PhoneNumberID.
type Phone struct {
	// WaID is the phone's number, digits only.
	WaID string

	s       *Server
	mu      sync.Mutex
	created bool
}

// Phone returns the virtual phone with this wa_id (8 to 15 digits), which is
// made, with the defaults of the control API (online, reading what it gets),
// the first time it is used. srv.Phone(srv.Customer) is the demo's phone.
func (s *Server) Phone(waID string) *Phone {
	return &Phone{WaID: waID, s: s}
}

// ensure makes the phone unless it exists.
func (p *Phone) ensure(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.created {
		return nil
	}
	err := p.s.control(ctx, "POST", "/api/phones", map[string]string{"wa_id": p.WaID}, nil)
	if ae, ok := err.(*apiError); ok && ae.Code == "conflict" {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("make phone %s: %w", p.WaID, err)
	}
	p.created = true
	return nil
}

// Send makes the phone write text to the business, which gets it as a
// messages webhook, and returns the message's wamid.
func (p *Phone) Send(ctx context.Context, text string) (wamid string, err error) {
	if err := p.ensure(ctx); err != nil {
		return "", err
	}
	body := map[string]any{"to": p.s.PhoneNumberID, "type": "text", "text": map[string]string{"body": text}}
	var m wireMessage
	if err := p.s.control(ctx, "POST", "/api/phones/"+url.PathEscape(p.WaID)+"/messages", body, &m); err != nil {
		return "", err
	}
	return m.ID, nil
}

// Messages returns the newest messages of the phone's chat with the business,
// both ways, oldest first; the business's carry their ticks in Status.
func (p *Phone) Messages(ctx context.Context) ([]Message, error) {
	if err := p.ensure(ctx); err != nil {
		return nil, err
	}
	var out struct{ Data []wireMessage }
	q := url.Values{"phone_number_id": {p.s.PhoneNumberID}, "limit": {"100"}}
	if err := p.s.control(ctx, "GET", "/api/phones/"+url.PathEscape(p.WaID)+"/messages?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	ms := make([]Message, len(out.Data))
	for i := range out.Data {
		// The chat comes newest first.
		ms[len(ms)-1-i] = out.Data[i].message()
	}
	return ms, nil
}

// WaitFor returns the oldest message of the phone's chat that match accepts,
// reading the chat again until one does or ctx ends.
func (p *Phone) WaitFor(ctx context.Context, match func(Message) bool) (Message, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		ms, err := p.Messages(ctx)
		if err != nil {
			return Message{}, err
		}
		for _, m := range ms {
			if match(m) {
				return m, nil
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("wabitest: waiting for a message on phone %s: %w", p.WaID, ctx.Err())
		}
	}
}

// apiError is an error answer of the control API.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("wabitest: control API: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// control calls the control API: body, if not nil, goes as JSON, and a 2xx
// answer is decoded into out, if not nil.
func (s *Server) control(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.adminKey != "" {
		req.Header.Set("X-Wabi-Admin-Key", s.adminKey)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("wabitest: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("wabitest: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.Unmarshal(b, &e)
		if e.Error.Code == "" {
			e.Error.Message = string(b)
		}
		return &apiError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("wabitest: %s %s: %w", method, path, err)
	}
	return nil
}
