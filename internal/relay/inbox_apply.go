package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// The shapes of an upstream's webhooks that wabi reads: Meta's
// whatsapp_business_account envelope, with the values of the messages and
// message_template_status_update fields.
type (
	hookEnvelope struct {
		Object string      `json:"object"`
		Entry  []hookEntry `json:"entry"`
	}
	hookEntry struct {
		// ID is the upstream's WABA id.
		ID      string       `json:"id"`
		Changes []hookChange `json:"changes"`
	}
	hookChange struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	// hookMetadata is all the handler reads of a value: the upstream number
	// it is about, if any.
	hookMetadata struct {
		Metadata struct {
			PhoneNumberID string `json:"phone_number_id"`
		} `json:"metadata"`
	}
	hookMessagesValue struct {
		Metadata struct {
			PhoneNumberID string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []struct {
			Profile struct {
				Name string `json:"name"`
			} `json:"profile"`
			WaID string `json:"wa_id"`
		} `json:"contacts"`
		Messages []json.RawMessage `json:"messages"`
		Statuses []hookStatus      `json:"statuses"`
		Errors   []hookError       `json:"errors"`
	}
	hookStatus struct {
		ID        string      `json:"id"`
		Status    wabi.Status `json:"status"`
		Timestamp string      `json:"timestamp"`
		Errors    []hookError `json:"errors"`
	}
	hookError struct {
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	}
	// hookMessage is an inbound message: Meta's common fields, its context,
	// and its type object, which wabi's Content reads as it is.
	hookMessage struct {
		From      string    `json:"from"`
		ID        string    `json:"id"`
		Timestamp string    `json:"timestamp"`
		Type      wabi.Type `json:"type"`
		Context   *struct {
			From                string `json:"from"`
			ID                  string `json:"id"`
			Forwarded           bool   `json:"forwarded"`
			FrequentlyForwarded bool   `json:"frequently_forwarded"`
		} `json:"context"`
		wabi.Content
	}
	hookTemplateStatus struct {
		Event      string      `json:"event"`
		TemplateID json.Number `json:"message_template_id"`
		Name       string      `json:"message_template_name"`
		Language   string      `json:"message_template_language"`
		Reason     *string     `json:"reason"`
		Category   string      `json:"message_template_category"`
		OtherInfo  *struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"other_info"`
		RejectionInfo *struct {
			Reason         string `json:"reason"`
			Recommendation string `json:"recommendation"`
		} `json:"rejection_info"`
	}
)

// errRetry marks a failure of the store or the platform, after which the
// whole webhook is applied again; any other failure concerns one item, which
// is logged and skipped.
var errRetry = errors.New("relay: apply again")

// maxErrorText is as much of an upstream error's details as wabi passes on.
const maxErrorText = 1024

// applyBody applies a stored webhook: each change of each entry in turn.
func (in *Inbox) applyBody(ctx context.Context, body []byte) error {
	var env hookEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		in.logger().Error("relay: a stored upstream webhook does not parse; dropped", "err", err)
		return nil
	}
	var retry error
	for _, e := range env.Entry {
		for _, ch := range e.Changes {
			var err error
			switch ch.Field {
			case wabi.FieldMessages:
				err = in.applyMessages(ctx, ch.Value)
			case wabi.FieldMessageTemplateStatusUpdate:
				err = in.applyTemplateStatus(ctx, e.ID, ch.Value)
			default:
				in.logger().Info("relay: an upstream webhook field wabi does not pass on; skipped", "field", ch.Field, "upstream_waba_id", e.ID)
			}
			if err != nil && retry == nil {
				retry = err
			}
		}
	}
	return retry
}

// transient tells a failure worth applying the webhook again for (the store,
// a bug) from one of the item itself (a refused or unknown message), which
// the caller logs and skips.
func transient(err error) bool {
	return err != nil && wabi.ErrorCode(err) == wabi.EInternal
}

// applyMessages applies a messages value: its statuses, its inbound messages
// and its errors, for the relayed number the value names.
func (in *Inbox) applyMessages(ctx context.Context, raw json.RawMessage) error {
	var v hookMessagesValue
	if err := json.Unmarshal(raw, &v); err != nil {
		in.logger().Error("relay: an upstream messages value does not parse; skipped", "err", err)
		return nil
	}
	upstream := v.Metadata.PhoneNumberID
	relay, err := in.P.RelayByUpstream(ctx, upstream)
	if err != nil {
		if transient(err) {
			return fmt.Errorf("%w: %w", errRetry, err)
		}
		in.logger().Warn("relay: a webhook for an upstream number no relay carries now; skipped", "upstream_phone_number_id", upstream)
		return nil
	}
	pn := relay.PhoneNumberID
	var retry error
	keep := func(err error) {
		if retry == nil && transient(err) {
			retry = fmt.Errorf("%w: %w", errRetry, err)
		}
	}
	if len(v.Statuses) > 0 {
		us := make([]wabi.StatusUpdate, 0, len(v.Statuses))
		for _, s := range v.Statuses {
			u, ok := statusUpdate(s, in.P.Clock().Now())
			if !ok {
				in.logger().Info("relay: an upstream status wabi does not record; skipped", "phone_number_id", pn, "status", s.Status)
				continue
			}
			us = append(us, u)
		}
		us, err := in.queueBehind(ctx, pn, us)
		if err != nil {
			return fmt.Errorf("%w: %w", errRetry, err)
		}
		for i, err := range in.P.UpdateStatuses(ctx, us) {
			if err == nil {
				continue
			}
			if wabi.ErrorCode(err) == wabi.ENotFound {
				// Not stored yet, as the upstream may tell before it
				// answers the send; or never, for a message sent around
				// wabi. It waits (inbox_wait.go).
				if _, err := in.wait(ctx, pn, us[i], true); err != nil {
					keep(err)
				}
				in.waiting++
				continue
			}
			in.logger().Warn("relay: record an upstream status", "phone_number_id", pn, "message_id", us[i].MessageID, "err", err)
			keep(err)
		}
	}
	profiles := make(map[string]string, len(v.Contacts))
	for _, c := range v.Contacts {
		profiles[c.WaID] = c.Profile.Name
	}
	for _, mraw := range v.Messages {
		m, err := inboundMessage(mraw, pn, in.P.Clock().Now())
		if err != nil {
			in.logger().Warn("relay: an upstream inbound message does not parse; skipped", "phone_number_id", pn, "err", err)
			continue
		}
		if _, err := in.P.ReceiveRelayed(ctx, m, profiles[m.WaID]); err != nil {
			if wabi.ErrorCode(err) == wabi.EConflict {
				continue // a webhook delivered twice
			}
			in.logger().Warn("relay: record an upstream inbound message", "phone_number_id", pn, "message_id", m.ID, "err", err)
			keep(err)
		}
	}
	if len(v.Errors) > 0 {
		errs := make([]*wabi.Error, len(v.Errors))
		for i, e := range v.Errors {
			errs[i] = errorOf(e)
		}
		if err := in.P.ReportErrors(ctx, pn, errs); err != nil {
			in.logger().Warn("relay: pass on upstream errors", "phone_number_id", pn, "err", err)
			keep(err)
		}
	}
	return retry
}

// statusUpdate reads an upstream status; ok is false for a status wabi does
// not record (played, and any it does not know).
func statusUpdate(s hookStatus, now time.Time) (u wabi.StatusUpdate, ok bool) {
	switch s.Status {
	case wabi.StatusSent, wabi.StatusDelivered, wabi.StatusRead, wabi.StatusFailed:
	default:
		return u, false
	}
	if s.ID == "" {
		return u, false
	}
	u = wabi.StatusUpdate{MessageID: s.ID, Status: s.Status, Timestamp: unixTime(s.Timestamp, now)}
	if s.Status == wabi.StatusFailed {
		e := hookError{Code: 131000, Title: "Something went wrong"}
		if len(s.Errors) > 0 {
			e = s.Errors[0]
		}
		u.Error = errorOf(e)
	}
	return u, true
}

// errorOf turns an upstream's Graph error into wabi's: the domain code the
// Cloud API answers with its number (EInternal for a number wabi has no code
// for), Meta's number and title carried as they are, and Meta's details as
// the message.
func errorOf(e hookError) *wabi.Error {
	code, ok := cloudapi.DomainCode(e.Code, e.Subcode)
	if !ok {
		code = wabi.EInternal
	}
	msg := e.ErrorData.Details
	if msg == "" {
		msg = e.Message
	}
	if msg == "" {
		msg = e.Title
	}
	if msg == "" {
		msg = fmt.Sprintf("The upstream reported error %d.", e.Code)
	}
	if r := []rune(msg); len(r) > maxErrorText {
		msg = string(r[:maxErrorText])
	}
	return &wabi.Error{Code: code, Message: msg, Meta: &wabi.MetaError{Code: e.Code, Subcode: e.Subcode, Title: e.Title}}
}

// unixTime reads a webhook time, unix seconds in a string; now when it does
// not parse.
func unixTime(s string, now time.Time) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return now
	}
	return time.Unix(n, 0).UTC()
}

// inboundMessage reads an upstream's inbound message for wabi's number pn. A
// type wabi does not know is unsupported, as Meta's own legacy "unknown" is;
// ReceiveRelayed turns what wabi's rules refuse into unsupported too.
func inboundMessage(raw json.RawMessage, pn string, now time.Time) (*wabi.Message, error) {
	var hm hookMessage
	if err := json.Unmarshal(raw, &hm); err != nil {
		return nil, err
	}
	if hm.ID == "" || hm.From == "" {
		return nil, errors.New("the message has no id or no sender")
	}
	m := &wabi.Message{ID: hm.ID, PhoneNumberID: pn, WaID: hm.From, Type: hm.Type,
		Timestamp: unixTime(hm.Timestamp, now), Content: hm.Content}
	m.Context = nil
	if c := hm.Context; c != nil {
		m.Context = &wabi.Context{MessageID: c.ID, From: c.From, Forwarded: c.Forwarded || c.FrequentlyForwarded}
	}
	if !knownInbound(m.Type) {
		original := m.Type
		m.Type, m.Content = wabi.TypeUnsupported, wabi.Content{Context: m.Context}
		if original != "" && original != "unknown" {
			m.Unsupported = &wabi.Unsupported{Type: string(original)}
		}
	}
	return m, nil
}

// knownInbound reports whether wabi records inbound messages of type t as
// they are.
func knownInbound(t wabi.Type) bool {
	switch t {
	case wabi.TypeText, wabi.TypeImage, wabi.TypeAudio, wabi.TypeVideo, wabi.TypeDocument, wabi.TypeSticker,
		wabi.TypeLocation, wabi.TypeContacts, wabi.TypeInteractive, wabi.TypeReaction, wabi.TypeButton,
		wabi.TypeOrder, wabi.TypeSystem, wabi.TypeUnsupported, wabi.TypeRequestWelcome:
		return true
	}
	return false
}

// applyTemplateStatus passes on a message_template_status_update of the
// upstream WABA upstreamWABA.
func (in *Inbox) applyTemplateStatus(ctx context.Context, upstreamWABA string, raw json.RawMessage) error {
	var v hookTemplateStatus
	if err := json.Unmarshal(raw, &v); err != nil {
		in.logger().Error("relay: an upstream template status does not parse; skipped", "err", err)
		return nil
	}
	u := platform.RelayTemplateStatus{TemplateID: v.TemplateID.String(), Name: v.Name, Language: v.Language,
		Category: v.Category, Event: v.Event}
	if v.Reason != nil {
		u.Reason = *v.Reason
	}
	switch {
	case v.RejectionInfo != nil:
		u.Title, u.Description = v.RejectionInfo.Reason, v.RejectionInfo.Recommendation
	case v.OtherInfo != nil:
		u.Title, u.Description = v.OtherInfo.Title, v.OtherInfo.Description
	}
	err := in.P.ApplyRelayTemplateStatus(ctx, upstreamWABA, u)
	if err == nil {
		return nil
	}
	in.logger().Warn("relay: pass on an upstream template status", "upstream_waba_id", upstreamWABA, "template", v.Name, "err", err)
	if transient(err) {
		return fmt.Errorf("%w: %w", errRetry, err)
	}
	return nil
}
