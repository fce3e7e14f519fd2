// Package adminkey keeps the admin key that wabi makes for itself.
//
// The control API holds every tenant's tokens and secrets, so wabi never
// serves it beyond loopback without a key. When the operator sets none
// (WABI_ADMIN_KEY) and wabi listens on an address beyond loopback, it makes a
// strong key on its first start and keeps it in the data directory, readable
// by its own user only; later starts, on any address, use that key until the
// file is removed. "wabi admin-key" prints it, which works where there is no
// shell to read the file with, as in wabi's container image.
package adminkey

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// FileName is the name of the key file in the data directory.
const FileName = "admin.key"

// Strength a key must have: it guards every tenant once wabi listens beyond
// loopback, so a word or a PIN will not do.
const (
	MinLength   = 16
	MinDistinct = 8
)

// Path is where the key of the data directory dir is kept.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// Check refuses a key that is short or one character over and over. Its
// errors never quote the key, which may end up in a log.
func Check(key string) error {
	if n := utf8.RuneCountInString(key); n < MinLength {
		return fmt.Errorf("the admin key must be at least %d characters long (it has %d); generate one with: openssl rand -hex 16", MinLength, n)
	}
	distinct := map[rune]bool{}
	for _, r := range key {
		distinct[r] = true
	}
	if len(distinct) < MinDistinct {
		return fmt.Errorf("the admin key must mix at least %d different characters (it has %d); generate one with: openssl rand -hex 16", MinDistinct, len(distinct))
	}
	return nil
}

// Read returns the key kept in the data directory dir, or "" if there is
// none. A file that holds no acceptable key is an error naming the file: wabi
// does not replace a key someone may rely on.
func Read(dir string) (string, error) {
	path := Path(dir)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the admin key: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if err := Check(key); err != nil {
		return "", fmt.Errorf("%s: %w; remove the file to have wabi make a new key", path, err)
	}
	return key, nil
}

// Load returns the key kept in the data directory dir. When there is none and
// create is set, it makes one (256 random bits, written in hex) and reports
// created; when there is none and create is not set, it returns "". An
// existing file is never replaced: of two processes starting at once on one
// directory, the second reads the first one's key.
func Load(dir string, create bool) (key string, created bool, err error) {
	key, err = Read(dir)
	if err != nil || key != "" || !create {
		return key, false, err
	}
	if key, err = newKey(); err != nil {
		return "", false, err
	}
	switch err := writeNew(Path(dir), key+"\n"); {
	case errors.Is(err, os.ErrExist):
		// Another process made one first: use it.
		key, err = Read(dir)
		return key, false, err
	case err != nil:
		return "", false, fmt.Errorf("keep the admin key: %w", err)
	}
	return key, true, nil
}

// Replace makes a new key in the data directory dir, in place of the one
// kept there if any, and returns it. A server already running keeps the key it
// started with until it starts again.
func Replace(dir string) (string, error) {
	key, err := newKey()
	if err != nil {
		return "", err
	}
	path := Path(dir)
	f, err := os.CreateTemp(dir, ".admin.key-*") // mode 0600
	if err != nil {
		return "", fmt.Errorf("keep the admin key: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(key + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// A rename replaces the old key whole: no reader sees half of either.
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return "", fmt.Errorf("keep the admin key in %s: %w", path, err)
	}
	return key, nil
}

// newKey is 256 random bits in hex.
func newKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make an admin key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ForServer is the admin key of a server listening on addr with the data
// directory dir, when the operator set none: the key kept in dir if there is
// one; else, on an address beyond loopback, a key made now; else "", the
// control API open to loopback only. It logs where a key it made is kept and
// how to print it, never the key.
func ForServer(dir string, addr net.Addr, log *slog.Logger) (string, error) {
	key, created, err := Load(dir, !isLoopback(addr))
	if err != nil {
		return "", fmt.Errorf("admin key (set WABI_ADMIN_KEY, or make %s readable): %w", Path(dir), err)
	}
	if created {
		log.Info("made an admin key for the control API and the console, which wabi serves beyond loopback only behind a key; print it with: wabi admin-key (in a container: docker exec <container> wabi admin-key)",
			"file", Path(dir), "addr", addr.String())
	}
	return key, nil
}

// isLoopback reports whether addr is a loopback TCP address.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// writeNew writes content to a new file at path, readable by its owner only;
// if path exists it returns os.ErrExist and leaves it alone.
func writeNew(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
