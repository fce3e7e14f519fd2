package sqlite

import (
	"context"

	"github.com/wabihq/wabi/internal/sqlrow"
	"github.com/wabihq/wabi/internal/wabi"
)

// Lists of the tenancy tree are oldest first; seq breaks ties of creation time
// in insertion order.
const oldestFirst = " ORDER BY created_at, seq"

// exec runs one statement through the writer. what and parent name the object
// and what it refers to, for the errors. When mustHit is set, a statement that
// touches no row is ENotFound (an update or delete of a missing object).
func (s *Store) exec(ctx context.Context, what, parent string, mustHit bool, query string, args ...any) error {
	return s.w.do(ctx, func(t *wtx) error {
		res, err := t.exec(query, args...)
		if err != nil {
			return writeError(err, what, parent)
		}
		if !mustHit {
			return nil
		}
		n, err := res.RowsAffected()
		if err != nil {
			return writeError(err, what, parent)
		}
		if n == 0 {
			return notFound(what)
		}
		return nil
	})
}

// Businesses.

// CreateBusiness stores a new business; EConflict if its id exists.
func (s *Store) CreateBusiness(ctx context.Context, b *wabi.Business) error {
	return s.exec(ctx, "business "+b.ID, "", false,
		"INSERT INTO businesses ("+sqlrow.BusinessCols+") VALUES (?, ?, ?)",
		sqlrow.BusinessArgs(b)...)
}

