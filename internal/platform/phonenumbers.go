package platform

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Values of a phone number's status fields, as Meta spells them.
const (
	CodeVerified    = "VERIFIED"
	CodeNotVerified = "NOT_VERIFIED"

	NameApproved               = "APPROVED"
	NameAvailableWithoutReview = "AVAILABLE_WITHOUT_REVIEW"

	ThroughputStandard = "STANDARD"

	// DefaultMessagingLimit is the tier of every new number: a business starts
	// at 250 unique business-initiated recipients a day.
	DefaultMessagingLimit = "TIER_250"
)

// Registration rules. The code lifetime and the register limit are Meta's; the
// PIN guessing rules are wabi's, since Meta publishes none.
const (
	// CodeTTL is how long an ownership verification code can be verified.
	CodeTTL = 10 * time.Minute
	// RegistrationWindow and MaxRegistrations: at most 10 register and deregister
	// calls per number in any 72 hours.
	RegistrationWindow = 72 * time.Hour
	MaxRegistrations   = 10
	// MaxPINGuesses wrong PINs in a row lock registration for PINLockout.
	MaxPINGuesses = 5
	PINLockout    = time.Hour
	// PINRetryDelay is how long after a wrong PIN the next try is too fast.
	PINRetryDelay = 10 * time.Second
)

// codeLanguage matches the language of a code request: en, en_US, pt_BR.
var codeLanguage = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

// dataRegion matches an ISO 3166 country code for Local Storage.
var dataRegion = regexp.MustCompile(`^[A-Z]{2}$`)

// PhoneNumbers lists the numbers of a WABA the caller manages, oldest first.
func (p *Platform) PhoneNumbers(ctx context.Context, c Caller, wabaID string) ([]*wabi.PhoneNumber, error) {
	if _, err := p.wabaFor(ctx, c, wabaID, wabi.ScopeManagement); err != nil {
		return nil, err
	}
	return p.store.PhoneNumbers(ctx, wabaID)
}

// PhoneNumber returns a number the caller manages.
func (p *Platform) PhoneNumber(ctx context.Context, c Caller, id string) (*wabi.PhoneNumber, error) {
	pn, _, err := p.numberFor(ctx, c, id, wabi.ScopeManagement)
	return pn, err
}

