package platform

import "context"

// admitRate applies the number's throughput and the pair rate.
func (p *Platform) admitRate(ctx context.Context, a *admission) error { return nil }
