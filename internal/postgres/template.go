package postgres

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
	if err := sc.Scan(&t.ID, &t.WABAID, &t.Name, &t.Language, &t.Category, &t.Status, &components,
		&t.ParameterFormat, &t.RejectedReason, &created, &t.QualityScore, &t.PreviousCategory,
		&t.AllowCategoryChange, &updated, &edits); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = sqlrow.FromNanos(created), sqlrow.FromNanos(updated)
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
	return []any{t.WABAID, t.Name, t.Language, string(t.Category), string(t.Status), components,
		t.ParameterFormat, t.RejectedReason, sqlrow.Nanos(t.CreatedAt), t.QualityScore, t.PreviousCategory,
		t.AllowCategoryChange, sqlrow.Nanos(t.UpdatedAt), edits, t.ID}, nil
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
			edits, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
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
		`UPDATE templates SET waba_id = $1, name = $2, language = $3, category = $4, status = $5,
			components = $6, parameter_format = $7, rejected_reason = $8, created_at = $9, quality_score = $10,
			previous_category = $11, allow_category_change = $12, updated_at = $13, edits = $14 WHERE id = $15`,
		args...)
}

// Template returns a template; ENotFound if there is none.
func (s *Store) Template(ctx context.Context, id string) (*wabi.Template, error) {
	t, err := scanTemplate(s.pool.QueryRow(ctx, "SELECT "+templateCols+" FROM templates WHERE id = $1", id))
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
	return list(ctx, s.pool, scanTemplate, "SELECT "+templateCols+" FROM templates"+w.String()+oldestFirst, w.args...)
}

// DeleteTemplate removes a template; ENotFound if there is none.
func (s *Store) DeleteTemplate(ctx context.Context, id string) error {
	return s.exec(ctx, "template "+id, "", true, "DELETE FROM templates WHERE id = $1", id)
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
		`INSERT INTO virtual_phones (`+virtualPhoneCols+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (wa_id) DO UPDATE SET
			profile_name = excluded.profile_name,
			behaviour = excluded.behaviour`,
		p.WaID, p.ProfileName, behaviour, sqlrow.Nanos(p.CreatedAt))
}

// VirtualPhone returns the virtual phone with the wa_id; ENotFound if there is
// none.
func (s *Store) VirtualPhone(ctx context.Context, waID string) (*wabi.VirtualPhone, error) {
	p, err := scanVirtualPhone(s.pool.QueryRow(ctx,
		"SELECT "+virtualPhoneCols+" FROM virtual_phones WHERE wa_id = $1", waID))
	if err != nil {
		return nil, readError(err, "virtual phone "+waID)
	}
	return p, nil
}

// VirtualPhones lists every virtual phone, oldest first.
func (s *Store) VirtualPhones(ctx context.Context) ([]*wabi.VirtualPhone, error) {
	return list(ctx, s.pool, scanVirtualPhone, "SELECT "+virtualPhoneCols+" FROM virtual_phones"+oldestFirst)
}
