package platform_test

import (
	"context"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// TestIdempotencyKeys checks the life of an Idempotency-Key: claimed once,
// busy while its request runs, its answer kept for a day, per number, let go
// when the answer did nothing, and taken over when its request died.
func TestIdempotencyKeys(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{})
	ctx := context.Background()
	c := platform.Caller{Token: s.Demo.Token}
	pn, other := s.Demo.Phone.ID, s.Demo.OnPremPhone.ID

	if kept, err := s.P.ClaimIdempotencyKey(ctx, c, pn, "k"); err != nil || kept != nil {
		t.Fatalf("first claim: %v, %v", kept, err)
	}
	if _, err := s.P.ClaimIdempotencyKey(ctx, c, pn, "k"); wabi.ErrorCode(err) != wabi.EUnavailable {
		t.Errorf("claim while running: %v, want unavailable", err)
	}
	if kept, err := s.P.ClaimIdempotencyKey(ctx, c, other, "k"); err != nil || kept != nil {
		t.Errorf("the same key on another number: %v, %v; want a claim of its own", kept, err)
	}
	ans := &platform.IdempotentAnswer{Status: 200, ContentType: "application/json", Body: []byte(`{"ok":1}`)}
	if err := s.P.FinishIdempotencyKey(ctx, pn, "k", ans); err != nil {
		t.Fatal(err)
	}
	kept, err := s.P.ClaimIdempotencyKey(ctx, c, pn, "k")
	if err != nil || kept == nil || kept.Status != 200 || string(kept.Body) != `{"ok":1}` {
		t.Fatalf("repeated key: %+v, %v; want the kept answer", kept, err)
	}
	s.Clock.Advance(platform.IdempotencyTTL + time.Second)
	if kept, err := s.P.ClaimIdempotencyKey(ctx, c, pn, "k"); err != nil || kept != nil {
		t.Errorf("a day later: %+v, %v; want a new claim", kept, err)
	}

	// Nothing done: the key goes.
	if err := s.P.FinishIdempotencyKey(ctx, pn, "k", nil); err != nil {
		t.Fatal(err)
	}
	if kept, err := s.P.ClaimIdempotencyKey(ctx, c, pn, "k"); err != nil || kept != nil {
		t.Errorf("after a let-go: %+v, %v; want a new claim", kept, err)
	}
	// A claim whose request died is taken over after a while.
	s.Clock.Advance(2 * time.Minute)
	if kept, err := s.P.ClaimIdempotencyKey(ctx, c, pn, "k"); err != nil || kept != nil {
		t.Errorf("a stale claim: %+v, %v; want it taken over", kept, err)
	}
	if _, err := s.P.ClaimIdempotencyKey(ctx, c, pn, ""); wabi.ErrorCode(err) != wabi.EInvalidParam {
		t.Errorf("empty key: %v", err)
	}
	if _, err := s.P.ClaimIdempotencyKey(ctx, platform.Caller{}, pn, "k2"); err == nil {
		t.Error("a caller without the number claimed a key of it")
	}
}
