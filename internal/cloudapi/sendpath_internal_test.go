package cloudapi

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// The usage header's hand-written JSON is byte for byte what json.Marshal
// writes of the same value.
func TestUsageValueMatchesMarshal(t *testing.T) {
	for _, u := range []platform.CallUsage{
		{WABAID: "102290129340398", Limit: 0},
		{WABAID: "102290129340398", Limit: 100, Used: 37},
		{WABAID: "102290129340398", Limit: 100, Used: 100, RetryAfter: wabi.Duration(61 * time.Second)},
		{WABAID: "1", Limit: 3, Used: 1, RetryAfter: wabi.Duration(time.Hour)},
	} {
		want, err := json.Marshal(map[string][]businessUseCase{u.WABAID: {{
			Type:                        "whatsapp_business_management",
			CallCount:                   u.Percent(),
			EstimatedTimeToRegainAccess: int((time.Duration(u.RetryAfter) + time.Minute - 1) / time.Minute),
		}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := usageValue(&u); got != string(want) {
			t.Errorf("usageValue(%+v)\n = %s\nwant %s", u, got, want)
		}
	}
	// An id that is not all digits is escaped as JSON escapes it.
	if got := usageValue(&platform.CallUsage{WABAID: `a"b`}); !strings.HasPrefix(got, `{"a\"b":[`) {
		t.Errorf("usageValue of a quoted id = %s", got)
	}
}

// The segment tests accept and refuse what the regular expressions they
// replace did.
func TestSegmentMatchers(t *testing.T) {
	version := regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
	numeric := regexp.MustCompile(`^[0-9]+$`)
	for _, s := range []string{"", "v", "v2", "v23.0", "v23.", "v.0", "v23.0.1", "V23.0", "v2x.0", "23.0",
		"1", "0123", "12a", "a12", " 1", "1 ", "١٢", "whatsapp_business", "vv23.0"} {
		if got, want := versionSegment.MatchString(s), version.MatchString(s); got != want {
			t.Errorf("versionSegment(%q) = %v, want %v", s, got, want)
		}
		if got, want := numericSegment.MatchString(s), numeric.MatchString(s); got != want {
			t.Errorf("numericSegment(%q) = %v, want %v", s, got, want)
		}
	}
}

// Trace ids are 23 URL-safe base64 characters and differ from one another.
func TestTraceIDsDiffer(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{23}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := traceID()
		if !valid.MatchString(id) || seen[id] {
			t.Fatalf("trace id %q: malformed or repeated", id)
		}
		seen[id] = true
	}
}
