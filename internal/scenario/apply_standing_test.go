package scenario

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// standingWorld sets limits, a tier, a verification, a quality rating and
// faults. {FAULT} is replaced by the test.
const standingWorld = `
businesses:
  - name: Tight
    verified: true
    messaging_limit: TIER_250
    wabas:
      - name: W
        limits: {calls_per_hour: 20}
        numbers:
          - phone_number: "15550300001"
            verified_name: Tight Limits
            quality_rating: YELLOW
            limits: {enabled: true, throughput: 5, pair_burst: 2, pair_interval: 10s}
    apps: [{name: App}]
    tokens: [{token: tight-token-0123456789, name: t, app: App}]
phones: [{wa_id: "15550500001"}]
faults:
  - {phone_number: "15550300001", kind: delivery_failed, code: 131026, count: 2, note: first two fail}
{FAULT}
`

// TestApplyStanding: limits, tiers, ratings and faults are set as the file
// says, hold (the limits refuse the third message to one customer), and an
// edited file brings them in line: a changed fault replaces the old one, a
// fault set by hand stays, limits: {} removes an override.
func TestApplyStanding(t *testing.T) {
	w := mustWorld(t, "")
	world := strings.ReplaceAll(standingWorld, "{FAULT}", `  - {wa_id: "15550500001", kind: status_dropped, status: read, probability: 0.5}`)
	res := w.mustApply(t, world, nil)
	number := res.Numbers["15550300001"]
	business := res.Businesses[0].ID

	// Verified first, then put at TIER_250: verifying alone would raise it.
	_, body := w.do(t, "GET", "/api/businesses/"+business+"/messaging_limit", nil, "")
	if field(t, body, "messaging_limit") != "TIER_250" || field(t, body, "verified") != "true" {
		t.Errorf("messaging limit = %s", body)
	}
	if _, body := w.do(t, "GET", "/api/phone_numbers/"+number+"/quality", nil, ""); field(t, body, "quality_rating") != "YELLOW" {
		t.Errorf("quality = %s", body)
	}
	if _, body := w.do(t, "GET", "/api/phone_numbers/"+number+"/limits", nil, ""); field(t, body, "override.throughput") != "5" || field(t, body, "override.pair_burst") != "2" {
		t.Errorf("number limits = %s", body)
	}
	// The pair limit holds: two messages at once to one customer, not three.
	if status, body := w.do(t, "POST", "/api/phones/15550500001/messages", nil, `{"to":"`+number+`","type":"text","text":{"body":"hi"}}`); status != http.StatusCreated {
		t.Fatalf("the customer writes first: %d %s", status, body)
	}
	var codes []string
	for range 3 {
		_, body := w.sendText(t, "tight-token-0123456789", number, "15550500001")
		codes = append(codes, field(t, body, "error.code"))
	}
	if codes[0] != "" || codes[1] != "" || codes[2] != "131056" {
		t.Errorf("error codes of three sends to one customer = %q, want the third 131056", codes)
	}

	// A fault set by hand is not the scenario's.
	if status, body := w.do(t, "POST", "/api/faults", nil, `{"wa_id":"15550500001","kind":"webhook_duplicated","note":"mine"}`); status != http.StatusCreated {
		t.Fatalf("fault by hand: %d %s", status, body)
	}
	faults := func() []apiFault {
		_, body := w.do(t, "GET", "/api/faults", nil, "")
		var l struct{ Data []apiFault }
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatal(err)
		}
		return l.Data
	}
	before := faults()
	if len(before) != 3 || before[0].Note != "scenario: first two fail" || before[1].Note != "scenario" {
		t.Fatalf("faults = %+v", before)
	}

	edited := strings.NewReplacer(
		"probability: 0.5", "probability: 0.25",
		"limits: {enabled: true, throughput: 5, pair_burst: 2, pair_interval: 10s}", "limits: {}",
		"quality_rating: YELLOW", "quality_rating: RED",
	).Replace(world)
	res = w.mustApply(t, edited, nil)
	after := faults()
	if len(after) != 3 {
		t.Fatalf("faults after the edit = %+v", after)
	}
	if after[0].ID != before[0].ID {
		t.Errorf("the unchanged fault was made again: %s, then %s", before[0].ID, after[0].ID)
	}
	if !slices.ContainsFunc(after, func(f apiFault) bool { return f.Note == "mine" }) {
		t.Errorf("the fault set by hand is gone: %+v", after)
	}
	if !slices.ContainsFunc(after, func(f apiFault) bool { return f.Kind == "status_dropped" && *f.Probability == 0.25 }) ||
		slices.ContainsFunc(after, func(f apiFault) bool { return f.ID == before[1].ID }) {
		t.Errorf("the changed fault was not replaced: before %+v, after %+v", before, after)
	}
	if _, body := w.do(t, "GET", "/api/phone_numbers/"+number+"/limits", nil, ""); field(t, body, "override") != "{}" {
		t.Errorf("limits: {} left the override: %s", body)
	}
	if _, body := w.do(t, "GET", "/api/phone_numbers/"+number+"/quality", nil, ""); field(t, body, "quality_rating") != "RED" {
		t.Errorf("quality = %s", body)
	}
	if len(res.Changes) != 4 {
		t.Errorf("changes = %q; want the fault removed and set again, the limits and the rating", res.Changes)
	}

	// A file without faults removes the scenario's, and only those.
	w.mustApply(t, edited[:strings.Index(edited, "faults:")], nil)
	if left := faults(); len(left) != 1 || left[0].Note != "mine" {
		t.Errorf("faults left = %+v, want the one set by hand", left)
	}
}
