package platform

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// An On-Premises number is its own deployment, as each number had its own client
// at Meta: it has users who log in with a password and get 7-day bearer tokens,
// and settings of its own. Both live in the store as records scoped to the number.

// Deployment user roles, as the client names them.
const (
	RoleAdmin = "ROLE_ADMIN"
	RoleUser  = "ROLE_USER"
)

// Deployment defaults: the built-in account and the token lifetime.
const (
	AdminUsername        = "admin"
	DefaultAdminPassword = "secret"
	SessionTTL           = 7 * 24 * time.Hour
)

// Record kinds of a deployment.
const (
	recUser    = "user"
	recSession = "session"
)

// passwordIterations is the PBKDF2 work factor of stored passwords.
const passwordIterations = 100_000

// User is a user of an On-Premises deployment.
type User struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	// PasswordHash is "pbkdf2-sha256:<iterations>:<salt hex>:<key hex>".
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a logged-in user of a deployment: what a bearer token stands for.
type Session struct {
	PhoneNumberID string    `json:"phone_number_id"`
	Username      string    `json:"username"`
	Role          string    `json:"role"`
	ID            string    `json:"id"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// Admin reports whether the session is the admin account's.
func (s *Session) Admin() bool { return s.Role == RoleAdmin }

// Deployments returns the On-Premises numbers, oldest first.
func (p *Platform) Deployments(ctx context.Context) ([]*wabi.PhoneNumber, error) {
	all, err := p.store.PhoneNumbers(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []*wabi.PhoneNumber
	for _, pn := range all {
		if pn.Platform == wabi.PlatformOnPrem {
			out = append(out, pn)
		}
	}
	return out, nil
}

// deployment loads an On-Premises number; a number that moved to the Cloud API
// (or never was On-Premises) has no deployment any more.
func (p *Platform) deployment(ctx context.Context, phoneNumberID string) (*wabi.PhoneNumber, error) {
	pn, err := p.phoneNumber(ctx, phoneNumberID)
	if err != nil {
		return nil, err
	}
	if pn.Platform != wabi.PlatformOnPrem {
		return nil, wabi.Errorf(wabi.EWrongPlatform, "Phone number %s is served by the %s API; its On-Premises deployment is shut down.", pn.ID, pn.Platform)
	}
	return pn, nil
}

// Login checks a deployment user's password and returns a new bearer token that
// stays valid for SessionTTL. The admin account starts with the password "secret",
// which must be replaced at first login by passing newPassword; newPassword may
// change any user's password at login.
func (p *Platform) Login(ctx context.Context, phoneNumberID, username, password, newPassword string) (string, *Session, error) {
	pn, err := p.deployment(ctx, phoneNumberID)
	if err != nil {
		return "", nil, err
	}
	denied := wabi.Errorf(wabi.EUnauthenticated, "Invalid username or password.")
	u, err := p.user(ctx, pn.ID, username)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return "", nil, denied
	} else if err != nil {
		return "", nil, err
	}
	if !passwordMatches(u.PasswordHash, password) {
		return "", nil, denied
	}
	if newPassword == "" && u.PasswordHash == "" {
		return "", nil, wabi.Errorf(wabi.EPasswordChange, "The admin password is still the default one: log in with {\"new_password\": \"...\"} to set a new one.")
	}
	if newPassword != "" {
		if err := checkPassword(newPassword); err != nil {
			return "", nil, err
		}
		u.PasswordHash = hashPassword(newPassword)
		if err := p.putUser(ctx, pn.ID, u); err != nil {
			return "", nil, err
		}
	}
	now := p.clock.Now()
	s := &Session{PhoneNumberID: pn.ID, Username: u.Username, Role: u.Role, ID: wabi.RandomHex(16), ExpiresAt: now.Add(SessionTTL)}
	v, err := json.Marshal(s)
	if err != nil {
		return "", nil, err
	}
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: pn.ID, Kind: recSession, Key: sessionKey(s.Username, s.ID),
		Value: v, ExpiresAt: s.ExpiresAt, UpdatedAt: now}); err != nil {
		return "", nil, err
	}
	return p.signSession(s), s, nil
}

// sessionKey names a session's record so that a user's sessions share a prefix.
func sessionKey(username, id string) string { return username + "/" + id }

// sessionClaims is the payload of a bearer token.
type sessionClaims struct {
	Subject string `json:"sub"`
	Number  string `json:"wabi_pn"`
	ID      string `json:"jti"`
	Expires int64  `json:"exp"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signSession returns the bearer token of a session: a JWT signed with a key
// derived from the platform's URL key, so every node sharing that key accepts it
// (as WA_WEB_JWT_CRYPTO_KEY does for the client's web apps).
func (p *Platform) signSession(s *Session) string {
	claims, _ := json.Marshal(sessionClaims{Subject: s.Username, Number: s.PhoneNumberID, ID: s.ID, Expires: s.ExpiresAt.Unix()})
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(p.sessionMAC(unsigned))
}

func (p *Platform) sessionMAC(unsigned string) []byte {
	m := hmac.New(sha256.New, append([]byte("wabi on-premises session\x00"), p.URLKey...))
	m.Write([]byte(unsigned))
	return m.Sum(nil)
}

// AuthenticateSession turns a deployment bearer token into a caller. A token
// that is malformed, forged, expired, logged out or of a deleted user is
// EInvalidToken.
func (p *Platform) AuthenticateSession(ctx context.Context, token string) (Caller, error) {
	if token == "" {
		return Caller{}, wabi.Errorf(wabi.EUnauthenticated, "This endpoint needs a bearer token from POST /v1/users/login.")
	}
	invalid := wabi.Errorf(wabi.EInvalidToken, "The bearer token is invalid or expired. Log in again.")
	unsigned, sig, ok := strings.Cut(token, ".")
	if ok {
		var payload string
		payload, sig, ok = strings.Cut(sig, ".")
		unsigned += "." + payload
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, p.sessionMAC(unsigned)) {
		return Caller{}, invalid
	}
	_, payload, _ := strings.Cut(unsigned, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	var cl sessionClaims
	if err != nil || json.Unmarshal(raw, &cl) != nil {
		return Caller{}, invalid
	}
	now := p.clock.Now()
	if now.Unix() >= cl.Expires {
		return Caller{}, invalid
	}
	key := "session:" + cl.Number + "|" + sessionKey(cl.Subject, cl.ID)
	if v, ok := p.cache.get(key, now); ok {
		return Caller{Session: v.(*Session)}, nil
	}
	rec, err := p.store.Record(ctx, cl.Number, recSession, sessionKey(cl.Subject, cl.ID))
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return Caller{}, invalid
	} else if err != nil {
		return Caller{}, err
	}
	var s Session
	if err := json.Unmarshal(rec.Value, &s); err != nil {
		return Caller{}, fmt.Errorf("platform: session record: %w", err)
	}
	if !now.Before(s.ExpiresAt) {
		return Caller{}, invalid
	}
	p.cache.put(key, &s, now.Add(p.CacheTTL))
	return Caller{Session: &s}, nil
}

// Logout revokes the caller's token; the user's other tokens stay valid.
func (p *Platform) Logout(ctx context.Context, c Caller) error {
	s, err := sessionOf(c)
	if err != nil {
		return err
	}
	p.drop("session:" + s.PhoneNumberID + "|" + sessionKey(s.Username, s.ID))
	err = p.store.DeleteRecord(ctx, s.PhoneNumberID, recSession, sessionKey(s.Username, s.ID))
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return wabi.Errorf(wabi.EInvalidToken, "The bearer token was already logged out.")
	}
	return err
}

