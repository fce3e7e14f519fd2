package platform

import "context"

// RenewIDNodeForTest renews the node's lease of its node number, as every
// heartbeat does.
func (p *Platform) RenewIDNodeForTest(ctx context.Context) error { return p.renewIDNode(ctx) }
