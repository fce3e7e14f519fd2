package platform

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// AccountRequest is a registration request of an On-Premises client
// (POST /v1/account), and with Shards a shard change (POST /v1/account/shards).
type AccountRequest struct {
	CC          string
	PhoneNumber string
	// Method is sms or voice (registration only).
	Method string
	// Cert is the base64 verified-name certificate; wabi checks only that it is
	// base64, since it issues no certificates.
	Cert string
	// PIN is the two-step PIN, needed when one is set.
	PIN    string
	Shards int
}

// ShardCounts are the shard counts multiconnect allows.
var ShardCounts = []int{1, 2, 4, 8, 16, 32}

// checkAccount checks the number, certificate and PIN of an account request
// against the caller's deployment.
func (p *Platform) checkAccount(ctx context.Context, c Caller, r AccountRequest) (*wabi.PhoneNumber, error) {
	if err := RequireAdmin(c); err != nil {
		return nil, err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct{ name, v string }{{"cc", r.CC}, {"phone_number", r.PhoneNumber}, {"cert", r.Cert}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, wabi.Errorf(wabi.ERequired, "Parameter '%s' is required.", f.name)
		}
	}
	if onlyDigits(r.CC)+onlyDigits(r.PhoneNumber) != pn.DisplayPhoneNumber {
		return nil, wabi.Errorf(wabi.EInvalidValue, "This deployment serves +%s, not +%s %s.", pn.DisplayPhoneNumber, r.CC, r.PhoneNumber)
	}
	if _, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.Cert)); err != nil {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Parameter 'cert' must be the base64 certificate from WhatsApp Manager.")
	}
	pn, err = p.store.PhoneNumber(ctx, pn.ID)
	if err != nil {
		return nil, err
	}
	if pn.PINHash != "" {
		if r.PIN == "" {
			return nil, wabi.Errorf(wabi.ERequired, "Parameter 'pin' is required: two-step verification is on.")
		}
		if err := p.matchPIN(ctx, pn, r.PIN, p.clock.Now()); err != nil {
			return nil, err
		}
	}
	return pn, nil
}

// RequestAccountCode starts the registration of the caller's deployment's number
// (admin only): it sends a code to the number's simulated SIM, as RequestCode
// does. registered reports a number that is registered already, when nothing is
// sent; vname is the display name the certificate carries.
func (p *Platform) RequestAccountCode(ctx context.Context, c Caller, r AccountRequest) (registered bool, vname string, err error) {
	method := strings.ToLower(r.Method)
	if method != "sms" && method != "voice" {
		return false, "", wabi.Errorf(wabi.EInvalidValue, "Parameter 'method' must be sms or voice, not %q.", r.Method)
	}
	pn, err := p.checkAccount(ctx, c, r)
	if err != nil {
		return false, "", err
	}
	if pn.Registered {
		return true, pn.VerifiedName, nil
	}
	if err := p.RequestCode(ctx, c, pn.ID, method, "en_US"); err != nil {
		return false, "", err
	}
	return false, pn.VerifiedName, nil
}

// VerifyAccount checks the registration code and registers the caller's
// deployment's number on the On-Premises API (admin only).
func (p *Platform) VerifyAccount(ctx context.Context, c Caller, code string) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	if code == "" {
		return wabi.Errorf(wabi.ERequired, "Parameter 'code' is required.")
	}
	if err := p.VerifyCode(ctx, c, pn.ID, code); err != nil {
		return err
	}
	pn, err = p.store.PhoneNumber(ctx, pn.ID)
	if err != nil {
		return err
	}
	now := p.clock.Now()
	if err := checkRegistrations(pn, now); err != nil {
		return err
	}
	pn.Registered = true
	pn.Registrations = recordRegistration(pn.Registrations, now)
	return p.saveNumber(ctx, pn)
}

// Shards returns the shard count of the caller's deployment (admin only).
func (p *Platform) Shards(ctx context.Context, c Caller) (int, error) {
	if err := RequireAdmin(c); err != nil {
		return 0, err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return 0, err
	}
	return p.shards(ctx, pn.ID)
}

// SetShards changes the shard count of the caller's deployment (admin only).
// wabi keeps the count; its throughput does not depend on it.
func (p *Platform) SetShards(ctx context.Context, c Caller, r AccountRequest) error {
	if !slices.Contains(ShardCounts, r.Shards) {
		return wabi.Errorf(wabi.EInvalidValue, "Parameter 'shards' must be one of %v.", ShardCounts)
	}
	pn, err := p.checkAccount(ctx, c, r)
	if err != nil {
		return err
	}
	if !pn.Registered {
		return wabi.Errorf(wabi.ENotRegistered, "Phone number %s is not registered: register it before setting shards.", pn.ID)
	}
	return p.putShards(ctx, pn.ID, r.Shards)
}

func (p *Platform) shards(ctx context.Context, phoneNumberID string) (int, error) {
	rec, err := p.store.Record(ctx, phoneNumberID, recSettings, keyShards)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return 1, nil
	} else if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(string(rec.Value))
	if err != nil {
		return 0, fmt.Errorf("platform: shards record: %w", err)
	}
	return n, nil
}

func (p *Platform) putShards(ctx context.Context, phoneNumberID string, n int) error {
	v, _ := json.Marshal(n)
	return p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: recSettings, Key: keyShards, Value: v, UpdatedAt: p.clock.Now()})
}

// SetTwoStepPIN sets the two-step verification PIN of the caller's deployment's
// number (admin only).
func (p *Platform) SetTwoStepPIN(ctx context.Context, c Caller, pin string) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	return p.SetPIN(ctx, c, pn.ID, pin)
}

// DisableTwoStep turns two-step verification off (admin only): the client can,
// unlike the Cloud API.
func (p *Platform) DisableTwoStep(ctx context.Context, c Caller) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	pn, err = p.store.PhoneNumber(ctx, pn.ID)
	if err != nil {
		return err
	}
	pn.PINHash = ""
	if err := p.clearGuesses(ctx, pn.ID); err != nil {
		return err
	}
	return p.saveNumber(ctx, pn)
}
