package sqlite

import (
	"context"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

const templateCols = "id, waba_id, name, language, category, status, components, parameter_format, rejected_reason, " +
	"created_at, quality_score, previous_category, allow_category_change, updated_at, edits"

func scanTemplate(sc sqlrow.Scanner) (*wabi.Template, error) {
	var t wabi.Template
	var components, edits string
	var created, updated int64
	var allow int
	if err := sc.Scan(&t.ID, &t.WABAID, &t.Name, &t.Language, &t.Category, &t.Status, &components,
		&t.ParameterFormat, &t.RejectedReason, &created, &t.QualityScore, &t.PreviousCategory, &allow,
		&updated, &edits); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = sqlrow.FromNanos(created), sqlrow.FromNanos(updated)
	t.AllowCategoryChange = allow != 0
	var at []int64
	if err := sqlrow.FromJSON(edits, &at); err != nil {
		return nil, err
	}
	for _, n := range at {
		t.Edits = append(t.Edits, sqlrow.FromNanos(n))
	}
	return &t, sqlrow.FromJSON(components, &t.Components)
}

// templateArgs returns the columns of templateCols after the id, then the id.
// Edit times are kept as unix nanoseconds, like every other time.
func templateArgs(t *wabi.Template) ([]any, error) {
	components, err := sqlrow.ToJSON(t.Components)
	if err != nil {
		return nil, err
	}
	at := make([]int64, len(t.Edits))
	for i, e := range t.Edits {
		at[i] = sqlrow.Nanos(e)
	}
	edits, err := sqlrow.ToJSON(at)
	if err != nil {
		return nil, err
	}
	return []any{t.WABAID, t.Name, t.Language, t.Category, t.Status, components,
		t.ParameterFormat, t.RejectedReason, sqlrow.Nanos(t.CreatedAt), t.QualityScore, t.PreviousCategory,
		boolInt(t.AllowCategoryChange), sqlrow.Nanos(t.UpdatedAt), edits, t.ID}, nil
}

// templateName names a template in errors.
func templateName(t *wabi.Template) string {
	return "template " + t.ID + " (" + t.Name + ", " + t.Language + ")"
}

// CreateTemplate stores a new template; EConflict if its id or its (WABA, name,
// language) exists, ENotFound if its WABA does not.
func (s *Store) CreateTemplate(ctx context.Context, t *wabi.Template) error {
	args, err := templateArgs(t)
	if err != nil {
		return err
	}
	// A conflict is about the name and language (or, rarely, the id); the new id
	// would only confuse the message.
	return s.exec(ctx, "template "+t.Name+" ("+t.Language+")", "waba "+t.WABAID, false,
		`INSERT INTO templates (waba_id, name, language, category, status, components, parameter_format,
			rejected_reason, created_at, quality_score, previous_category, allow_category_change, updated_at,
			edits, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		args...)
}

// UpdateTemplate replaces a template; ENotFound if there is none, EConflict if
// its new (WABA, name, language) is taken.
func (s *Store) UpdateTemplate(ctx context.Context, t *wabi.Template) error {
	args, err := templateArgs(t)
	if err != nil {
		return err
	}
	return s.exec(ctx, templateName(t), "waba "+t.WABAID, true,
		`UPDATE templates SET waba_id = ?, name = ?, language = ?, category = ?, status = ?,
			components = ?, parameter_format = ?, rejected_reason = ?, created_at = ?, quality_score = ?,
			previous_category = ?, allow_category_change = ?, updated_at = ?, edits = ? WHERE id = ?`,
		args...)
}

// Template returns a template; ENotFound if there is none.
func (s *Store) Template(ctx context.Context, id string) (*wabi.Template, error) {
	t, err := scanTemplate(s.rdb.QueryRowContext(ctx, "SELECT "+templateCols+" FROM templates WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "template "+id)
	}
	return t, nil
}

// Templates lists the templates of a WABA (all of them if wabaID is empty),
// oldest first.
func (s *Store) Templates(ctx context.Context, wabaID string) ([]*wabi.Template, error) {
	var w where
	w.eq("waba_id", wabaID)
	return list(ctx, s.rdb, scanTemplate, "SELECT "+templateCols+" FROM templates"+w.String()+oldestFirst, w.args...)
}

const virtualPhoneCols = "wa_id, profile_name, behaviour, created_at"

func scanVirtualPhone(sc sqlrow.Scanner) (*wabi.VirtualPhone, error) {
	var p wabi.VirtualPhone
	var behaviour string
	var created int64
	if err := sc.Scan(&p.WaID, &p.ProfileName, &behaviour, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = sqlrow.FromNanos(created)
	return &p, sqlrow.FromJSON(behaviour, &p.Behaviour)
}

// PutVirtualPhone creates a virtual phone or replaces the one with its wa_id.
// A replaced phone keeps its creation time, and so its place in VirtualPhones.
func (s *Store) PutVirtualPhone(ctx context.Context, p *wabi.VirtualPhone) error {
	behaviour, err := sqlrow.ToJSON(p.Behaviour)
	if err != nil {
		return err
	}
	return s.exec(ctx, "virtual phone "+p.WaID, "", false,
		`INSERT INTO virtual_phones (`+virtualPhoneCols+`) VALUES (?, ?, ?, ?)
		ON CONFLICT (wa_id) DO UPDATE SET
			profile_name = excluded.profile_name,
			behaviour = excluded.behaviour`,
		p.WaID, p.ProfileName, behaviour, sqlrow.Nanos(p.CreatedAt))
}

// VirtualPhone returns the virtual phone with the wa_id; ENotFound if there is
// none.
func (s *Store) VirtualPhone(ctx context.Context, waID string) (*wabi.VirtualPhone, error) {
	p, err := scanVirtualPhone(s.rdb.QueryRowContext(ctx,
		"SELECT "+virtualPhoneCols+" FROM virtual_phones WHERE wa_id = ?", waID))
	if err != nil {
		return nil, readError(err, "virtual phone "+waID)
	}
	return p, nil
}

// VirtualPhones lists every virtual phone, oldest first.
func (s *Store) VirtualPhones(ctx context.Context) ([]*wabi.VirtualPhone, error) {
	return list(ctx, s.rdb, scanVirtualPhone, "SELECT "+virtualPhoneCols+" FROM virtual_phones"+oldestFirst)
}

// DeleteTemplate removes a template; ENotFound if there is none.
func (s *Store) DeleteTemplate(ctx context.Context, id string) error {
	return s.exec(ctx, "template "+id, "", true, "DELETE FROM templates WHERE id = ?", id)
}
