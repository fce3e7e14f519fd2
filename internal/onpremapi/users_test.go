package onpremapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUsers(t *testing.T) {
	s := newStack(t)
	admin := s.mustAdmin()

	// Basic auth is required, and wrong passwords are refused alike.
	wantError(t, s.do("POST", "/v1/users/login", "", nil), http.StatusUnauthorized, 1005)
	wantError(t, s.login("", "admin", "nope", nil), http.StatusUnauthorized, 1005)
	wantError(t, s.login("", "nobody", newPassword, nil), http.StatusUnauthorized, 1005)

	// The admin creates a user; a duplicate is the client's 1014.
	r := s.do("POST", "/v1/users", admin, map[string]string{"username": "ops", "password": "0ps-Passw0rd"})
	wantOK(t, r, http.StatusCreated)
	if !strings.Contains(string(r.raw), `"users":[{"username":"ops"}]`) {
		t.Errorf("create user answer: %s", r.raw)
	}
	wantError(t, s.do("POST", "/v1/users", admin, map[string]string{"username": "ops", "password": "0ps-Passw0rd"}), http.StatusConflict, 1014)
	wantError(t, s.do("POST", "/v1/users", admin, map[string]string{"username": "weak", "password": "password"}), http.StatusBadRequest, 1009)

	// The user logs in (no password change needed) and sees their own role.
	ops := tokenOf(t, s.login("", "ops", "0ps-Passw0rd", nil))
	r = s.do("GET", "/v1/users/ops", ops, nil)
	wantOK(t, r, http.StatusOK)
	if !strings.Contains(string(r.raw), `"users":[{"ROLES":"ROLE_USER","username":"ops"}]`) {
		t.Errorf("get user: %s", r.raw)
	}
	r = s.do("GET", "/v1/users/admin", admin, nil)
	if !strings.Contains(string(r.raw), `"ROLES":"ROLE_ADMIN"`) {
		t.Errorf("get admin: %s", r.raw)
	}

	// A user may not manage others nor touch admin-only settings.
	wantError(t, s.do("GET", "/v1/users/admin", ops, nil), http.StatusForbidden, 1005)
	wantError(t, s.do("POST", "/v1/users", ops, map[string]string{"username": "x", "password": "0ps-Passw0rd"}), http.StatusForbidden, 1005)
	wantError(t, s.do("GET", "/v1/settings/application", ops, nil), http.StatusForbidden, 1005)
	wantError(t, s.do("DELETE", "/v1/users/admin", admin, nil), http.StatusBadRequest, 1009)

	// Changing a password keeps the tokens; the new password logs in.
	wantOK(t, s.do("PUT", "/v1/users/ops", ops, map[string]string{"password": "N3w-0ps-pass"}), http.StatusOK)
	wantOK(t, s.do("GET", "/v1/users/ops", ops, nil), http.StatusOK)
	wantError(t, s.login("", "ops", "0ps-Passw0rd", nil), http.StatusUnauthorized, 1005)
	ops2 := tokenOf(t, s.login("", "ops", "N3w-0ps-pass", nil))

	// Logout revokes only the token presented.
	wantOK(t, s.do("POST", "/v1/users/logout", ops, nil), http.StatusOK)
	wantError(t, s.do("GET", "/v1/users/ops", ops, nil), http.StatusUnauthorized, 1005)
	wantOK(t, s.do("GET", "/v1/users/ops", ops2, nil), http.StatusOK)

	// Deleting the user revokes every token of theirs.
	wantOK(t, s.do("DELETE", "/v1/users/ops", admin, nil), http.StatusOK)
	wantError(t, s.do("GET", "/v1/users/ops", ops2, nil), http.StatusUnauthorized, 1005)
	wantError(t, s.do("DELETE", "/v1/users/ops", admin, nil), http.StatusNotFound, 1006)
}

func TestTokens(t *testing.T) {
	s := newStack(t)
	admin := s.mustAdmin()
	// A forged or mangled token is refused; so is a token of one deployment on
	// another's path.
	for _, tok := range []string{"garbage", admin + "x", strings.Replace(admin, ".", ".e30", 1)} {
		wantError(t, s.do("GET", "/v1/health", tok, nil), http.StatusUnauthorized, 1005)
	}
	wantError(t, s.do("GET", "/onprem/"+s.Demo.Phone.ID+"/v1/health", admin, nil), http.StatusUnauthorized, 1005)
	wantOK(t, s.do("GET", "/onprem/"+s.pn.ID+"/v1/health", admin, nil), http.StatusOK)
	// A Cloud API token is not an On-Premises token.
	wantError(t, s.do("GET", "/v1/health", s.Demo.Token.Value, nil), http.StatusUnauthorized, 1005)
	// Tokens last seven days.
	s.Clock.Advance(7*24*time.Hour - time.Second)
	wantOK(t, s.do("GET", "/v1/health", admin, nil), http.StatusOK)
	s.Clock.Advance(2 * time.Second)
	wantError(t, s.do("GET", "/v1/health", admin, nil), http.StatusUnauthorized, 1005)
}

func TestUnknownEndpoint(t *testing.T) {
	s := newStack(t)
	admin := s.mustAdmin()
	wantError(t, s.do("GET", "/v1/nothing-here", admin, nil), http.StatusNotFound, 1006)
	wantError(t, s.do("GET", "/v1/groups", admin, nil), http.StatusNotFound, 1006)
}
