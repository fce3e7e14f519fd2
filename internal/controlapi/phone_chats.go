package controlapi

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// unreadScan is how many of a chat's newest messages chatSummary reads. It
// bounds the work per phone however long the chat is, and is more than any
// badge shows ("99+").
const unreadScan = 100

// chatSummary fills in what a chat list shows of p's chat with a business
// number: its newest message, and how many business messages the phone has
// received but not read (status delivered) among the chat's newest
// unreadScan messages.
func (a *API) chatSummary(ctx context.Context, p *phone, phoneNumberID string) error {
	ms, err := a.Platform.Store().Messages(ctx, wabi.MessageFilter{PhoneNumberID: phoneNumberID, WaID: p.WaID, Limit: unreadScan})
	if err != nil {
		return err
	}
	unread := 0
	for _, m := range ms {
		// A message still "sent" has not reached the phone, so it cannot be
		// unread there yet.
		if m.Direction == wabi.Outbound && m.Status == wabi.StatusDelivered {
			unread++
		}
	}
	if len(ms) > 0 {
		p.LastMessage = ms[0]
	}
	p.Unread = &unread
	return nil
}
