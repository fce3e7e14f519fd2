package postgres

import (
	"context"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// templateName names a template in errors.
func templateName(t *wabi.Template) string {
	return "template " + t.ID + " (" + t.Name + ", " + t.Language + ")"
}

// CreateTemplate stores a new template; EConflict if its id or its (WABA, name,
// language) exists, ENotFound if its WABA does not.
func (s *Store) CreateTemplate(ctx context.Context, t *wabi.Template) error {
	args, err := sqlrow.TemplateArgs(t)
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
	args, err := sqlrow.TemplateArgs(t)
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
	t, err := sqlrow.ScanTemplate(s.pool.QueryRow(ctx, "SELECT "+sqlrow.TemplateCols+" FROM templates WHERE id = $1", id))
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
	return list(ctx, s.pool, sqlrow.ScanTemplate, "SELECT "+sqlrow.TemplateCols+" FROM templates"+w.String()+oldestFirst, w.args...)
}

// DeleteTemplate removes a template; ENotFound if there is none.
func (s *Store) DeleteTemplate(ctx context.Context, id string) error {
	return s.exec(ctx, "template "+id, "", true, "DELETE FROM templates WHERE id = $1", id)
}

// PutVirtualPhone creates a virtual phone or replaces the one with its wa_id.
// A replaced phone keeps its creation time, and so its place in VirtualPhones.
func (s *Store) PutVirtualPhone(ctx context.Context, p *wabi.VirtualPhone) error {
	args, err := sqlrow.VirtualPhoneArgs(p)
	if err != nil {
		return err
	}
	return s.exec(ctx, "virtual phone "+p.WaID, "", false,
		`INSERT INTO virtual_phones (`+sqlrow.VirtualPhoneCols+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (wa_id) DO UPDATE SET
			profile_name = excluded.profile_name,
			behaviour = excluded.behaviour`,
		args...)
}

// VirtualPhone returns the virtual phone with the wa_id; ENotFound if there is
// none.
func (s *Store) VirtualPhone(ctx context.Context, waID string) (*wabi.VirtualPhone, error) {
	p, err := sqlrow.ScanVirtualPhone(s.pool.QueryRow(ctx,
		"SELECT "+sqlrow.VirtualPhoneCols+" FROM virtual_phones WHERE wa_id = $1", waID))
	if err != nil {
		return nil, readError(err, "virtual phone "+waID)
	}
	return p, nil
}

// VirtualPhones lists every virtual phone, oldest first.
func (s *Store) VirtualPhones(ctx context.Context) ([]*wabi.VirtualPhone, error) {
	return list(ctx, s.pool, sqlrow.ScanVirtualPhone, "SELECT "+sqlrow.VirtualPhoneCols+" FROM virtual_phones"+oldestFirst)
}
