package sqlrow

import "github.com/wabihq/wabi/internal/wabi"

// TemplateCols are the columns of a template, in the order of ScanTemplate.
// Components are JSON, and edit times a JSON list of unix nanoseconds.
const TemplateCols = "id, waba_id, name, language, category, status, components, parameter_format, rejected_reason, " +
	"created_at, quality_score, previous_category, allow_category_change, updated_at, edits"

// ScanTemplate reads a row of TemplateCols.
func ScanTemplate(sc Scanner) (*wabi.Template, error) {
	var t wabi.Template
	var components, edits string
	var created, updated int64
	if err := sc.Scan(&t.ID, &t.WABAID, &t.Name, &t.Language, &t.Category, &t.Status, &components,
		&t.ParameterFormat, &t.RejectedReason, &created, &t.QualityScore, &t.PreviousCategory,
		&t.AllowCategoryChange, &updated, &edits); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = FromNanos(created), FromNanos(updated)
	var at []int64
	if err := FromJSON(edits, &at); err != nil {
		return nil, err
	}
	for _, n := range at {
		t.Edits = append(t.Edits, FromNanos(n))
	}
	return &t, FromJSON(components, &t.Components)
}

// TemplateArgs returns the values of TemplateCols after the id, then the id.
// Edit times are kept as unix nanoseconds, like every other time.
func TemplateArgs(t *wabi.Template) ([]any, error) {
	components, err := ToJSON(t.Components)
	if err != nil {
		return nil, err
	}
	at := make([]int64, len(t.Edits))
	for i, e := range t.Edits {
		at[i] = Nanos(e)
	}
	edits, err := ToJSON(at)
	if err != nil {
		return nil, err
	}
	// Named string types go as plain strings: pgx encodes only those.
	return []any{t.WABAID, t.Name, t.Language, string(t.Category), string(t.Status), components,
		t.ParameterFormat, t.RejectedReason, Nanos(t.CreatedAt), t.QualityScore, t.PreviousCategory,
		t.AllowCategoryChange, Nanos(t.UpdatedAt), edits, t.ID}, nil
}

// VirtualPhoneCols are the columns of a virtual phone, in the order of
// ScanVirtualPhone and VirtualPhoneArgs. The behaviour is JSON.
const VirtualPhoneCols = "wa_id, profile_name, behaviour, created_at"

// ScanVirtualPhone reads a row of VirtualPhoneCols.
func ScanVirtualPhone(sc Scanner) (*wabi.VirtualPhone, error) {
	var p wabi.VirtualPhone
	var behaviour string
	var created int64
	if err := sc.Scan(&p.WaID, &p.ProfileName, &behaviour, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = FromNanos(created)
	return &p, FromJSON(behaviour, &p.Behaviour)
}

// VirtualPhoneArgs returns the values of VirtualPhoneCols.
func VirtualPhoneArgs(p *wabi.VirtualPhone) ([]any, error) {
	behaviour, err := ToJSON(p.Behaviour)
	if err != nil {
		return nil, err
	}
	return []any{p.WaID, p.ProfileName, behaviour, Nanos(p.CreatedAt)}, nil
}
