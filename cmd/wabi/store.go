package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wabihq/wabi/internal/postgres"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
)

// isPostgres reports whether a store setting names a PostgreSQL database.
func isPostgres(store string) bool {
	return strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://")
}

// openStore opens the store the configuration names: SQLite in the data
// directory by default, or the PostgreSQL database of a postgres:// URL, which
// several nodes may share. Errors never quote the URL, which may hold a
// password.
func openStore(ctx context.Context, cfg *config) (wabi.Store, error) {
	if isPostgres(cfg.Store) {
		s, err := postgres.Open(ctx, cfg.Store)
		if err != nil {
			return nil, fmt.Errorf("open the PostgreSQL store (WABI_STORE): %w", err)
		}
		return s, nil
	}
	s, err := sqlite.Open(filepath.Join(cfg.Data, "wabi.db"))
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", cfg.Data, err)
	}
	return s, nil
}

// mediaDir is where media bytes are kept: WABI_MEDIA_DIR, else media/ in the
// data directory. Nodes that share a database must share it too.
func (c *config) mediaDir() string {
	if c.MediaDir != "" {
		return c.MediaDir
	}
	return filepath.Join(c.Data, "media")
}