func sessionOf(c Caller) (*Session, error) {
	if c.Session == nil {
		return nil, wabi.Errorf(wabi.EUnauthenticated, "This endpoint needs a bearer token from POST /v1/users/login.")
	}
	return c.Session, nil
}

// RequireAdmin checks that the caller is the deployment's admin account, which
// alone may change settings, registration and backups.
func RequireAdmin(c Caller) error {
	s, err := sessionOf(c)
	if err != nil {
		return err
	}
	if !s.Admin() {
		return wabi.Errorf(wabi.EPermission, "User %s is not an admin: this endpoint needs the admin account.", s.Username)
	}
	return nil
}

// DeploymentOf returns the number the caller's deployment serves: the number of
// its session, which must still be On-Premises.
func (p *Platform) DeploymentOf(ctx context.Context, c Caller) (*wabi.PhoneNumber, error) {
	s, err := sessionOf(c)
	if err != nil {
		return nil, err
	}
	return p.deployment(ctx, s.PhoneNumberID)
}

// CreateUser adds a ROLE_USER user to the caller's deployment (admin only).
func (p *Platform) CreateUser(ctx context.Context, c Caller, username, password string) (*User, error) {
	if err := RequireAdmin(c); err != nil {
		return nil, err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := checkUsername(username); err != nil {
		return nil, err
	}
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	if _, err := p.user(ctx, pn.ID, username); err == nil {
		return nil, wabi.Errorf(wabi.EUserExists, "Unable to create user. Already exist?")
	} else if wabi.ErrorCode(err) != wabi.ENotFound {
		return nil, err
	}
	u := &User{Username: username, Role: RoleUser, PasswordHash: hashPassword(password), CreatedAt: p.clock.Now()}
	return u, p.putUser(ctx, pn.ID, u)
}

// User returns a user of the caller's deployment: any user may read their own
// record, the admin anyone's.
func (p *Platform) User(ctx context.Context, c Caller, username string) (*User, error) {
	pn, err := p.userAccess(ctx, c, username)
	if err != nil {
		return nil, err
	}
	return p.user(ctx, pn.ID, username)
}

// SetPassword changes a user's password. Tokens issued before stay valid, as in
// the client.
func (p *Platform) SetPassword(ctx context.Context, c Caller, username, password string) (*User, error) {
	pn, err := p.userAccess(ctx, c, username)
	if err != nil {
		return nil, err
	}
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	u, err := p.user(ctx, pn.ID, username)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hashPassword(password)
	return u, p.putUser(ctx, pn.ID, u)
}

// DeleteUser deletes a user and revokes every token of theirs (admin only). The
// admin account cannot be deleted.
func (p *Platform) DeleteUser(ctx context.Context, c Caller, username string) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	if username == AdminUsername {
		return wabi.Errorf(wabi.EInvalidValue, "The admin account cannot be deleted.")
	}
	if err := p.store.DeleteRecord(ctx, pn.ID, recUser, username); err != nil {
		if wabi.ErrorCode(err) == wabi.ENotFound {
			return wabi.Errorf(wabi.ENotFound, "There is no user %s.", username)
		}
		return err
	}
	if _, err := p.store.DeleteRecords(ctx, pn.ID, recSession, username+"/"); err != nil {
		return err
	}
	p.dropPrefix("session:" + pn.ID + "|" + username + "/")
	return nil
}

