package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/wabihq/wabi/internal/platform"
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
func openStore(ctx context.Context, cfg *Config) (wabi.Store, error) {
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
func (c *Config) mediaDir() string {
	if c.MediaDir != "" {
		return c.MediaDir
	}
	return filepath.Join(c.Data, "media")
}

// openBus returns the bus of the nodes that share the store: nil for SQLite,
// where a node is alone, and PostgreSQL's LISTEN/NOTIFY for a postgres:// store,
// which the caller must Run.
func openBus(cfg *Config, log *slog.Logger) (wabi.Bus, *postgres.Bus, error) {
	if !isPostgres(cfg.Store) {
		return nil, nil, nil
	}
	b, err := postgres.NewBus(cfg.Store)
	if err != nil {
		return nil, nil, fmt.Errorf("open the PostgreSQL bus (WABI_STORE): %w", err)
	}
	b.Logger = log
	return b, b, nil
}

// urlKey returns the key that signs media URLs and derives On-Premises API
// keys: url.key in the data directory on SQLite; on PostgreSQL one key in the
// database that every node shares, seeded from this node's url.key if it has
// one, so that links it handed out before keep working.
func urlKey(ctx context.Context, cfg *Config, p *platform.Platform) ([]byte, error) {
	path := filepath.Join(cfg.Data, "url.key")
	if !isPostgres(cfg.Store) {
		return secretFile(path)
	}
	seed, err := os.ReadFile(path)
	if err != nil || len(seed) != 32 {
		seed = nil
	}
	return p.SharedSecret(ctx, "url", seed)
}