// managedNumber loads a number afresh from the store, for a change: the cached
// copy may be a moment old. The caller must manage the number's WABA.
func (p *Platform) managedNumber(ctx context.Context, c Caller, id string) (*wabi.PhoneNumber, *wabi.WABA, error) {
	if _, _, err := p.numberFor(ctx, c, id, wabi.ScopeManagement); err != nil {
		return nil, nil, err
	}
	pn, err := p.store.PhoneNumber(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	return pn, w, err
}

// saveNumber writes a changed number and drops the cached copy.
func (p *Platform) saveNumber(ctx context.Context, pn *wabi.PhoneNumber) error {
	if err := p.store.UpdatePhoneNumber(ctx, pn); err != nil {
		return err
	}
	p.drop("pn:" + pn.ID)
	return nil
}

// AddNumber says what number a business adds to a WABA
// (POST /{waba-id}/phone_numbers).
type AddNumber struct {
	WABAID string
	// CC is the country calling code ("1"); PhoneNumber the rest of the number.
	CC           string
	PhoneNumber  string
	VerifiedName string
	// Migrate marks a number coming from another WABA or API. An On-Premises
	// number already in the WABA is returned as it is, ready for the register
	// call with its backup; any other number is added like any other.
	Migrate bool
}

// AddPhoneNumber adds a number to a WABA the caller manages. The number starts
// unregistered and unverified: its owner proves it with RequestCode and
// VerifyCode, then registers it. A number that exists is ENumberExists.
func (p *Platform) AddPhoneNumber(ctx context.Context, c Caller, n AddNumber) (*wabi.PhoneNumber, error) {
	if _, err := p.wabaFor(ctx, c, n.WABAID, wabi.ScopeManagement); err != nil {
		return nil, err
	}
	cc := strings.TrimPrefix(strings.TrimSpace(n.CC), "+")
	if cc == "" || len(cc) > 3 || onlyDigits(cc) != cc {
		return nil, wabi.Errorf(wabi.EInvalidParam, "Param cc must be a country calling code of 1 to 3 digits, not %q.", n.CC)
	}
	pn, err := p.CreatePhoneNumber(ctx, NewPhoneNumber{
		WABAID: n.WABAID, Number: cc + onlyDigits(n.PhoneNumber), VerifiedName: n.VerifiedName,
		NameStatus: NameAvailableWithoutReview, QualityRating: "UNKNOWN",
	})
	if wabi.ErrorCode(err) == wabi.EConflict && n.Migrate {
		if existing := p.onPremNumber(ctx, n.WABAID, cc+onlyDigits(n.PhoneNumber)); existing != nil {
			return existing, nil
		}
	}
	if wabi.ErrorCode(err) == wabi.EConflict {
		return nil, wabi.Errorf(wabi.ENumberExists, "Phone number +%s%s was already added to a WhatsApp Business Account.", cc, onlyDigits(n.PhoneNumber))
	}
	return pn, err
}

// onPremNumber returns the WABA's On-Premises number with the digits, or nil.
func (p *Platform) onPremNumber(ctx context.Context, wabaID, digits string) *wabi.PhoneNumber {
	ps, err := p.store.PhoneNumbers(ctx, wabaID)
	if err != nil {
		return nil
	}
	for _, pn := range ps {
		if pn.DisplayPhoneNumber == digits && pn.Platform == wabi.PlatformOnPrem {
			return pn
		}
	}
	return nil
}

// RequestCode sends a 6-digit ownership verification code to the number. On the
// simulated network the code lands on the number's simulated SIM: the control
// API shows it as the number's pending_code until it expires after CodeTTL.
func (p *Platform) RequestCode(ctx context.Context, c Caller, id, method, language string) error {
	switch strings.ToUpper(method) {
	case "SMS", "VOICE":
	case "":
		return wabi.Errorf(wabi.EBadRequest, "The parameter code_method is required.")
	default:
		return wabi.Errorf(wabi.EInvalidParam, "Param code_method must be SMS or VOICE, not %q.", method)
	}
	if language == "" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter language is required.")
	}
	if !codeLanguage.MatchString(language) {
		return wabi.Errorf(wabi.EInvalidParam, "Param language must be a locale code such as en or en_US, not %q.", language)
	}
	pn, _, err := p.managedNumber(ctx, c, id)
	if err != nil {
		return err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return fmt.Errorf("platform: verification code: %w", err)
	}
	pn.PendingCode = fmt.Sprintf("%06d", n.Int64())
	pn.PendingCodeExpiresAt = p.clock.Now().Add(CodeTTL)
	if err := p.saveNumber(ctx, pn); err != nil {
		return err
	}
	p.logger().Info("verification code sent to the simulated SIM", "phone_number_id", pn.ID,
		"number", pn.DisplayPhoneNumber, "method", strings.ToUpper(method), "code", pn.PendingCode)
	return nil
}

// VerifyCode checks the code sent by RequestCode. A right code verifies the
// number's ownership and is used up; a wrong, expired or unrequested one is
// EVerifyCode.
func (p *Platform) VerifyCode(ctx context.Context, c Caller, id, code string) error {
	if code == "" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter code is required.")
	}
	pn, _, err := p.managedNumber(ctx, c, id)
	if err != nil {
		return err
	}
	switch {
	case pn.PendingCode == "":
		return wabi.Errorf(wabi.EVerifyCode, "No code is pending for phone number %s. Call request_code first.", pn.ID)
	case !p.clock.Now().Before(pn.PendingCodeExpiresAt):
		return wabi.Errorf(wabi.EVerifyCode, "The code expired %s after it was requested. Call request_code for a new one.", CodeTTL)
	case subtle.ConstantTimeCompare([]byte(code), []byte(pn.PendingCode)) != 1:
		return wabi.Errorf(wabi.EVerifyCode, "The code does not match the code sent to the number.")
	}
	pn.PendingCode, pn.PendingCodeExpiresAt = "", time.Time{}
	pn.CodeVerificationStatus = CodeVerified
	return p.saveNumber(ctx, pn)
}

