// Package seal encrypts small secrets kept in wabi's store (the upstream access
// tokens and app secrets of relayed numbers) with AES-256-GCM under a key ring:
// one current key that seals, and any number of previous keys that still open
// what they sealed, so that a key can be rotated without losing what the store
// holds.
//
// A sealed value is text: "v1:" + the key's id (8 hex digits of the SHA-256 of
// the key) + ":" + base64url (no padding) of the nonce and the ciphertext.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of a key in bytes.
const KeySize = 32

// prefix starts every sealed value of this format.
const prefix = "v1:"

// ErrKey is returned by Open for a value sealed under a key the ring does not
// hold.
var ErrKey = errors.New("seal: sealed with a key this server does not have (set WABI_KEY_PREVIOUS to the key it was sealed with)")

// Ring is a key ring. The zero Ring has no key and seals nothing.
type Ring struct {
	keys []key // the current key first
}

type key struct {
	id   string
	aead cipher.AEAD
}

// New returns a ring that seals with current and opens with current and each
// of previous. Keys must be KeySize bytes.
func New(current []byte, previous ...[]byte) (*Ring, error) {
	r := &Ring{}
	for _, k := range append([][]byte{current}, previous...) {
		if len(k) != KeySize {
			return nil, fmt.Errorf("seal: a key must be %d bytes, not %d", KeySize, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.keys = append(r.keys, key{id: KeyID(k), aead: aead})
	}
	return r, nil
}

// KeyID returns the id a key's sealed values carry: the first 8 hex digits of
// its SHA-256. It names the key without revealing it.
func KeyID(k []byte) string {
	sum := sha256.Sum256(k)
	return hex.EncodeToString(sum[:4])
}

// CurrentID returns the id of the key that seals.
func (r *Ring) CurrentID() string { return r.keys[0].id }

// Seal encrypts plain under the current key. An empty plain seals to "".
func (r *Ring) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	k := r.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	// The key id is authenticated with the text, so a value cannot be moved
	// under another id.
	out := k.aead.Seal(nonce, nonce, []byte(plain), []byte(k.id))
	return prefix + k.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made under any key of the ring. "" opens to "".
func (r *Ring) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, data, err := split(sealed)
	if err != nil {
		return "", err
	}
	for _, k := range r.keys {
		if k.id != id {
			continue
		}
		if len(data) < k.aead.NonceSize() {
			return "", errors.New("seal: sealed value too short")
		}
		nonce, text := data[:k.aead.NonceSize()], data[k.aead.NonceSize():]
		plain, err := k.aead.Open(nil, nonce, text, []byte(id))
		if err != nil {
			return "", errors.New("seal: sealed value does not open: it was changed, or sealed under another key with the same id")
		}
		return string(plain), nil
	}
	return "", ErrKey
}

// Current reports whether sealed was sealed under the current key; a value
// sealed under a previous one should be sealed again (rotation).
func (r *Ring) Current(sealed string) bool {
	if sealed == "" {
		return true
	}
	id, _, err := split(sealed)
	return err == nil && id == r.keys[0].id
}

func split(sealed string) (id string, data []byte, err error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", nil, errors.New("seal: not a sealed value")
	}
	id, enc, ok := strings.Cut(rest, ":")
	if !ok {
		return "", nil, errors.New("seal: not a sealed value")
	}
	data, err = base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", nil, errors.New("seal: not a sealed value")
	}
	return id, data, nil
}

// ParseKey reads a key written as base64 (standard or URL alphabet, padded or
// not) or hex of KeySize bytes, as `openssl rand -base64 32` or
// `openssl rand -hex 32` print it. Surrounding space is ignored.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("seal: a key must be %d bytes written in base64 or hex (openssl rand -base64 32)", KeySize)
}

// LoadOrCreateKeyFile reads the key in path, or, when there is no such file,
// makes a random one and writes it there (mode 0600, its directory 0700 if
// new). It reports whether it created the file.
func LoadOrCreateKeyFile(path string) (k []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	k = make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	// O_EXCL: two processes starting on one directory keep the first key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, false, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, err
	}
	return k, true, f.Close()
}
