package controlapi

import (
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
)

// TestQualityActions plays Meta's quality rules from the control API: a
// number's standing, a forced rating, a business's tier and verification,
// blocks and reports by a virtual phone, a WABA's restriction and a
// throughput upgrade, each answered and told to the app as Meta tells it.
func TestQualityActions(t *testing.T) {
	s := mustStack(t, "")
	s.p.Limits = platform.MetaLimits()
	vars := s.vars()
	s.run(t, vars, []step{
		{name: "a number's standing", method: "GET", path: "/api/phone_numbers/{phone_number}/quality", status: 200,
			want: map[string]string{"quality_rating": "GREEN", "messaging_limit": "TIER_2K", "throughput": "STANDARD",
				"reached_24h": "0", "reached_7d": "0", "blocks_7d": "0", "reports_7d": "0",
				"flagged_at": "-", "restricted_until": "-", "upgrade_at": "-", "throughput_upgrade_until": "-"}},
		{name: "of a missing number", method: "GET", path: "/api/phone_numbers/404/quality", status: 404},
		{name: "force RED", method: "POST", path: "/api/phone_numbers/{phone_number}/quality", body: `{"rating":"RED"}`, status: 200,
			want: map[string]string{"quality_rating": "RED", "flagged_at": "2026-03-01T12:00:00Z"},
			then: hears(1, `"event":"FLAGGED"`, `"field":"phone_number_quality_update"`)},
		{name: "a rating that does not exist", method: "POST", path: "/api/phone_numbers/{phone_number}/quality", body: `{"rating":"PURPLE"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "no rating", method: "POST", path: "/api/phone_numbers/{phone_number}/quality", body: `{}`,
			status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "force GREEN", method: "POST", path: "/api/phone_numbers/{phone_number}/quality", body: `{"rating":"GREEN"}`, status: 200,
			want: map[string]string{"quality_rating": "GREEN", "flagged_at": "-"}, then: hears(1, `"event":"UNFLAGGED"`)},

		{name: "the business's limit", method: "GET", path: "/api/businesses/{business}/messaging_limit", status: 200,
			want: map[string]string{"messaging_limit": "TIER_2K", "limit": "2000", "verified": "true", "reached_24h": "0"}},
		{name: "raise it", method: "PUT", path: "/api/businesses/{business}/messaging_limit", body: `{"tier":"TIER_10K"}`, status: 200,
			want: map[string]string{"messaging_limit": "TIER_10K", "limit": "10000"},
			then: hears(1, `"max_daily_conversations_per_business":10000`, `"field":"business_capability_update"`)},
		{name: "each number hears it", method: "GET", path: "/api/phone_numbers/{phone_number}", status: 200,
			want: map[string]string{"messaging_limit": "TIER_10K"}, then: hears(2, `"event":"UPGRADE"`)},
		{name: "a tier that does not exist", method: "PUT", path: "/api/businesses/{business}/messaging_limit", body: `{"tier":"TIER_1M"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "of a missing business", method: "PUT", path: "/api/businesses/404/messaging_limit", body: `{"tier":"TIER_2K"}`, status: 404},
		{name: "verify a verified business", method: "POST", path: "/api/businesses/{business}/verify", status: 200,
			want: map[string]string{"messaging_limit": "TIER_10K", "verified": "true"}},
		{name: "a new business", method: "POST", path: "/api/businesses", body: `{"name":"New Co"}`, status: 201, save: map[string]string{"new": "id"}},
		{name: "starts at 250", method: "GET", path: "/api/businesses/{new}/messaging_limit", status: 200,
			want: map[string]string{"messaging_limit": "TIER_250", "verified": "false"}},
		{name: "verified, it is at 2K", method: "POST", path: "/api/businesses/{new}/verify", status: 200,
			want: map[string]string{"messaging_limit": "TIER_2K", "verified": "true"}},

		{name: "the customer blocks the number, as dialled", method: "POST", path: "/api/phones/{customer}/block",
			body: `{"phone_number_id":"+1 555-000-1000"}`, status: 200,
			want: map[string]string{"wa_id": "{customer}", "phone_number_id": "{phone_number}", "blocked": "true"}},
		{name: "a phone that blocked the number cannot write to it", method: "POST", path: "/api/phones/{customer}/messages",
			body: `{"to":"{phone_number}","type":"text","text":{"body":"hello?"}}`, status: 403,
			want: map[string]string{"error.code": "permission"}},
		{name: "the number's blockers", method: "GET", path: "/api/phone_numbers/{phone_number}/blocks", status: 200,
			want: map[string]string{"data.#": "1", "data.0": "{customer}"}},
		{name: "one block is counted", method: "GET", path: "/api/phone_numbers/{phone_number}/quality", status: 200,
			want: map[string]string{"blocks_7d": "1", "quality_rating": "GREEN"}},
		{name: "the customer unblocks it", method: "POST", path: "/api/phones/{customer}/unblock",
			body: `{"phone_number_id":"{phone_number}"}`, status: 200, want: map[string]string{"blocked": "false"}},
		{name: "and reports it", method: "POST", path: "/api/phones/{customer}/report",
			body: `{"phone_number_id":"{phone_number}"}`, status: 200, want: map[string]string{"blocked": "false"}},
		{name: "two signals from one customer: YELLOW", method: "GET", path: "/api/phone_numbers/{phone_number}/quality", status: 200,
			want: map[string]string{"blocks_7d": "1", "reports_7d": "1", "quality_rating": "YELLOW"}},
		{name: "a phone that does not exist", method: "POST", path: "/api/phones/19999999999/block",
			body: `{"phone_number_id":"{phone_number}"}`, status: 404},
		{name: "a number that does not exist", method: "POST", path: "/api/phones/{customer}/block",
			body: `{"phone_number_id":"404"}`, status: 404},
		{name: "no number", method: "POST", path: "/api/phones/{customer}/report", body: `{}`,
			status: 400, want: map[string]string{"error.code": "required_parameter"}},

		{name: "restrict the WABA", method: "POST", path: "/api/wabas/{waba}/restriction", body: `{"duration":"24h"}`, status: 200,
			want: map[string]string{"waba_id": "{waba}", "restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "until": "2026-03-02T12:00:00Z"},
			then: hears(1, `"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1772452800}]`)},
		{name: "its restriction", method: "GET", path: "/api/wabas/{waba}/restriction", status: 200,
			want: map[string]string{"until": "2026-03-02T12:00:00Z"}},
		{name: "its number shows it", method: "GET", path: "/api/phone_numbers/{phone_number}/quality", status: 200,
			want: map[string]string{"restricted_until": "2026-03-02T12:00:00Z"}},
		{name: "lift it", method: "DELETE", path: "/api/wabas/{waba}/restriction", status: 204,
			then: hears(1, `"event":"ACCOUNT_RESTRICTION","restriction_info":[]`)},
		{name: "lift it again", method: "DELETE", path: "/api/wabas/{waba}/restriction", status: 404},
		{name: "no restriction", method: "GET", path: "/api/wabas/{waba}/restriction", status: 404},
		{name: "a restriction of no time", method: "POST", path: "/api/wabas/{waba}/restriction", body: `{"duration":"-1h"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a restriction without a duration", method: "POST", path: "/api/wabas/{waba}/restriction", body: `{}`,
			status: 400, want: map[string]string{"error.code": "required_parameter"}},
		{name: "of a missing WABA", method: "POST", path: "/api/wabas/404/restriction", body: `{"duration":"1h"}`, status: 404},

		{name: "upgrade the throughput", method: "POST", path: "/api/phone_numbers/{phone_number}/throughput", body: `{"level":"HIGH"}`, status: 200,
			want: map[string]string{"throughput": "STANDARD", "throughput_upgrade_until": "2026-03-01T12:01:00Z"}},
		{name: "a level that does not exist", method: "POST", path: "/api/phone_numbers/{phone_number}/throughput", body: `{"level":"LUDICROUS"}`,
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a minute later it is HIGH", method: "GET", path: "/api/phone_numbers/{phone_number}/quality", status: 200,
			then: func(t *testing.T, s *stack, _ response, vars map[string]string) {
				s.clock.Advance(time.Minute)
				r := s.do(t, "GET", "/api/phone_numbers/"+vars["phone_number"]+"/quality", "", nil)
				if got := r.str("throughput"); got != "HIGH" {
					t.Errorf("throughput %s, want HIGH; body %s", got, r.raw)
				}
				hears(1, `"event":"THROUGHPUT_UPGRADE"`)(t, s, r, vars)
			}},
	})
}
