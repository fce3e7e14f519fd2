package platform

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// admitReach applies the messaging limit (tier) and the quality rules.
func (p *Platform) admitReach(ctx context.Context, a *admission) (*wabi.Error, error) {
	return nil, nil
}
