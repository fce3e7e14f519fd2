package controlapi

import (
	"net/http"

	"github.com/wabihq/wabi/internal/wabi"
)

// channelRoutes lists the partner-level endpoints: every number as a channel,
// with its network, and the channel keys of a number (docs/control-api.md,
// "Channels and channel keys").
func (a *API) channelRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/channels", a.handle(a.handleListChannels))
	mux.Handle("POST /api/phone_numbers/{id}/keys", a.handle(a.handleCreateChannelKey))
	mux.Handle("GET /api/phone_numbers/{id}/keys", a.handle(a.handleListChannelKeys))
	mux.Handle("DELETE /api/phone_numbers/{id}/keys/{key_id}", a.handle(a.handleDeleteChannelKey))
}

// channel is a business number as a gateway's partner sees it: where its
// traffic goes and how many channel keys reach it.
type channel struct {
	ID                 string        `json:"id"`
	DisplayPhoneNumber string        `json:"display_phone_number"`
	VerifiedName       string        `json:"verified_name"`
	WABAID             string        `json:"waba_id"`
	Platform           wabi.Platform `json:"platform_type"`
	Network            string        `json:"network"`
	Relay              *relayView    `json:"relay,omitempty"`
	Keys               int           `json:"keys"`
}

// handleListChannels lists every number (those of one WABA with waba_id=),
// each with its network, its relay if it is on one, and its number of
// channel keys.
func (a *API) handleListChannels(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	wabaID, err := a.wabaFilter(r)
	if err != nil {
		return err
	}
	pns, err := a.Platform.Store().PhoneNumbers(ctx, wabaID)
	if err != nil {
		return err
	}
	relays, err := a.Platform.Relays(ctx)
	if err != nil {
		return err
	}
	byNumber := make(map[string]*wabi.RelayConfig, len(relays))
	for _, c := range relays {
		byNumber[c.PhoneNumberID] = c
	}
	base := a.baseURL(r)
	out := make([]channel, 0, len(pns))
	for _, pn := range pns {
		keys, err := a.Platform.ChannelKeys(ctx, pn.ID)
		if err != nil {
			return err
		}
		ch := channel{ID: pn.ID, DisplayPhoneNumber: pn.DisplayPhoneNumber, VerifiedName: pn.VerifiedName,
			WABAID: pn.WABAID, Platform: pn.Platform, Network: wabi.NetworkSim, Keys: len(keys)}
		if c := byNumber[pn.ID]; c != nil {
			ch.Network, ch.Relay = wabi.NetworkRelay, relayViewOf(c, base)
		}
		out = append(out, ch)
	}
	return a.respond(w, r, http.StatusOK, listOf(out))
}

// handleCreateChannelKey makes a channel key of a number and shows it, the
// only time it is shown.
func (a *API) handleCreateChannelKey(w http.ResponseWriter, r *http.Request) error {
	k, err := a.Platform.CreateChannelKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, k)
}

// handleListChannelKeys lists a number's channel keys by id and last four
// characters.
func (a *API) handleListChannelKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := a.Platform.ChannelKeys(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, listOf(keys))
}

// handleDeleteChannelKey revokes a channel key at once.
func (a *API) handleDeleteChannelKey(w http.ResponseWriter, r *http.Request) error {
	if err := a.Platform.DeleteChannelKey(r.Context(), r.PathValue("id"), r.PathValue("key_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
