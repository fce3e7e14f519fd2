package platform_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/seal"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

func mustSealRing(t *testing.T, b byte, previous ...[]byte) *seal.Ring {
	t.Helper()
	r, err := seal.New(bytes.Repeat([]byte{b}, seal.KeySize), previous...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRelayConfig checks that a relay is validated, stored with its secrets
// sealed, read back open, found by its upstream number, resealed after a key
// rotation, and deleted.
func TestRelayConfig(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{})
	ctx := context.Background()
	pn := s.Demo.Phone.ID
	good := wabi.RelayConfig{PhoneNumberID: pn, BaseURL: "https://graph.example.com/", UpstreamNumberID: "106540352242922",
		AccessToken: "EAAG-upstream-token", AppSecret: "upstream-app-secret", VerifyToken: "upstream-verify"}

	if _, err := s.P.PutRelay(ctx, good); err == nil || !strings.Contains(err.Error(), "key") {
		t.Fatalf("PutRelay without a key: %v, want a refusal naming the key", err)
	}
	s.P.Seal = mustSealRing(t, 1)
	for _, c := range []struct {
		name string
		edit func(*wabi.RelayConfig)
		code wabi.Code
	}{
		{"no base URL", func(c *wabi.RelayConfig) { c.BaseURL = "" }, wabi.ERequired},
		{"ftp base URL", func(c *wabi.RelayConfig) { c.BaseURL = "ftp://graph.example.com" }, wabi.EInvalidParam},
		{"base URL with a query", func(c *wabi.RelayConfig) { c.BaseURL = "https://x.example?a=1" }, wabi.EInvalidParam},
		{"bad version", func(c *wabi.RelayConfig) { c.APIVersion = "23" }, wabi.EInvalidParam},
		{"no upstream number", func(c *wabi.RelayConfig) { c.UpstreamNumberID = "" }, wabi.ERequired},
		{"upstream number not an id", func(c *wabi.RelayConfig) { c.UpstreamNumberID = "abc" }, wabi.EInvalidParam},
		{"no token", func(c *wabi.RelayConfig) { c.AccessToken = " " }, wabi.ERequired},
		{"no app secret", func(c *wabi.RelayConfig) { c.AppSecret = "" }, wabi.ERequired},
		{"no verify token", func(c *wabi.RelayConfig) { c.VerifyToken = "" }, wabi.ERequired},
		{"no such number", func(c *wabi.RelayConfig) { c.PhoneNumberID = "999" }, wabi.ENotFound},
	} {
		bad := good
		c.edit(&bad)
		if _, err := s.P.PutRelay(ctx, bad); wabi.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if s.P.Relayed(ctx, pn) {
		t.Fatal("a refused relay counts as relayed")
	}

	got, err := s.P.PutRelay(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if got.BaseURL != "https://graph.example.com" || got.APIVersion != "v23.0" {
		t.Errorf("stored base URL %q, version %q: want the slash trimmed and v23.0", got.BaseURL, got.APIVersion)
	}
	rec, err := s.Store.Record(ctx, pn, "relay", "config")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{good.AccessToken, good.AppSecret, good.VerifyToken} {
		if bytes.Contains(rec.Value, []byte(secret)) {
			t.Errorf("the stored relay holds %q in the clear: %s", secret, rec.Value)
		}
	}
	r, err := s.P.Relay(ctx, pn)
	if err != nil || r.AccessToken != good.AccessToken || r.AppSecret != good.AppSecret || r.VerifyToken != good.VerifyToken {
		t.Fatalf("Relay = %+v, %v: want the secrets open", r, err)
	}
	if r, err := s.P.RelayByUpstream(ctx, "106540352242922"); err != nil || r.PhoneNumberID != pn {
		t.Errorf("RelayByUpstream = %+v, %v", r, err)
	}
	if _, err := s.P.RelayByUpstream(ctx, "1"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("RelayByUpstream of an unknown number: %v", err)
	}

	// Rotation: a new current key, the old one previous; the relay still
	// opens, and ResealRelays moves it to the new key once.
	s.P.Seal = mustSealRing(t, 2, bytes.Repeat([]byte{1}, seal.KeySize))
	if n, err := s.P.ResealRelays(ctx); err != nil || n != 1 {
		t.Fatalf("ResealRelays = %d, %v; want 1", n, err)
	}
	if n, err := s.P.ResealRelays(ctx); err != nil || n != 0 {
		t.Fatalf("ResealRelays again = %d, %v; want 0", n, err)
	}
	s.P.Seal = mustSealRing(t, 2)
	s.Clock.Advance(time.Minute) // past the cache
	if r, err := s.P.Relay(ctx, pn); err != nil || r.AccessToken != good.AccessToken {
		t.Fatalf("Relay under the new key alone = %+v, %v", r, err)
	}

	if err := s.P.DeleteRelay(ctx, pn); err != nil {
		t.Fatal(err)
	}
	if s.P.Relayed(ctx, pn) {
		t.Error("still relayed after DeleteRelay")
	}
	if cs, err := s.P.Relays(ctx); err != nil || len(cs) != 0 {
		t.Errorf("Relays after the delete = %v, %v", cs, err)
	}
	if err := s.P.DeleteRelay(ctx, pn); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("second DeleteRelay: %v, want not found", err)
	}
}

// TestRelayExchangeLog checks that exchanges are listed newest first, up to
// the limit, and drop out after the retention.
func TestRelayExchangeLog(t *testing.T) {
	s := wabitest.New(t, wabitest.Options{})
	ctx := context.Background()
	pn := s.Demo.Phone.ID
	for i := range 3 {
		s.P.LogRelayExchange(ctx, wabi.RelayExchange{PhoneNumberID: pn, Direction: "out", Method: "POST",
			URL: "https://graph.example.com/v23.0/1/messages", Status: 200 + i})
		s.Clock.Advance(time.Second)
	}
	xs, err := s.P.RelayExchanges(ctx, pn, 2)
	if err != nil || len(xs) != 2 || xs[0].Status != 202 || xs[1].Status != 201 {
		t.Fatalf("RelayExchanges(2) = %+v, %v; want the last two, newest first", xs, err)
	}
	s.Clock.Advance(8 * 24 * time.Hour)
	if xs, err := s.P.RelayExchanges(ctx, pn, 0); err != nil || len(xs) != 0 {
		t.Errorf("after the retention: %d exchanges, %v", len(xs), err)
	}
}
