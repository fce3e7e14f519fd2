package controlapi

import (
	"context"
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// phone is a virtual phone as the API shows it: with the number of messages held
// for it while it is offline.
type phone struct {
	*wabi.VirtualPhone
	Held int `json:"held"`
	// LastMessage and Unread describe the phone's chat with one business
	// number; only GET /api/phones?phone_number_id= sets them (chatSummary).
	LastMessage *wabi.Message `json:"last_message,omitempty"`
	Unread      *int          `json:"unread,omitempty"`
}

func (a *API) phoneOf(vp *wabi.VirtualPhone) phone {
	return phone{VirtualPhone: vp, Held: a.Sim.Held(vp.WaID)}
}

// phoneBody is a whole virtual phone, for create and replace.
type phoneBody struct {
	WaID        string         `json:"wa_id"`
	ProfileName string         `json:"profile_name"`
	Behaviour   behaviourPatch `json:"behaviour"`
}

// virtualPhone is the phone the body describes. Behaviour left out is the
// default: a phone that reads what it gets, online, on WhatsApp, as the
// console creates them, so that its sender sees every tick.
func (b *phoneBody) virtualPhone(waID string) *wabi.VirtualPhone {
	vp := &wabi.VirtualPhone{WaID: waID, ProfileName: b.ProfileName, Behaviour: wabi.Behaviour{AutoRead: true}}
	(&phonePatch{Behaviour: &b.Behaviour}).apply(vp)
	return vp
}

// phonePatch is a partial update: absent fields keep their value.
type phonePatch struct {
	ProfileName *string         `json:"profile_name"`
	Behaviour   *behaviourPatch `json:"behaviour"`
}

type behaviourPatch struct {
	DeliveryDelay *wabi.Duration `json:"delivery_delay"`
	ReadDelay     *wabi.Duration `json:"read_delay"`
	AutoRead      *bool          `json:"auto_read"`
	Offline       *bool          `json:"offline"`
	NotOnWhatsApp *bool          `json:"not_on_whatsapp"`
}

// apply sets the fields the patch names.
func (p *phonePatch) apply(vp *wabi.VirtualPhone) {
	if p.ProfileName != nil {
		vp.ProfileName = *p.ProfileName
	}
	b := p.Behaviour
	if b == nil {
		return
	}
	set(&vp.Behaviour.DeliveryDelay, b.DeliveryDelay)
	set(&vp.Behaviour.ReadDelay, b.ReadDelay)
	set(&vp.Behaviour.AutoRead, b.AutoRead)
	set(&vp.Behaviour.Offline, b.Offline)
	set(&vp.Behaviour.NotOnWhatsApp, b.NotOnWhatsApp)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (a *API) handleListPhones(w http.ResponseWriter, r *http.Request) error {
	pnID, err := a.phoneNumberFilter(r)
	if err != nil {
		return err
	}
	vps, err := a.Platform.Store().VirtualPhones(r.Context())
	if err != nil {
		return err
	}
	out := make([]phone, 0, len(vps))
	for _, vp := range vps {
		p := a.phoneOf(vp)
		if pnID != "" {
			if err := a.chatSummary(r.Context(), &p, pnID); err != nil {
				return err
			}
		}
		out = append(out, p)
	}
	return a.respond(w, r, http.StatusOK, listOf(out))
}

func (a *API) handleGetPhone(w http.ResponseWriter, r *http.Request) error {
	vp, err := a.Platform.Store().VirtualPhone(r.Context(), r.PathValue("wa_id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, a.phoneOf(vp))
}

// handleCreatePhone adds a virtual phone; 409 if one with the wa_id exists.
func (a *API) handleCreatePhone(w http.ResponseWriter, r *http.Request) error {
	var req phoneBody
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := required("wa_id", req.WaID); err != nil {
		return err
	}
	vp, err := a.updatePhone(r.Context(), req.WaID, func(old *wabi.VirtualPhone) (*wabi.VirtualPhone, error) {
		if old != nil {
			return nil, wabi.Errorf(wabi.EConflict, "Virtual phone %s already exists; change it with PATCH or PUT /api/phones/%s.", req.WaID, req.WaID)
		}
		return req.virtualPhone(req.WaID), nil
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, a.phoneOf(vp))
}

// handlePatchPhone changes the fields given. A phone that comes online receives
// the messages held for it.
func (a *API) handlePatchPhone(w http.ResponseWriter, r *http.Request) error {
	var req phonePatch
	if err := decode(w, r, &req); err != nil {
		return err
	}
	waID := r.PathValue("wa_id")
	vp, err := a.updatePhone(r.Context(), waID, func(old *wabi.VirtualPhone) (*wabi.VirtualPhone, error) {
		if old == nil {
			return nil, wabi.Errorf(wabi.ENotFound, "There is no virtual phone %s.", waID)
		}
		next := *old
		req.apply(&next)
		return &next, nil
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, a.phoneOf(vp))
}

// handlePutPhone creates or replaces a virtual phone; fields left out take their
// defaults (auto_read true, the rest zero). A wa_id in the body must match the path.
func (a *API) handlePutPhone(w http.ResponseWriter, r *http.Request) error {
	var req phoneBody
	if err := decode(w, r, &req); err != nil {
		return err
	}
	waID := r.PathValue("wa_id")
	if req.WaID != "" && req.WaID != waID {
		return wabi.Errorf(wabi.EInvalidParam, "Param wa_id (%s) does not match the path (%s).", req.WaID, waID)
	}
	vp, err := a.updatePhone(r.Context(), waID, func(*wabi.VirtualPhone) (*wabi.VirtualPhone, error) {
		return req.virtualPhone(waID), nil
	})
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, a.phoneOf(vp))
}

// updatePhone saves what change makes of the phone (nil if there is none yet) and
// tells the network, which drops its cached copy and releases what it held for a
// phone now online. The platform may tell it as well (Platform.PhoneChanged); a
// second call finds nothing more to do. Changes are serialised so that two
// PATCHes do not lose each other's fields.
func (a *API) updatePhone(ctx context.Context, waID string, change func(old *wabi.VirtualPhone) (*wabi.VirtualPhone, error)) (*wabi.VirtualPhone, error) {
	a.phoneMu.Lock()
	defer a.phoneMu.Unlock()
	old, err := a.Platform.Store().VirtualPhone(ctx, waID)
	if wabi.ErrorCode(err) == wabi.ENotFound {
		old, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	next, err := change(old)
	if err != nil {
		return nil, err
	}
	vp, err := a.Platform.PutVirtualPhone(ctx, next)
	if err != nil {
		return nil, err
	}
	a.Sim.PhoneChanged(vp)
	return vp, nil
}
