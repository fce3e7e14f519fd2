package onpremapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

type accountRequest struct {
	CC          string `json:"cc"`
	PhoneNumber string `json:"phone_number"`
	Method      string `json:"method"`
	Cert        string `json:"cert"`
	PIN         string `json:"pin"`
	Shards      int    `json:"shards"`
}

func (r accountRequest) platform() platform.AccountRequest {
	return platform.AccountRequest{CC: r.CC, PhoneNumber: r.PhoneNumber, Method: r.Method, Cert: r.Cert, PIN: r.PIN, Shards: r.Shards}
}

// handleAccount requests a registration code: 202 with the certificate's
// display name when the code is sent, 201 when the number is registered already.
func (a *API) handleAccount(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req accountRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	registered, vname, err := a.p.RequestAccountCode(r.Context(), c, req.platform())
	if err != nil {
		return err
	}
	if registered {
		a.writeJSON(w, http.StatusCreated, nil)
		return nil
	}
	a.writeJSON(w, http.StatusAccepted, struct {
		Account []map[string]string `json:"account"`
	}{[]map[string]string{{"vname": vname}}})
	return nil
}

// handleVerify registers the number with the code it received.
func (a *API) handleVerify(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := a.p.VerifyAccount(r.Context(), c, req.Code); err != nil {
		return err
	}
	a.writeJSON(w, http.StatusCreated, nil)
	return nil
}

// handleGetShards returns the shard count.
func (a *API) handleGetShards(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	n, err := a.p.Shards(r.Context(), c)
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"account": map[string]int{"shards": n}})
	return nil
}

// handlePostShards changes the shard count: 201 on success.
func (a *API) handlePostShards(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req accountRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := a.p.SetShards(r.Context(), c, req.platform()); err != nil {
		return err
	}
	a.writeJSON(w, http.StatusCreated, nil)
	return nil
}

// handleSetPIN sets the two-step verification PIN.
func (a *API) handleSetPIN(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		PIN string `json:"pin"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.PIN == "" {
		return wabi.Errorf(wabi.ERequired, "Parameter 'pin' is required.")
	}
	if err := a.p.SetTwoStepPIN(r.Context(), c, req.PIN); err != nil {
		return err
	}
	return a.ok(w)
}

// handleDisablePIN turns two-step verification off.
func (a *API) handleDisablePIN(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if err := a.p.DisableTwoStep(r.Context(), c); err != nil {
		return err
	}
	return a.ok(w)
}

// handleBackup answers the deployment's encrypted backup.
func (a *API) handleBackup(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	data, err := a.p.BackupSettings(r.Context(), c, req.Password)
	if err != nil {
		return err
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"settings": map[string]string{"data": data}})
	return nil
}

// handleRestore imports a backup of the same number.
func (a *API) handleRestore(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	var req struct {
		Password string `json:"password"`
		Data     string `json:"data"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := a.p.RestoreSettings(r.Context(), c, req.Password, req.Data); err != nil {
		return err
	}
	return a.ok(w)
}