// Registration is a register call (POST /{phone-number-id}/register).
type Registration struct {
	// Via is the API the call came in on: the number is served there afterwards.
	Via wabi.Platform
	// PIN is the two-step verification PIN: it sets the PIN of a number that has
	// none, and must match the PIN of one that has.
	PIN string
	// DataLocalizationRegion asks for Local Storage in a country; wabi keeps
	// every message in its own store, so it only checks the value.
	DataLocalizationRegion string
	// Backup is set when the call carries an On-Premises backup: the call then
	// migrates the number from the On-Premises API.
	Backup *Backup
}

// Register registers a verified number so that it can send and receive. At most
// MaxRegistrations register and deregister calls per RegistrationWindow succeed.
func (p *Platform) Register(ctx context.Context, c Caller, id string, r Registration) error {
	if err := checkPIN(r.PIN); err != nil {
		return err
	}
	if r.DataLocalizationRegion != "" && !dataRegion.MatchString(r.DataLocalizationRegion) {
		return wabi.Errorf(wabi.EInvalidParam, "Param data_localization_region must be a two-letter country code such as DE, not %q.", r.DataLocalizationRegion)
	}
	pn, _, err := p.managedNumber(ctx, c, id)
	if err != nil {
		return err
	}
	if r.Backup != nil {
		if r.Backup.Data == "" || r.Backup.Password == "" {
			return wabi.Errorf(wabi.EInvalidParam, "Param backup must hold data and password.")
		}
		return p.migrate(ctx, pn, r)
	}
	if r.Via != "" && pn.Platform == wabi.PlatformOnPrem && r.Via != wabi.PlatformOnPrem {
		return wabi.Errorf(wabi.EWrongPlatform, "Phone number %s is on the On-Premises API: migrate it with the backup of its client (register with backup {data, password}).", pn.ID)
	}
	if r.Via != "" && pn.Registered && pn.Platform != r.Via {
		return wabi.Errorf(wabi.EWrongPlatform, "Phone number %s is registered on the %s API. Deregister it there first.", pn.ID, pn.Platform)
	}
	if pn.CodeVerificationStatus != CodeVerified {
		return wabi.Errorf(wabi.ENotVerified, "Verify the ownership of phone number %s with request_code and verify_code before registering it.", pn.ID)
	}
	now := p.clock.Now()
	if err := checkRegistrations(pn, now); err != nil {
		return err
	}
	if pn.PINHash == "" {
		pn.PINHash = hashPIN(r.PIN)
	} else if err := p.matchPIN(ctx, pn, r.PIN, now); err != nil {
		return err
	}
	pn.Registered = true
	if r.Via != "" {
		pn.Platform = r.Via
	}
	pn.Registrations = recordRegistration(pn.Registrations, now)
	return p.saveNumber(ctx, pn)
}

// Deregister takes a registered number off the network: it can no longer send.
// Deregistering counts towards the register limit.
func (p *Platform) Deregister(ctx context.Context, c Caller, id string) error {
	pn, _, err := p.managedNumber(ctx, c, id)
	if err != nil {
		return err
	}
	if !pn.Registered {
		return wabi.Errorf(wabi.EInvalidParam, "Phone number %s is not registered.", pn.ID)
	}
	now := p.clock.Now()
	if err := checkRegistrations(pn, now); err != nil {
		return err
	}
	pn.Registered = false
	pn.Registrations = recordRegistration(pn.Registrations, now)
	return p.saveNumber(ctx, pn)
}

