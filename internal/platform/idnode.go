package platform

import (
	"context"
	"strconv"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Ids are time-ordered: milliseconds, a node number of 4 bits and a sequence
// (wabi.IDGen). Nodes sharing a store must have different node numbers, or two
// of them making ids in one millisecond make the same ones. A node holds its
// number as a record leased to its NodeID, renewed with every heartbeat; the
// number of a node silent for idNodeLease goes to the next node that starts.

// recIDNode is the kind of the records that lease node numbers.
const recIDNode = "idnode"

// idNodes is how many node numbers there are.
const idNodes = 16

// idNodeLease is how long a node number stays with a node that stopped
// renewing it: three node timeouts, so that it is never handed on while its
// node may still make ids.
func (p *Platform) idNodeLease() time.Duration { return 3 * p.nodeTimeout() }

// ClaimIDNode leases a node number (0–15) that no live node holds to this
// node and returns it, for its wabi.IDGen's Node; RunAdoption renews the lease.
// It fails with EInternal when all 16 are held. A node alone on its store does
// not need one.
func (p *Platform) ClaimIDNode(ctx context.Context) (uint64, error) {
	for n := range idNodes {
		now := p.clock.Now()
		r := &wabi.Record{Kind: recIDNode, Key: strconv.Itoa(n), Value: []byte(p.NodeID), UpdatedAt: now}
		err := p.store.SwapRecord(ctx, r, nil)
		if wabi.ErrorCode(err) == wabi.EConflict {
			// Held: taken over only if its node stopped renewing it long ago.
			old, rerr := p.store.Record(ctx, "", recIDNode, r.Key)
			if rerr != nil {
				return 0, rerr
			}
			if now.Sub(old.UpdatedAt) < p.idNodeLease() {
				continue
			}
			err = p.store.SwapRecord(ctx, r, old.Value)
			if wabi.ErrorCode(err) == wabi.EConflict {
				continue
			}
		}
		if err != nil {
			return 0, err
		}
		p.idNodeMu.Lock()
		p.idNode = strconv.Itoa(n)
		p.idNodeMu.Unlock()
		return uint64(n), nil
	}
	return 0, wabi.Errorf(wabi.EInternal, "all %d node numbers are held by live nodes: at most %d nodes may share a store", idNodes, idNodes)
}

// renewIDNode renews this node's lease of its node number, if it has one. A
// lease another node took over (this node was silent too long) is an error:
// the node's ids may now collide with the other's.
func (p *Platform) renewIDNode(ctx context.Context) error {
	p.idNodeMu.Lock()
	key := p.idNode
	p.idNodeMu.Unlock()
	if key == "" {
		return nil
	}
	r := &wabi.Record{Kind: recIDNode, Key: key, Value: []byte(p.NodeID), UpdatedAt: p.clock.Now()}
	err := p.store.SwapRecord(ctx, r, []byte(p.NodeID))
	if wabi.ErrorCode(err) == wabi.EConflict {
		return wabi.Errorf(wabi.EInternal, "node number %s was taken over by another node after this node was silent for %s; restart this node", key, p.idNodeLease())
	}
	return err
}
