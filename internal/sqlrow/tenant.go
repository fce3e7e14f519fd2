package sqlrow

import "github.com/wabihq/wabi/internal/wabi"

// BusinessCols are the columns of a business, in the order of ScanBusiness and
// BusinessArgs.
const BusinessCols = "id, name, created_at"

// ScanBusiness reads a row of BusinessCols.
func ScanBusiness(sc Scanner) (*wabi.Business, error) {
	var b wabi.Business
	var created int64
	if err := sc.Scan(&b.ID, &b.Name, &created); err != nil {
		return nil, err
	}
	b.CreatedAt = FromNanos(created)
	return &b, nil
}

// BusinessArgs returns the values of BusinessCols.
func BusinessArgs(b *wabi.Business) []any {
	return []any{b.ID, b.Name, Nanos(b.CreatedAt)}
}

// WABACols are the columns of a WABA, in the order of ScanWABA and WABAArgs.
const WABACols = "id, business_id, name, currency, timezone_id, namespace, created_at"

// ScanWABA reads a row of WABACols.
func ScanWABA(sc Scanner) (*wabi.WABA, error) {
	var w wabi.WABA
	var created int64
	if err := sc.Scan(&w.ID, &w.BusinessID, &w.Name, &w.Currency, &w.TimezoneID, &w.Namespace, &created); err != nil {
		return nil, err
	}
	w.CreatedAt = FromNanos(created)
	return &w, nil
}

// WABAArgs returns the values of WABACols.
func WABAArgs(w *wabi.WABA) []any {
	return []any{w.ID, w.BusinessID, w.Name, w.Currency, w.TimezoneID, w.Namespace, Nanos(w.CreatedAt)}
}

// PhoneCols are the columns of a phone number, in the order of ScanPhone.
// Registrations are a JSON list of unix nanoseconds.
const PhoneCols = `id, waba_id, display_phone_number, verified_name, platform, registered, quality_rating,
	created_at, code_verification_status, name_status, throughput, messaging_limit, pin_hash, pending_code,
	pending_code_expires_at, registrations`

// ScanPhone reads a row of PhoneCols.
func ScanPhone(sc Scanner) (*wabi.PhoneNumber, error) {
	var p wabi.PhoneNumber
	var created, codeExpires int64
	var registrations string
	if err := sc.Scan(&p.ID, &p.WABAID, &p.DisplayPhoneNumber, &p.VerifiedName, &p.Platform,
		&p.Registered, &p.QualityRating, &created, &p.CodeVerificationStatus, &p.NameStatus,
		&p.Throughput, &p.MessagingLimit, &p.PINHash, &p.PendingCode, &codeExpires, &registrations); err != nil {
		return nil, err
	}
	p.CreatedAt, p.PendingCodeExpiresAt = FromNanos(created), FromNanos(codeExpires)
	var ns []int64
	if err := FromJSON(registrations, &ns); err != nil {
		return nil, err
	}
	for _, n := range ns {
		p.Registrations = append(p.Registrations, FromNanos(n))
	}
	return &p, nil
}

// PhoneArgs returns the values of PhoneCols after the id, then the id: the
// order of an UPDATE ... WHERE id, which the INSERT follows too.
func PhoneArgs(p *wabi.PhoneNumber) ([]any, error) {
	ns := make([]int64, len(p.Registrations))
	for i, t := range p.Registrations {
		ns[i] = Nanos(t)
	}
	registrations, err := ToJSON(ns)
	if err != nil {
		return nil, err
	}
	// A bool is stored as a boolean, or as SQLite's 0 or 1 by its driver.
	return []any{p.WABAID, p.DisplayPhoneNumber, p.VerifiedName, string(p.Platform),
		p.Registered, p.QualityRating, Nanos(p.CreatedAt), p.CodeVerificationStatus, p.NameStatus,
		p.Throughput, p.MessagingLimit, p.PINHash, p.PendingCode, Nanos(p.PendingCodeExpiresAt),
		registrations, p.ID}, nil
}

// AppCols are the columns of an app, in the order of ScanApp. Fields are a
// JSON list.
const AppCols = "id, business_id, name, secret, callback_url, verify_token, fields, api_version, created_at"

// ScanApp reads a row of AppCols.
func ScanApp(sc Scanner) (*wabi.App, error) {
	var a wabi.App
	var fields string
	var created int64
	if err := sc.Scan(&a.ID, &a.BusinessID, &a.Name, &a.Secret, &a.CallbackURL, &a.VerifyToken,
		&fields, &a.APIVersion, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = FromNanos(created)
	return &a, FromJSON(fields, &a.Fields)
}

// AppArgs returns the values of AppCols after the id, then the id.
func AppArgs(a *wabi.App) ([]any, error) {
	fields, err := ToJSON(a.Fields)
	if err != nil {
		return nil, err
	}
	return []any{a.BusinessID, a.Name, a.Secret, a.CallbackURL, a.VerifyToken, fields,
		a.APIVersion, Nanos(a.CreatedAt), a.ID}, nil
}

// SubscriptionCols are the columns of a subscription, in the order of
// ScanSubscription and SubscriptionArgs.
const SubscriptionCols = "waba_id, app_id, override_callback_url, verify_token, created_at"

// ScanSubscription reads a row of SubscriptionCols.
func ScanSubscription(sc Scanner) (*wabi.Subscription, error) {
	var sub wabi.Subscription
	var created int64
	if err := sc.Scan(&sub.WABAID, &sub.AppID, &sub.OverrideCallbackURL, &sub.VerifyToken, &created); err != nil {
		return nil, err
	}
	sub.CreatedAt = FromNanos(created)
	return &sub, nil
}

// SubscriptionArgs returns the values of SubscriptionCols.
func SubscriptionArgs(sub *wabi.Subscription) []any {
	return []any{sub.WABAID, sub.AppID, sub.OverrideCallbackURL, sub.VerifyToken, Nanos(sub.CreatedAt)}
}

// TokenCols are the columns of a token, in the order of ScanToken and
// TokenArgs. WABA ids and scopes are JSON lists.
const TokenCols = "value, business_id, app_id, name, waba_ids, scopes, created_at"

// ScanToken reads a row of TokenCols.
func ScanToken(sc Scanner) (*wabi.Token, error) {
	var t wabi.Token
	var wabaIDs, scopes string
	var created int64
	if err := sc.Scan(&t.Value, &t.BusinessID, &t.AppID, &t.Name, &wabaIDs, &scopes, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = FromNanos(created)
	if err := FromJSON(wabaIDs, &t.WABAIDs); err != nil {
		return nil, err
	}
	return &t, FromJSON(scopes, &t.Scopes)
}

// TokenArgs returns the values of TokenCols.
func TokenArgs(t *wabi.Token) ([]any, error) {
	wabaIDs, err := ToJSON(t.WABAIDs)
	if err != nil {
		return nil, err
	}
	scopes, err := ToJSON(t.Scopes)
	if err != nil {
		return nil, err
	}
	return []any{t.Value, t.BusinessID, t.AppID, t.Name, wabaIDs, scopes, Nanos(t.CreatedAt)}, nil
}
