package platform

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// NodeKind is the type of a Graph node.
type NodeKind string

// The node kinds the Cloud API reads by id.
const (
	NodeMedia       NodeKind = "media"
	NodePhoneNumber NodeKind = "phone_number"
	NodeWABA        NodeKind = "waba"
	NodeTemplate    NodeKind = "template"
	NodeApp         NodeKind = "app"
)

// Node tells what kind of object an id names. Every wabi id comes from one
// sequence, so an id names at most one object. Unknown ids are ENotFound.
func (p *Platform) Node(ctx context.Context, id string) (NodeKind, error) {
	lookups := []struct {
		kind NodeKind
		find func() error
	}{
		{NodePhoneNumber, func() error { _, err := p.phoneNumber(ctx, id); return err }},
		{NodeWABA, func() error { _, err := p.waba(ctx, id); return err }},
		{NodeMedia, func() error { _, err := p.store.MediaFile(ctx, id); return err }},
		{NodeTemplate, func() error { _, err := p.store.Template(ctx, id); return err }},
		{NodeApp, func() error { _, err := p.app(ctx, id); return err }},
		// Media of a relayed number's inbound message, still upstream.
		{NodeMedia, func() error { _, err := p.store.Record(ctx, "", recRelayMedia, id); return err }},
	}
	for _, l := range lookups {
		switch err := l.find(); wabi.ErrorCode(err) {
		case "":
			return l.kind, nil
		case wabi.ENotFound:
		default:
			return "", err
		}
	}
	return "", notFound(id)
}
