package platform

import (
	"context"
	"crypto/rand"

	"github.com/wabihq/wabi/internal/wabi"
)

// recSecret is the record kind of server secrets. They belong to no number:
// their scope is "".
const recSecret = "secret"

// SharedSecret returns the server secret called name, such as the key that
// signs media URLs and derives On-Premises API keys (set it as URLKey), which
// every node sharing the store must hold alike. The first node to ask creates
// it: from seed when given (a key a node kept so far, so that what it handed
// out keeps working), else 32 random bytes. Nodes that ask at once all get the
// one written first. A single node on SQLite may keep its key in a file
// instead, as it always has.
func (p *Platform) SharedSecret(ctx context.Context, name string, seed []byte) ([]byte, error) {
	for range 2 {
		r, err := p.store.Record(ctx, "", recSecret, name)
		if err == nil {
			return r.Value, nil
		}
		if wabi.ErrorCode(err) != wabi.ENotFound {
			return nil, err
		}
		v := seed
		if len(v) == 0 {
			v = make([]byte, 32)
			_, _ = rand.Read(v)
		}
		err = p.store.SwapRecord(ctx, &wabi.Record{Kind: recSecret, Key: name, Value: v, UpdatedAt: p.clock.Now()}, nil)
		if err == nil {
			return v, nil
		}
		if wabi.ErrorCode(err) != wabi.EConflict {
			return nil, err
		}
		// Another node created it first: the next read returns theirs.
	}
	return nil, wabi.Errorf(wabi.EInternal, "server secret %s was created and then deleted while this node read it", name)
}