// SetPIN sets or changes a number's two-step verification PIN
// (POST /{phone-number-id} with pin). There is no way to turn the PIN off.
func (p *Platform) SetPIN(ctx context.Context, c Caller, id, pin string) error {
	if err := checkPIN(pin); err != nil {
		return err
	}
	pn, _, err := p.managedNumber(ctx, c, id)
	if err != nil {
		return err
	}
	pn.PINHash = hashPIN(pin)
	if err := p.clearGuesses(ctx, pn.ID); err != nil {
		return err
	}
	return p.saveNumber(ctx, pn)
}

func checkPIN(pin string) error {
	if pin == "" {
		return wabi.Errorf(wabi.EBadRequest, "The parameter pin is required.")
	}
	if len(pin) != 6 || onlyDigits(pin) != pin {
		return wabi.Errorf(wabi.EInvalidParam, "Param pin must be exactly 6 digits.")
	}
	return nil
}

// checkRegistrations applies the limit of register and deregister calls.
func checkRegistrations(pn *wabi.PhoneNumber, now time.Time) error {
	recent := registrationsSince(pn.Registrations, now.Add(-RegistrationWindow))
	if len(recent) >= MaxRegistrations {
		next := recent[len(recent)-MaxRegistrations].Add(RegistrationWindow)
		return wabi.Errorf(wabi.ERegisterLimit, "Phone number %s was registered or deregistered %d times in the last 72 hours. The next call is possible at %s.",
			pn.ID, len(recent), next.UTC().Format(time.RFC3339))
	}
	return nil
}

// registrationsSince returns the calls after since.
func registrationsSince(ts []time.Time, since time.Time) []time.Time {
	var out []time.Time
	for _, t := range ts {
		if t.After(since) {
			out = append(out, t)
		}
	}
	return out
}

// recordRegistration adds a call and forgets those the limit no longer counts,
// keeping the last one: it tells when the number was last (de)registered.
func recordRegistration(ts []time.Time, now time.Time) []time.Time {
	kept := registrationsSince(ts, now.Add(-RegistrationWindow))
	if len(kept) == 0 && len(ts) > 0 {
		kept = append(kept, ts[len(ts)-1])
	}
	return append(kept, now)
}

// hashPIN stores a PIN as "sha256:<salt>:<digest>", salted per number. Six digits
// fall to any brute force; the hash only keeps the PIN out of plain sight in the
// database.
func hashPIN(pin string) string {
	salt := wabi.RandomHex(16)
	return "sha256:" + salt + ":" + pinDigest(salt, pin)
}

func pinDigest(salt, pin string) string {
	sum := sha256.Sum256([]byte(salt + ":" + pin))
	return hex.EncodeToString(sum[:])
}

// pinMatches reports whether pin is the one hashPIN stored as stored.
func pinMatches(stored, pin string) bool {
	parts := strings.Split(stored, ":")
	if len(parts) != 3 || parts[0] != "sha256" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(pinDigest(parts[1], pin)), []byte(parts[2])) == 1
}

// pinGuesses is the record of a number's wrong PINs. It is kept in the store,
// so that neither a restart nor another node gives a guesser a fresh start.
type pinGuesses struct {
	Wrong       int       `json:"wrong"`
	Last        time.Time `json:"last"`
	LockedUntil time.Time `json:"locked_until"`
}

// recPINGuesses is the record kind of a number's wrong PINs.
const recPINGuesses = "pin_guesses"

// clearGuesses forgets a number's wrong PINs.
func (p *Platform) clearGuesses(ctx context.Context, id string) error {
	_, err := p.store.DeleteRecords(ctx, id, recPINGuesses, "")
	return err
}

