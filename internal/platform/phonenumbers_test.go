package platform

import (
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestRegistrationHistory: the calls kept for the limit, and the status and
// onboarding time they tell.
func TestRegistrationHistory(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	h := func(hours ...int) []time.Time {
		var ts []time.Time
		for _, n := range hours {
			ts = append(ts, t0.Add(time.Duration(n)*time.Hour))
		}
		return ts
	}
	tests := []struct {
		name       string
		registered bool
		calls      []time.Time
		status     string
		onboarded  time.Time
		known      bool
	}{
		{"created registered by the operator", true, nil, StatusConnected, t0.Add(-time.Hour), true},
		{"never registered", false, nil, StatusPending, time.Time{}, false},
		{"registered", true, h(1), StatusConnected, t0.Add(time.Hour), true},
		{"deregistered", false, h(1, 2), StatusDisconnected, t0.Add(time.Hour), true},
		{"deregistered long after", false, h(2), StatusDisconnected, time.Time{}, false},
		{"registered again", true, h(1, 2, 3), StatusConnected, t0.Add(3 * time.Hour), true},
	}
	for _, tt := range tests {
		pn := &wabi.PhoneNumber{Registered: tt.registered, Registrations: tt.calls, CreatedAt: t0.Add(-time.Hour)}
		on, known := LastOnboarded(pn)
		if got := NumberStatus(pn); got != tt.status || !on.Equal(tt.onboarded) || known != tt.known {
			t.Errorf("%s: status %s, onboarded %v (%v); want %s, %v (%v)", tt.name, got, on, known, tt.status, tt.onboarded, tt.known)
		}
	}

	for _, tt := range []struct {
		name  string
		calls []time.Time
		now   time.Time
		want  []time.Time
	}{
		{"first call", nil, t0, h(0)},
		{"calls in the window stay", h(0, 1), t0.Add(2 * time.Hour), h(0, 1, 2)},
		{"old calls go but the last", h(0, 1), t0.Add(100 * time.Hour), h(1, 100)},
		{"a call exactly 72 hours old goes", h(0, 30), t0.Add(72 * time.Hour), h(30, 72)},
	} {
		got := recordRegistration(tt.calls, tt.now)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if !got[i].Equal(tt.want[i]) {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			}
		}
	}
}

// TestPINHash: PINs are salted per number and never stored in plain text.
func TestPINHash(t *testing.T) {
	a, b := hashPIN("123456"), hashPIN("123456")
	if a == b || strings.Contains(a, "123456") || !strings.HasPrefix(a, "sha256:") {
		t.Fatalf("hashPIN gives %q and %q for one PIN", a, b)
	}
	for _, tt := range []struct {
		stored, pin string
		want        bool
	}{
		{a, "123456", true}, {b, "123456", true}, {a, "123457", false}, {"", "123456", false},
		{"sha256:salt", "123456", false}, {"md5:x:y", "123456", false},
	} {
		if got := pinMatches(tt.stored, tt.pin); got != tt.want {
			t.Errorf("pinMatches(%q, %q) = %v, want %v", tt.stored, tt.pin, got, tt.want)
		}
	}
}
