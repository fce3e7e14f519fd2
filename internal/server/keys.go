package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/seal"
)

// Key is a key of the seal ring. It prints as its id only, so that a
// config printed whole (%+v in a test's failure, a debug log) shows no key.
type Key []byte

// String names the key by its id, never by its bytes.
func (k Key) String() string {
	if len(k) == 0 {
		return "<none>"
	}
	return "key " + seal.KeyID(k)
}

// Format prints the key as String does, whatever the verb.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// keyFile is where the key is kept when WABI_KEY is unset.
func (c *Config) keyFile() string {
	if c.KeyFile != "" {
		return c.KeyFile
	}
	return filepath.Join(c.Data, "wabi.key")
}

// keyRing builds the ring that seals the upstream secrets of relayed numbers:
// WABI_KEY, or else the key file, made on first start, as the current key, and
// WABI_KEY_PREVIOUS for what earlier keys sealed. It logs where a new key file
// was made, and the id of the current key; never a key.
func keyRing(cfg *Config, log *slog.Logger) (*seal.Ring, error) {
	current := []byte(cfg.Key)
	if current == nil {
		path := cfg.keyFile()
		k, created, err := seal.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, fmt.Errorf("key file (set WABI_KEY, or WABI_KEY_FILE to a readable file): %w", err)
		}
		if created {
			log.Info("made a new key to seal upstream secrets; back it up with the data, and give every node sharing the store the same key", "file", path)
		}
		current = k
	}
	previous := make([][]byte, 0, len(cfg.KeyPrevious))
	for _, k := range cfg.KeyPrevious {
		previous = append(previous, k)
	}
	ring, err := seal.New(current, previous...)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	log.Debug("sealing upstream secrets", "key_id", ring.CurrentID(), "previous_keys", len(previous))
	return ring, nil
}

// useKeys gives the platform its seal ring and seals again, under the current
// key, every relay sealed under a previous one. A relay that no key of the
// ring opens stops the start: the server would fail every message of that
// number, and the likely cause is a node given another key than the rest.
func useKeys(ctx context.Context, cfg *Config, p *platform.Platform, log *slog.Logger) error {
	ring, err := keyRing(cfg, log)
	if err != nil {
		return err
	}
	p.Seal = ring
	n, err := p.ResealRelays(ctx)
	if err != nil {
		return fmt.Errorf("seal relay secrets under the current key (nodes sharing a store need the same WABI_KEY): %w", err)
	}
	if n > 0 {
		log.Info("sealed relay secrets again under the current key", "relays", n, "key_id", ring.CurrentID())
	}
	return nil
}