// matchPIN checks a PIN against the number's, refusing guesses while locked
// out or too soon after a wrong one. MaxPINGuesses wrong PINs in a row lock the
// number's registration for PINLockout; a right PIN clears the record.
func (p *Platform) matchPIN(ctx context.Context, pn *wabi.PhoneNumber, pin string, now time.Time) error {
	var g pinGuesses
	rec, err := p.store.Record(ctx, pn.ID, recPINGuesses, "")
	switch {
	case err == nil && now.Before(rec.ExpiresAt):
		if err := json.Unmarshal(rec.Value, &g); err != nil {
			return fmt.Errorf("platform: PIN guesses record: %w", err)
		}
	case err != nil && wabi.ErrorCode(err) != wabi.ENotFound:
		return err
	}
	switch {
	case now.Before(g.LockedUntil):
		return wabi.Errorf(wabi.EPINLocked, "Too many wrong PINs for phone number %s. Try again after %s.",
			pn.ID, g.LockedUntil.UTC().Format(time.RFC3339))
	case g.Wrong > 0 && now.Sub(g.Last) < PINRetryDelay:
		return wabi.Errorf(wabi.EPINTooFast, "Wait %s after a wrong PIN before trying again.", PINRetryDelay)
	}
	if pinMatches(pn.PINHash, pin) {
		return p.clearGuesses(ctx, pn.ID)
	}
	g.Wrong++
	g.Last = now
	exp := now.Add(PINLockout)
	if g.Wrong >= MaxPINGuesses {
		g.Wrong, g.LockedUntil = 0, exp
	}
	v, err := json.Marshal(g)
	if err != nil {
		return err
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: pn.ID, Kind: recPINGuesses, Value: v, ExpiresAt: exp, UpdatedAt: now}); err != nil {
		return err
	}
	return wabi.Errorf(wabi.EPINMismatch, "The PIN does not match the two-step verification PIN of phone number %s.", pn.ID)
}

// Number statuses, as the status field of a phone number reads.
const (
	StatusConnected    = "CONNECTED"
	StatusPending      = "PENDING"
	StatusDisconnected = "DISCONNECTED"
)

// NumberStatus is the status of a number: CONNECTED while registered,
// DISCONNECTED once deregistered, PENDING before its first registration.
func NumberStatus(pn *wabi.PhoneNumber) string {
	switch {
	case pn.Registered:
		return StatusConnected
	case len(pn.Registrations) > 0:
		return StatusDisconnected
	}
	return StatusPending
}

// LastOnboarded returns when the number was last registered, and false if that
// is not known: it never was, or it is deregistered and the register call is
// older than the calls wabi keeps. A number the operator created registered was
// onboarded when it was created.
func LastOnboarded(pn *wabi.PhoneNumber) (time.Time, bool) {
	n := len(pn.Registrations)
	switch {
	case pn.Registered && n > 0:
		return pn.Registrations[n-1], true
	case pn.Registered:
		return pn.CreatedAt, true
	case n >= 2:
		return pn.Registrations[n-2], true
	}
	return time.Time{}, false
}

// NumberWebhooks tells where the caller's app receives a number's webhooks:
// the app's callback URL and the WABA's override URL for the app, each "" if
// unset. Callers without an app (the operator) get two empty strings.
func (p *Platform) NumberWebhooks(ctx context.Context, c Caller, pn *wabi.PhoneNumber) (app, waba string, err error) {
	appID := ""
	switch {
	case c.App != nil:
		appID = c.App.ID
	case c.Token != nil:
		appID = c.Token.AppID
	}
	if appID == "" {
		return "", "", nil
	}
	a, err := p.app(ctx, appID)
	if err != nil {
		return "", "", err
	}
	subs, err := p.subscriptions(ctx, pn.WABAID)
	if err != nil {
		return "", "", err
	}
	for _, s := range subs {
		if s.AppID == appID {
			waba = s.OverrideCallbackURL
		}
	}
	return a.CallbackURL, waba, nil
}
