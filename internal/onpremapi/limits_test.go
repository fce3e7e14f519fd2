package onpremapi_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/golden"
	"github.com/wabihq/wabi/internal/platform"
)

// TestRateLimits: on POST /v1/messages, a send over the number's throughput
// is answered 429 with the client's "Rate limit hit" (429), one over the pair
// rate 429 with 1015 "Too many requests", each with details that say which
// limit and when to retry (golden files under testdata/limits).
func TestRateLimits(t *testing.T) {
	s := newStack(t)
	s.P.Limits = platform.MetaLimits()
	tok := s.mustAdmin()
	s.openWindow()
	override := func(o platform.LimitOverride) {
		t.Helper()
		if _, err := s.P.SetNumberLimits(context.Background(), s.pn.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	send := func() resp {
		return s.do("POST", "/v1/messages", tok, map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "hi"}})
	}
	body := func(r resp) []byte {
		return bytes.ReplaceAll(bytes.TrimSpace(r.raw), []byte(s.pn.ID), []byte("PHONE_NUMBER_ID"))
	}
	one := 1
	override(platform.LimitOverride{Throughput: &one})
	wantOK(t, send(), http.StatusOK)
	r := send()
	wantError(t, r, http.StatusTooManyRequests, 429)
	golden.Assert(t, "testdata/limits/throughput.json", body(r))

	s.Clock.Advance(time.Second)
	override(platform.LimitOverride{PairBurst: &one})
	r = send()
	wantError(t, r, http.StatusTooManyRequests, 1015)
	golden.Assert(t, "testdata/limits/pair_rate.json", body(r))

	s.Clock.Advance(5 * time.Second)
	wantOK(t, send(), http.StatusOK)
}
