package platform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Contact check rules of the On-Premises API.
const (
	// ContactCacheTTL is how long a contact check's result is kept and answered
	// again without a new lookup.
	ContactCacheTTL = 7 * 24 * time.Hour
	// MaxContactChecks caps the numbers of one request; Meta publishes no limit.
	MaxContactChecks = 1000
)

// Contact check statuses.
const (
	ContactValid      = "valid"
	ContactInvalid    = "invalid"
	ContactProcessing = "processing"
	ContactFailed     = "failed"
)

// CheckContacts looks up whether numbers, written in any common notation, have
// WhatsApp (POST /v1/contacts). Results are cached for ContactCacheTTL; force
// bypasses the cache. Without wait, numbers not in the cache answer
// "processing" and their results follow as a contacts webhook.
func (p *Platform) CheckContacts(ctx context.Context, c Caller, inputs []string, wait, force bool) ([]wabi.ContactCheck, error) {
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return nil, err
	}
	w, err := p.waba(ctx, pn.WABAID)
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, wabi.Errorf(wabi.ERequired, "Parameter 'contacts' is required: a list of phone numbers.")
	}
	if len(inputs) > MaxContactChecks {
		return nil, wabi.Errorf(wabi.EInvalidValue, "Parameter 'contacts' may hold at most %d numbers.", MaxContactChecks)
	}
	now := p.clock.Now()
	out := make([]wabi.ContactCheck, len(inputs))
	var later []wabi.ContactCheck
	for i, in := range inputs {
		out[i] = wabi.ContactCheck{Input: in, Status: ContactInvalid}
		waID, err := p.normalize(in, pn.DisplayPhoneNumber)
		if err != nil {
			continue
		}
		if !force {
			if st, ok := p.cachedContact(ctx, pn.ID, waID, now); ok {
				out[i] = contactResult(in, waID, st)
				continue
			}
		}
		st := p.lookupContact(ctx, pn.ID, waID, now)
		if wait {
			out[i] = contactResult(in, waID, st)
		} else {
			out[i] = wabi.ContactCheck{Input: in, Status: ContactProcessing, WaID: waID}
			later = append(later, contactResult(in, waID, st))
		}
	}
	if len(later) > 0 {
		if err := p.contactsWebhook(ctx, pn, w, later); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func contactResult(input, waID, status string) wabi.ContactCheck {
	r := wabi.ContactCheck{Input: input, Status: status}
	if status == ContactValid {
		r.WaID = waID
	}
	return r
}

type contactRecord struct {
	Status string `json:"status"`
}

func (p *Platform) cachedContact(ctx context.Context, phoneNumberID, waID string, now time.Time) (string, bool) {
	rec, err := p.store.Record(ctx, phoneNumberID, recContactCheck, waID)
	if err != nil || !now.Before(rec.ExpiresAt) {
		return "", false
	}
	var cr contactRecord
	if json.Unmarshal(rec.Value, &cr) != nil {
		return "", false
	}
	return cr.Status, true
}

// lookupContact asks the network and caches the answer; a failed lookup is
// "failed" and not cached.
func (p *Platform) lookupContact(ctx context.Context, phoneNumberID, waID string, now time.Time) string {
	status := ContactValid
	if d, ok := p.net.(wabi.Directory); ok {
		on, err := d.OnWhatsApp(ctx, waID)
		if err != nil {
			p.logger().Error("contact lookup failed", "wa_id", waID, "err", err)
			return ContactFailed
		}
		if !on {
			status = ContactInvalid
		}
	}
	v, _ := json.Marshal(contactRecord{Status: status})
	if err := p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: recContactCheck, Key: waID, Value: v,
		ExpiresAt: now.Add(ContactCacheTTL), UpdatedAt: now}); err != nil {
		p.logger().Error("contact cache write failed", "wa_id", waID, "err", err)
	}
	return status
}

// contactsWebhook queues the results of a no_wait check to the deployment.
func (p *Platform) contactsWebhook(ctx context.Context, pn *wabi.PhoneNumber, w *wabi.WABA, results []wabi.ContactCheck) error {
	s, err := p.appSettings(ctx, pn.ID)
	if err != nil || s.Webhooks.URL == "" {
		return err
	}
	d, err := p.deploymentDelivery(pn, "", "contacts", &wabi.Event{WABA: w, Phone: pn, Contacts: results})
	if err != nil {
		return err
	}
	if err := p.store.Commit(ctx, &wabi.Batch{Deliveries: []*wabi.Delivery{d}}); err != nil {
		return err
	}
	p.enqueue([]*wabi.Delivery{d})
	return nil
}

// Identity is a consumer's identity key as the business's client knows it.
type Identity struct {
	Hash             string `json:"hash"`
	CreatedTimestamp int64  `json:"created_timestamp"`
	Acknowledged     bool   `json:"acknowledged"`
}

// ContactIdentity returns the identity of a consumer the deployment can reach.
// The simulated network never changes a phone's identity, so it is always
// acknowledged.
func (p *Platform) ContactIdentity(ctx context.Context, c Caller, waID string) (*Identity, error) {
	if _, err := p.DeploymentOf(ctx, c); err != nil {
		return nil, err
	}
	vp, err := p.store.VirtualPhone(ctx, waID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		return nil, wabi.Errorf(wabi.ENotFound, "No identity is known for %s.", waID)
	} else if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, p.URLKey)
	m.Write([]byte("identity|" + vp.WaID + "|" + vp.CreatedAt.UTC().Format(time.RFC3339Nano)))
	return &Identity{Hash: base64.StdEncoding.EncodeToString(m.Sum(nil)[:8]), CreatedTimestamp: vp.CreatedAt.UnixMilli(), Acknowledged: true}, nil
}

// AcknowledgeIdentity acknowledges a consumer's identity by its hash.
func (p *Platform) AcknowledgeIdentity(ctx context.Context, c Caller, waID, hash string) error {
	id, err := p.ContactIdentity(ctx, c, waID)
	if err != nil {
		return err
	}
	if hash == "" {
		return wabi.Errorf(wabi.ERequired, "Parameter 'hash' is required.")
	}
	if !hmac.Equal([]byte(hash), []byte(id.Hash)) {
		return wabi.Errorf(wabi.EInvalidValue, "Hash %q is not the current identity of %s.", hash, waID)
	}
	return nil
}