// userAccess checks that the caller may see or change the user.
func (p *Platform) userAccess(ctx context.Context, c Caller, username string) (*wabi.PhoneNumber, error) {
	s, err := sessionOf(c)
	if err != nil {
		return nil, err
	}
	if !s.Admin() && s.Username != username {
		return nil, wabi.Errorf(wabi.EPermission, "User %s may only read and change their own account.", s.Username)
	}
	return p.deployment(ctx, s.PhoneNumberID)
}

// user loads a deployment user. The admin account exists before it was ever
// saved, with the default password and an empty hash that marks it.
func (p *Platform) user(ctx context.Context, phoneNumberID, username string) (*User, error) {
	rec, err := p.store.Record(ctx, phoneNumberID, recUser, username)
	if wabi.ErrorCode(err) == wabi.ENotFound && username == AdminUsername {
		return &User{Username: AdminUsername, Role: RoleAdmin}, nil
	} else if err != nil {
		if wabi.ErrorCode(err) == wabi.ENotFound {
			return nil, wabi.Errorf(wabi.ENotFound, "There is no user %s.", username)
		}
		return nil, err
	}
	var u User
	if err := json.Unmarshal(rec.Value, &u); err != nil {
		return nil, fmt.Errorf("platform: user record: %w", err)
	}
	return &u, nil
}

func (p *Platform) putUser(ctx context.Context, phoneNumberID string, u *User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = p.clock.Now()
	}
	v, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: recUser, Key: u.Username, Value: v, UpdatedAt: p.clock.Now()})
}

func checkUsername(name string) error {
	if name == "" {
		return wabi.Errorf(wabi.ERequired, "Parameter 'username' is required.")
	}
	if len(name) > 64 || strings.ContainsAny(name, "/ \t\r\n") {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'username' must be at most 64 characters without spaces or slashes.")
	}
	return nil
}

// passwordSpecials are the special characters the client's password policy counts.
const passwordSpecials = "!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~"

// checkPassword applies the client's password policy: 8 to 64 characters with at
// least one digit, one upper-case letter, one lower-case letter and one special
// character.
func checkPassword(pw string) error {
	var digit, upper, lower, special bool
	for _, r := range pw {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case strings.ContainsRune(passwordSpecials, r):
			special = true
		}
	}
	if n := len([]rune(pw)); n < 8 || n > 64 || !digit || !upper || !lower || !special {
		return wabi.Errorf(wabi.EInvalidValue, "Password must be 8 to 64 characters long with at least one digit, one upper-case letter, one lower-case letter and one special character (%s).", passwordSpecials)
	}
	return nil
}

// hashPassword stores a password as a salted PBKDF2-SHA256 key.
func hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key, _ := pbkdf2.Key(sha256.New, pw, salt, passwordIterations, 32)
	return fmt.Sprintf("pbkdf2-sha256:%d:%s:%s", passwordIterations, hex.EncodeToString(salt), hex.EncodeToString(key))
}

// passwordMatches checks a password against its stored hash; the empty hash is
// the admin account's default password.
func passwordMatches(stored, pw string) bool {
	if stored == "" {
		return subtle.ConstantTimeCompare([]byte(pw), []byte(DefaultAdminPassword)) == 1
	}
	var iter int
	parts := strings.Split(stored, ":")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	if _, err := fmt.Sscan(parts[1], &iter); err != nil || iter < 1 {
		return false
	}
	salt, err1 := hex.DecodeString(parts[2])
	want, err2 := hex.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, pw, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(key, want) == 1
}

// MonitorCaller is the caller of a monitoring endpoint that presented the API
// key: a read-only user of the deployment.
func MonitorCaller(phoneNumberID string) Caller {
	return Caller{Session: &Session{PhoneNumberID: phoneNumberID, Username: "apikey", Role: RoleUser}}
}