// Business returns a business; ENotFound if there is none.
func (s *Store) Business(ctx context.Context, id string) (*wabi.Business, error) {
	b, err := sqlrow.ScanBusiness(s.rdb.QueryRowContext(ctx,
		"SELECT "+sqlrow.BusinessCols+" FROM businesses WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "business "+id)
	}
	return b, nil
}

// Businesses lists every business, oldest first.
func (s *Store) Businesses(ctx context.Context) ([]*wabi.Business, error) {
	return list(ctx, s.rdb, sqlrow.ScanBusiness, "SELECT "+sqlrow.BusinessCols+" FROM businesses"+oldestFirst)
}

// WABAs.

// CreateWABA stores a new WABA; EConflict if its id exists, ENotFound if its
// business does not.
func (s *Store) CreateWABA(ctx context.Context, w *wabi.WABA) error {
	return s.exec(ctx, "waba "+w.ID, "business "+w.BusinessID, false,
		"INSERT INTO wabas ("+sqlrow.WABACols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		sqlrow.WABAArgs(w)...)
}

// WABA returns a WABA; ENotFound if there is none.
func (s *Store) WABA(ctx context.Context, id string) (*wabi.WABA, error) {
	w, err := sqlrow.ScanWABA(s.rdb.QueryRowContext(ctx, "SELECT "+sqlrow.WABACols+" FROM wabas WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "waba "+id)
	}
	return w, nil
}

// WABAs lists the WABAs of a business (all of them if businessID is empty),
// oldest first.
func (s *Store) WABAs(ctx context.Context, businessID string) ([]*wabi.WABA, error) {
	var w where
	w.eq("business_id", businessID)
	return list(ctx, s.rdb, sqlrow.ScanWABA, "SELECT "+sqlrow.WABACols+" FROM wabas"+w.String()+oldestFirst, w.args...)
}

// Phone numbers.

// CreatePhoneNumber stores a new phone number; EConflict if its id or display
// number exists, ENotFound if its WABA does not.
func (s *Store) CreatePhoneNumber(ctx context.Context, p *wabi.PhoneNumber) error {
	args, err := sqlrow.PhoneArgs(p)
	if err != nil {
		return err
	}
	return s.exec(ctx, "phone number +"+p.DisplayPhoneNumber, "waba "+p.WABAID, false,
		`INSERT INTO phone_numbers (waba_id, display_phone_number, verified_name, platform,
			registered, quality_rating, created_at, code_verification_status, name_status, throughput,
			messaging_limit, pin_hash, pending_code, pending_code_expires_at, registrations, id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		args...)
}

// UpdatePhoneNumber replaces a phone number; ENotFound if there is none,
// EConflict if its new display number is taken.
func (s *Store) UpdatePhoneNumber(ctx context.Context, p *wabi.PhoneNumber) error {
	args, err := sqlrow.PhoneArgs(p)
	if err != nil {
		return err
	}
	return s.exec(ctx, "phone number "+p.ID, "waba "+p.WABAID, true,
		`UPDATE phone_numbers SET waba_id = ?, display_phone_number = ?, verified_name = ?,
			platform = ?, registered = ?, quality_rating = ?, created_at = ?, code_verification_status = ?,
			name_status = ?, throughput = ?, messaging_limit = ?, pin_hash = ?, pending_code = ?,
			pending_code_expires_at = ?, registrations = ? WHERE id = ?`,
		args...)
}

// PhoneNumber returns a phone number; ENotFound if there is none.
func (s *Store) PhoneNumber(ctx context.Context, id string) (*wabi.PhoneNumber, error) {
	p, err := sqlrow.ScanPhone(s.rdb.QueryRowContext(ctx, "SELECT "+sqlrow.PhoneCols+" FROM phone_numbers WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "phone number "+id)
	}
	return p, nil
}

// PhoneNumbers lists the phone numbers of a WABA (all of them if wabaID is
// empty), oldest first.
func (s *Store) PhoneNumbers(ctx context.Context, wabaID string) ([]*wabi.PhoneNumber, error) {
	var w where
	w.eq("waba_id", wabaID)
	return list(ctx, s.rdb, sqlrow.ScanPhone, "SELECT "+sqlrow.PhoneCols+" FROM phone_numbers"+w.String()+oldestFirst, w.args...)
}

// Apps.

// CreateApp stores a new app; EConflict if its id exists, ENotFound if its
// business does not.
func (s *Store) CreateApp(ctx context.Context, a *wabi.App) error {
	args, err := sqlrow.AppArgs(a)
	if err != nil {
		return err
	}
	return s.exec(ctx, "app "+a.ID, "business "+a.BusinessID, false,
		`INSERT INTO apps (business_id, name, secret, callback_url, verify_token, fields,
			api_version, created_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
}

// UpdateApp replaces an app; ENotFound if there is none.
func (s *Store) UpdateApp(ctx context.Context, a *wabi.App) error {
	args, err := sqlrow.AppArgs(a)
	if err != nil {
		return err
	}
	return s.exec(ctx, "app "+a.ID, "business "+a.BusinessID, true,
		`UPDATE apps SET business_id = ?, name = ?, secret = ?, callback_url = ?, verify_token = ?,
			fields = ?, api_version = ?, created_at = ? WHERE id = ?`, args...)
}

// App returns an app; ENotFound if there is none.
func (s *Store) App(ctx context.Context, id string) (*wabi.App, error) {
	a, err := sqlrow.ScanApp(s.rdb.QueryRowContext(ctx, "SELECT "+sqlrow.AppCols+" FROM apps WHERE id = ?", id))
	if err != nil {
		return nil, readError(err, "app "+id)
	}
	return a, nil
}

// Apps lists the apps of a business (all of them if businessID is empty),
// oldest first.
func (s *Store) Apps(ctx context.Context, businessID string) ([]*wabi.App, error) {
	var w where
	w.eq("business_id", businessID)
	return list(ctx, s.rdb, sqlrow.ScanApp, "SELECT "+sqlrow.AppCols+" FROM apps"+w.String()+oldestFirst, w.args...)
}

// Subscriptions.

// PutSubscription creates or replaces the subscription of (WABAID, AppID); a
// replaced subscription keeps its creation time. ENotFound if the WABA or the app
// does not exist.
func (s *Store) PutSubscription(ctx context.Context, sub *wabi.Subscription) error {
	return s.exec(ctx, "subscription of app "+sub.AppID+" to waba "+sub.WABAID,
		"waba "+sub.WABAID+" or app "+sub.AppID, false,
		`INSERT INTO subscriptions (`+sqlrow.SubscriptionCols+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (waba_id, app_id) DO UPDATE SET
			override_callback_url = excluded.override_callback_url,
			verify_token = excluded.verify_token`,
		sqlrow.SubscriptionArgs(sub)...)
}

// DeleteSubscription removes a subscription; ENotFound if there is none.
func (s *Store) DeleteSubscription(ctx context.Context, wabaID, appID string) error {
	return s.exec(ctx, "subscription of app "+appID+" to waba "+wabaID, "", true,
		"DELETE FROM subscriptions WHERE waba_id = ? AND app_id = ?", wabaID, appID)
}

// Subscriptions lists the subscriptions of a WABA (all of them if wabaID is
// empty), oldest first.
func (s *Store) Subscriptions(ctx context.Context, wabaID string) ([]*wabi.Subscription, error) {
	var w where
	w.eq("waba_id", wabaID)
	return list(ctx, s.rdb, sqlrow.ScanSubscription,
		"SELECT "+sqlrow.SubscriptionCols+" FROM subscriptions"+w.String()+oldestFirst, w.args...)
}

// Tokens.

// CreateToken stores a new token; EConflict if its value exists, ENotFound if
// its business does not.
func (s *Store) CreateToken(ctx context.Context, t *wabi.Token) error {
	args, err := sqlrow.TokenArgs(t)
	if err != nil {
		return err
	}
	// A token's value is a secret: errors name the token by its name only.
	return s.exec(ctx, "token "+t.Name, "business "+t.BusinessID, false,
		"INSERT INTO tokens ("+sqlrow.TokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		args...)
}

// Token returns the token with the value; ENotFound if there is none.
func (s *Store) Token(ctx context.Context, value string) (*wabi.Token, error) {
	t, err := sqlrow.ScanToken(s.rdb.QueryRowContext(ctx, "SELECT "+sqlrow.TokenCols+" FROM tokens WHERE value = ?", value))
	if err != nil {
		return nil, readError(err, "token")
	}
	return t, nil
}

// Tokens lists the tokens of a business (all of them if businessID is empty),
// oldest first.
func (s *Store) Tokens(ctx context.Context, businessID string) ([]*wabi.Token, error) {
	var w where
	w.eq("business_id", businessID)
	return list(ctx, s.rdb, sqlrow.ScanToken, "SELECT "+sqlrow.TokenCols+" FROM tokens"+w.String()+oldestFirst, w.args...)
}

// DeleteToken removes a token; ENotFound if there is none.
func (s *Store) DeleteToken(ctx context.Context, value string) error {
	return s.exec(ctx, "token", "", true, "DELETE FROM tokens WHERE value = ?", value)
}
