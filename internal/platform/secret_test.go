package platform_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// TestSharedSecret: nodes that start at once on one store all get the same
// secret, 32 random bytes; a node that starts later gets it too, whatever it
// kept itself; another name is another secret.
func TestSharedSecret(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	ctx := context.Background()
	nodes := make([]*platform.Platform, 4)
	for i := range nodes {
		nodes[i] = platform.New(s.Store, idleNetwork{}, s.Clock, wabi.NewIDGen(s.Clock))
	}
	keys := make([][]byte, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, p := range nodes {
		wg.Go(func() { keys[i], errs[i] = p.SharedSecret(ctx, "url", nil) })
	}
	wg.Wait()
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Errorf("node %d has another secret than node 0", i)
		}
	}
	if len(keys[0]) != 32 || bytes.Equal(keys[0], make([]byte, 32)) {
		t.Errorf("secret %x, want 32 random bytes", keys[0])
	}
	later, err := s.P.SharedSecret(ctx, "url", []byte("a key kept in a file"))
	if err != nil || !bytes.Equal(later, keys[0]) {
		t.Errorf("a later node's seed replaced the shared secret (%v)", err)
	}
	other, err := s.P.SharedSecret(ctx, "other", nil)
	if err != nil || bytes.Equal(other, keys[0]) {
		t.Errorf("another name gave the same secret (%v)", err)
	}
}

// TestSharedSecretSeed: the first node may bring the key it kept so far, so
// that the media links and API keys it gave out keep working.
func TestSharedSecretSeed(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{Network: idleNetwork{}})
	seed := []byte("0123456789abcdef0123456789abcdef")
	got, err := s.P.SharedSecret(context.Background(), "url", seed)
	if err != nil || !bytes.Equal(got, seed) {
		t.Errorf("secret %q (%v), want the seed", got, err)
	}
	r, err := s.Store.Record(context.Background(), "", "secret", "url")
	if err != nil || !bytes.Equal(r.Value, seed) {
		t.Errorf("stored secret %v (%v), want the seed", r, err)
	}
}
