package onpremapi

import (
	"net/http"
	"strings"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// expiresFormat is how the client writes expires_after.
const expiresFormat = "2006-01-02 15:04:05-07:00"

type loginToken struct {
	Token        string `json:"token"`
	ExpiresAfter string `json:"expires_after"`
}

type userItem struct {
	Roles    string `json:"ROLES,omitempty"`
	Username string `json:"username"`
}

// handleLogin checks basic auth and answers a bearer token. The body may carry
// new_password, which the admin's first login must.
func (a *API) handleLogin(w http.ResponseWriter, r *http.Request, _ platform.Caller) error {
	username, password, ok := r.BasicAuth()
	if !ok {
		return wabi.Errorf(wabi.EUnauthenticated, "Log in with HTTP basic authentication (Authorization: Basic base64(username:password)).")
	}
	var req struct {
		NewPassword string `json:"new_password"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			return err
		}
	}
	id, err := a.deployment(r)
	if err != nil {
		return err
	}
	tok, s, err := a.p.Login(r.Context(), id, username, password, req.NewPassword)
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, struct {
		Users []loginToken `json:"users"`
	}{[]loginToken{{Token: tok, ExpiresAfter: s.ExpiresAt.UTC().Format(expiresFormat)}}})
	return nil
}

// handleLogout revokes the token the request carries.
func (a *API) handleLogout(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := a.p.Logout(r.Context(), c); err != nil {
		return err
	}
	return a.ok(w)
}

type userRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (a *API) writeUser(w http.ResponseWriter, status int, u userItem) error {
	a.writeJSON(w, status, struct {
		Users []userItem `json:"users"`
	}{[]userItem{u}})
	return nil
}

// handleCreateUser adds a ROLE_USER user (admin only).
func (a *API) handleCreateUser(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req userRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Password == "" {
		return wabi.Errorf(wabi.ERequired, "Parameter 'password' is required.")
	}
	u, err := a.p.CreateUser(r.Context(), c, strings.TrimSpace(req.Username), req.Password)
	if err != nil {
		return err
	}
	return a.writeUser(w, http.StatusCreated, userItem{Username: u.Username})
}

// handleGetUser returns a user with their role.
func (a *API) handleGetUser(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	u, err := a.p.User(r.Context(), c, r.PathValue("username"))
	if err != nil {
		return err
	}
	return a.writeUser(w, http.StatusOK, userItem{Roles: u.Role, Username: u.Username})
}

// handlePutUser changes a password: the admin anyone's, a user their own.
func (a *API) handlePutUser(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req userRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Password == "" {
		return wabi.Errorf(wabi.ERequired, "Parameter 'password' is required.")
	}
	u, err := a.p.SetPassword(r.Context(), c, r.PathValue("username"), req.Password)
	if err != nil {
		return err
	}
	return a.writeUser(w, http.StatusOK, userItem{Username: u.Username})
}

// handleDeleteUser deletes a user and their tokens (admin only).
func (a *API) handleDeleteUser(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	name := r.PathValue("username")
	if err := a.p.DeleteUser(r.Context(), c, name); err != nil {
		return err
	}
	return a.writeUser(w, http.StatusOK, userItem{Username: name})
}
