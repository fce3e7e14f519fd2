package cloudapi

import (
	"fmt"
	"strconv"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/wabi"
)

// Template webhooks are about a WABA, not a chat: their envelope carries the
// time of the change (entry[].time, unix seconds as a number) and their value
// names the template by id (a number), name and language.
type (
	tplEnvelope struct {
		Object string     `json:"object"`
		Entry  []tplEntry `json:"entry"`
	}
	tplEntry struct {
		ID      string      `json:"id"`
		Time    int64       `json:"time"`
		Changes []tplChange `json:"changes"`
	}
	tplChange struct {
		Value any    `json:"value"`
		Field string `json:"field"`
	}

	// tplStatusValue is a message_template_status_update.
	tplStatusValue struct {
		Event         string            `json:"event"`
		TemplateID    int64             `json:"message_template_id"`
		Name          string            `json:"message_template_name"`
		Language      string            `json:"message_template_language"`
		Reason        string            `json:"reason"`
		Category      string            `json:"message_template_category"`
		DisableInfo   *tplDisableInfo   `json:"disable_info,omitempty"`
		OtherInfo     *tplOtherInfo     `json:"other_info,omitempty"`
		RejectionInfo *tplRejectionInfo `json:"rejection_info,omitempty"`
	}
	tplDisableInfo struct {
		DisableDate string `json:"disable_date"`
	}
	tplOtherInfo struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	tplRejectionInfo struct {
		Reason         string `json:"reason"`
		Recommendation string `json:"recommendation"`
	}

	// tplCategoryValue is a template_category_update.
	tplCategoryValue struct {
		TemplateID       int64  `json:"message_template_id"`
		Name             string `json:"message_template_name"`
		Language         string `json:"message_template_language"`
		PreviousCategory string `json:"previous_category"`
		NewCategory      string `json:"new_category"`
	}

	// tplQualityValue is a message_template_quality_update.
	tplQualityValue struct {
		PreviousQualityScore string `json:"previous_quality_score"`
		NewQualityScore      string `json:"new_quality_score"`
		TemplateID           int64  `json:"message_template_id"`
		Name                 string `json:"message_template_name"`
		Language             string `json:"message_template_language"`
	}
)

// isTemplateField reports whether a webhook field is about templates.
func isTemplateField(field string) bool {
	switch field {
	case wabi.FieldMessageTemplateStatusUpdate, wabi.FieldTemplateCategoryUpdate, wabi.FieldMessageTemplateQualityUpdate:
		return true
	}
	return false
}

// encodeTemplateEvent renders a template webhook. The time of the change is the
// template's UpdatedAt.
func encodeTemplateEvent(e *wabi.Event) ([]byte, error) {
	t, ch := e.Template, e.Change
	if t == nil || ch == nil {
		return nil, fmt.Errorf("cloudapi: no webhook shape for field %q without a template and its change", e.Field)
	}
	id, err := strconv.ParseInt(t.ID, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("cloudapi: template id %q is not a number", t.ID)
	}
	wabaID := t.WABAID
	if e.WABA != nil {
		wabaID = e.WABA.ID
	}
	var value any
	switch e.Field {
	case wabi.FieldMessageTemplateStatusUpdate:
		v := tplStatusValue{Event: ch.Event, TemplateID: id, Name: t.Name, Language: t.Language,
			Reason: ch.Reason, Category: t.Category}
		if v.Reason == "" {
			v.Reason = "NONE"
		}
		switch {
		case ch.Event == wabi.TemplateDisabled:
			v.DisableInfo = &tplDisableInfo{DisableDate: unixString(t.UpdatedAt)}
		case ch.Event == wabi.TemplateRejected && (ch.Title != "" || ch.Description != ""):
			// A rejection's Title and Description are its reason and recommendation.
			v.RejectionInfo = &tplRejectionInfo{Reason: ch.Title, Recommendation: ch.Description}
		case ch.Title != "":
			v.OtherInfo = &tplOtherInfo{Title: ch.Title, Description: ch.Description}
		}
		value = v
	case wabi.FieldTemplateCategoryUpdate:
		value = tplCategoryValue{TemplateID: id, Name: t.Name, Language: t.Language,
			PreviousCategory: ch.PreviousCategory, NewCategory: t.Category}
	case wabi.FieldMessageTemplateQualityUpdate:
		previous := ch.PreviousQuality
		if previous == "" {
			previous = "UNKNOWN"
		}
		current := t.QualityScore
		if current == "" {
			current = "UNKNOWN"
		}
		value = tplQualityValue{PreviousQualityScore: previous, NewQualityScore: current, TemplateID: id,
			Name: t.Name, Language: t.Language}
	}
	return codec.Marshal(tplEnvelope{
		Object: "whatsapp_business_account",
		Entry:  []tplEntry{{ID: wabaID, Time: t.UpdatedAt.Unix(), Changes: []tplChange{{Value: value, Field: e.Field}}}},
	})
}
