package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustRing(t *testing.T, current []byte, previous ...[]byte) *Ring {
	t.Helper()
	r, err := New(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSealOpenRotate(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize)
	old := mustRing(t, k1)
	s, err := old.Seal("EAAG-secret-token")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "secret") || !strings.HasPrefix(s, "v1:"+KeyID(k1)+":") {
		t.Fatalf("sealed value %q: want v1:<id>: and no plain text", s)
	}
	s2, _ := old.Seal("EAAG-secret-token")
	if s == s2 {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if got, err := old.Open(s); err != nil || got != "EAAG-secret-token" {
		t.Fatalf("Open = %q, %v", got, err)
	}

	// Rotation: the new ring seals with k2 and still opens k1's values.
	rotated := mustRing(t, k2, k1)
	if got, err := rotated.Open(s); err != nil || got != "EAAG-secret-token" {
		t.Fatalf("Open with the previous key = %q, %v", got, err)
	}
	if rotated.Current(s) || !old.Current(s) {
		t.Error("Current: want false under the rotated ring, true under the old one")
	}
	s3, _ := rotated.Seal("x")
	if !rotated.Current(s3) {
		t.Error("a fresh seal is not current")
	}
	// A ring without the key that sealed says so.
	if _, err := mustRing(t, k2).Open(s); !errors.Is(err, ErrKey) {
		t.Errorf("Open without the key: %v, want ErrKey", err)
	}
	// Tampering is refused.
	b := []byte(s)
	b[len(b)-2] ^= 'A' ^ 'B'
	if _, err := old.Open(string(b)); err == nil {
		t.Error("a changed sealed value opened")
	}
	if _, err := old.Open("plain"); err == nil {
		t.Error("a plain value opened")
	}
	if got, err := old.Open(""); err != nil || got != "" {
		t.Errorf("Open(\"\") = %q, %v", got, err)
	}
}

func TestParseKeyAndKeyFile(t *testing.T) {
	for _, s := range []string{
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
		" 0101010101010101010101010101010101010101010101010101010101010101\n",
	} {
		k, err := ParseKey(s)
		if err != nil || !bytes.Equal(k, bytes.Repeat([]byte{1}, KeySize)) {
			t.Errorf("ParseKey(%q) = %x, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "short", "AQEB"} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
	path := filepath.Join(t.TempDir(), "keys", "wabi.key")
	k, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(k) != KeySize {
		t.Fatalf("first load: %x, created %v, %v", k, created, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v, %v", fi, err)
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again, k) {
		t.Fatalf("second load: created %v, same %v, %v", created, bytes.Equal(again, k), err)
	}
}
