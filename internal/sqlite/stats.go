package sqlite

import (
	"context"

	"github.com/wabihq/wabi/internal/wabi"
)

// MessageStats is being written.
func (s *Store) MessageStats(ctx context.Context, q wabi.StatsQuery) ([]wabi.StatsRow, error) {
	return nil, errUnbuilt
}
