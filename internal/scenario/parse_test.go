package scenario

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// env is the environment the parse tests expand variables from.
func env(k string) string {
	return map[string]string{"BOT_TOKEN": "ci-token-from-the-environment", "EMPTY": ""}[k]
}

// TestParseReadsAWorld: a YAML file gives every section, with the
// conveniences YAML users expect: unquoted numbers where strings are due,
// comments, variables from the environment.
func TestParseReadsAWorld(t *testing.T) {
	s, err := Parse("ci.yaml", []byte(`
# A CI world.
businesses:
  - name: Acme
    verified: true
    messaging_limit: TIER_10K
    wabas:
      - name: Support
        limits: {throughput: 10, pair_interval: 1s}
        numbers:
          - phone_number: +1 555-010-7788
            verified_name: Acme Support
            quality_rating: YELLOW
          - phone_number: 15550107789        # a YAML integer
            verified_name: Acme Legacy
            platform_type: ON_PREMISE
            onprem: {admin_password: "Legacy-Pass-1", webhook_url: "http://127.0.0.1:9000/hook"}
        templates:
          - name: order_ready
            language: en_US
            category: UTILITY
            components: [{type: BODY, text: "Order {{1}} costs $${PRICE}."}]
    apps:
      - name: Bot
        secret: ${BOT_SECRET:-bot-secret-0123456789}
        webhook: {callback_url: "http://127.0.0.1:3000/webhook", verify_token: v, fields: [messages]}
        subscribed_wabas: [Support]
    tokens:
      - token: ${BOT_TOKEN}
        name: ci
        app: Bot
        wabas: [Support]
phones:
  - wa_id: 15550002001
    profile_name: Ann
  - wa_id: "15550300000"
    count: 100
    profile_name: Load {n}
    behaviour: {delivery_delay: 50ms, auto_read: false}
faults:
  - phone_number: +1 555-010-7788
    kind: delivery_failed
    code: 131026
    probability: 0.25
`), env)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Businesses[0]
	if !b.Verified || b.MessagingLimit != "TIER_10K" {
		t.Errorf("business = %+v", b)
	}
	w := b.WABAs[0]
	if *w.Limits.Throughput != 10 || w.Limits.PairInterval != "1s" || w.Limits.Enabled != nil {
		t.Errorf("limits = %+v", w.Limits)
	}
	if n := w.Numbers[1]; n.PhoneNumber != "15550107789" || n.OnPrem.AdminPassword != "Legacy-Pass-1" {
		t.Errorf("number = %+v", n)
	}
	var comps []map[string]string
	if err := json.Unmarshal(w.Templates[0].Components, &comps); err != nil || comps[0]["text"] != "Order {{1}} costs ${PRICE}." {
		t.Errorf("components = %s (%v): $${ must stay a literal ${", w.Templates[0].Components, err)
	}
	if a := b.Apps[0]; a.Secret != "bot-secret-0123456789" || a.Webhook.VerifyToken != "v" || a.SubscribedWABAs[0] != "Support" {
		t.Errorf("app = %+v", a)
	}
	if tok := b.Tokens[0]; tok.Token != "ci-token-from-the-environment" || tok.App != "Bot" {
		t.Errorf("token = %+v", tok)
	}
	if p := s.Phones[0]; p.WaID != "15550002001" {
		t.Errorf("phone = %+v: an unquoted wa_id must read as its digits", p)
	}
	if p := s.Phones[1]; p.Count != 100 || p.Behaviour.DeliveryDelay != "50ms" || *p.Behaviour.AutoRead {
		t.Errorf("phones = %+v", p)
	}
	if f := s.Faults[0]; f.Code != 131026 || *f.Probability != 0.25 || f.Count != nil {
		t.Errorf("fault = %+v", f)
	}
}

// TestParseJSON: JSON is read the same way, and $schema is allowed for
// editors.
func TestParseJSON(t *testing.T) {
	s, err := Parse("ci.json", []byte(`{"$schema":"../scenario.schema.json",
		"businesses":[{"name":"Acme","wabas":[{"name":"W"}]}],"phones":[{"wa_id":"15550002001"}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Businesses[0].WABAs[0].Name != "W" || s.Phones[0].WaID != "15550002001" {
		t.Errorf("scenario = %+v", s)
	}
}

// TestParseErrors: every mistake is named by file, place, item and field.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		want       []string
	}{
		{"unknown field, with a suggestion", `
businesses:
  - name: Acme
    wabas:
      - name: W
        numbers:
          - phone_number: "15550107788"
            verfied_name: Support`,
			[]string{`x.yaml: businesses[0].wabas[0].numbers[0] (number 15550107788): unknown field "verfied_name"; did you mean "verified_name"?`}},
		{"unknown top-level section", `phone: []`,
			[]string{`x.yaml: unknown field "phone"; did you mean "phones"?`}},
		{"a field far from every known one lists them", `businesses: [{name: A, colour: red}]`,
			[]string{`(business A): unknown field "colour"; known fields: apps, messaging_limit, name, tokens, verified, wabas`}},
		{"camelCase for snake_case", `phones: [{waId: "15550002001"}]`,
			[]string{`unknown field "waId"; did you mean "wa_id"?`}},
		{"wrong types", `
businesses:
  - name: Acme
    verified: "yes please"
phones:
  - wa_id: 15550002001
    count: many
faults:
  - kind: delivery_failed
    probability: high`,
			[]string{
				`businesses[0].verified (business Acme): must be true or false, not "yes please"`,
				`phones[0].count (phone 15550002001): must be a whole number, not "many"`,
				`faults[0].probability (fault delivery_failed): must be a number, not "high"`,
			}},
		{"a list where a mapping is due", `businesses: {name: Acme}`,
			[]string{`x.yaml: businesses: must be a list, not a mapping`}},
		{"a fraction where a string is due", `phones: [{wa_id: 1.5}]`,
			[]string{`phones[0].wa_id (phone 1.5): must be a string, not 1.5 (quote it)`}},
		{"a YAML boolean where a string is due", `businesses: [{name: A, wabas: [{name: y}]}]`,
			[]string{`businesses[0].wabas[0].name (business A): must be a string, not true (YAML reads unquoted yes, no, on, off, y and n as true or false: quote it)`}},
		{"duplicate keys", "phones:\n  - wa_id: \"1\"\n    wa_id: \"2\"\n",
			[]string{`x.yaml: not valid YAML or JSON:`, `"wa_id" already set`}},
		{"not YAML at all", "businesses: [", []string{`x.yaml: not valid YAML or JSON`}},
		{"empty", "# nothing\n", []string{`x.yaml: the scenario is empty`}},
		{"unset variable", `businesses: [{name: Acme, tokens: [{name: ci, token: "${CI_TOKEN}"}]}]`,
			[]string{`businesses[0].tokens[0].token (token ci): environment variable CI_TOKEN is not set (write ${CI_TOKEN:-default} to give a default)`}},
		{"empty variable", `businesses: [{name: "${EMPTY}x"}]`,
			[]string{`environment variable EMPTY is not set`}},
		{"a broken reference", `businesses: [{name: Acme, apps: [{name: "Bad", webhook: {callback_url: "${NOPE"}}]}]`,
			[]string{`businesses[0].apps[0].webhook.callback_url (app Bad): "${NOPE" has a ${ without its }`}},
		{"missing keys", `
businesses:
  - wabas: []
  - name: Acme
    wabas:
      - numbers: []
      - name: W
        numbers: [{verified_name: x}]
        templates: [{name: t}]
    apps: [{secret: x}]
    tokens: [{app: Bot}]
phones: [{profile_name: Ann}]
faults: [{wa_id: "15550002001"}]`,
			[]string{
				`businesses[0]: name is required`,
				`businesses[1].wabas[0] (business Acme): name is required`,
				`businesses[1].wabas[1].numbers[0] (WABA W): phone_number is required`,
				`businesses[1].wabas[1].templates[0] (WABA W): name and language are required`,
				`businesses[1].apps[0] (business Acme): name is required`,
				`businesses[1].tokens[0] (business Acme): token or name is required`,
				`businesses[1].tokens[0].app: business Acme has no app "Bot" in the file`,
				`phones[0]: wa_id must be the phone's number`,
				`faults[0]: kind is required`,
			}},
		{"duplicates", `
businesses:
  - name: Acme
    wabas:
      - name: W
        numbers: [{phone_number: "+1 555 010 7788"}, {phone_number: "15550107788"}]
        templates: [{name: t, language: en}, {name: t, language: en}]
      - name: W
    apps: [{name: Bot}, {name: Bot}]
    tokens: [{token: "same-token-0123456789"}, {token: "same-token-0123456789"}, {name: x}, {name: x}]
  - name: Acme`,
			[]string{
				`businesses[0].wabas[0].numbers[1] (number 15550107788): the file has this number already, at businesses[0].wabas[0].numbers[0]`,
				`businesses[0].wabas[0].templates[1] (template t en): WABA W has this template already`,
				`businesses[0].wabas[1] (WABA W): business Acme has another WABA of this name`,
				`businesses[0].apps[1] (app Bot): business Acme has another app of this name`,
				`businesses[0].tokens[1]: the file has this token value already, at businesses[0].tokens[0]`,
				`businesses[0].tokens[3] (token x): business Acme has another token of this name without a value`,
				`businesses[1] (business Acme): another business has this name`,
			}},
		{"references to WABAs the business does not have", `
businesses:
  - name: Acme
    wabas: [{name: W}]
    apps: [{name: Bot, subscribed_wabas: [W, X]}]
    tokens: [{name: ci, wabas: [Z]}]`,
			[]string{
				`businesses[0].apps[0].subscribed_wabas[1] (app Bot): business Acme has no WABA "X" in the file`,
				`businesses[0].tokens[0].wabas[0] (token ci): business Acme has no WABA "Z" in the file`,
			}},
		{"a deployment for a Cloud API number", `
businesses: [{name: A, wabas: [{name: W, numbers: [
  {phone_number: "15550107788", onprem: {admin_password: x}},
  {phone_number: "15550107789", platform_type: ON_PREMISE, onprem: {webhook_url: "http://x"}}]}]}]`,
			[]string{
				`numbers[0].onprem (number 15550107788): only an ON_PREMISE number has a deployment to set up`,
				`numbers[1].onprem (number 15550107789): webhook_url needs admin_password`,
			}},
		{"phone runs", `
phones:
  - {wa_id: "15550300000", count: 10}
  - {wa_id: "15550300005"}
  - {wa_id: "9999999998", count: 5}
  - {wa_id: "0155500"}
  - {wa_id: "15550400000", count: -1}`,
			[]string{
				`phones[1] (phone 15550300005): its numbers overlap those of phones[0]`,
				`phones[2].count (phone 9999999998): the run of 5 phones from 9999999998 runs past 9999999999`,
				`phones[3]: wa_id must be the phone's number, digits with country code and no +, not "0155500"`,
				`phones[4].count (phone 15550400000): must be at least 1`,
			}},
		{"too many phones", `phones: [{wa_id: "15550300000", count: 100001}]`,
			[]string{`phones[0].count (phone 15550300000): the scenario makes more than 100000 phones`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.file), env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "x.yaml" {
				t.Errorf("error %v is not a *scenario.Error of x.yaml", err)
			}
		})
	}
}

// TestParseErrorsNeverQuoteTokens: a token is named by its name in errors,
// never by its value, which is a secret.
func TestParseErrorsNeverQuoteTokens(t *testing.T) {
	_, err := Parse("x.yaml", []byte(`businesses: [{name: A, tokens: [{token: "secret-value-0123456789", nmae: ci}]}]`), nil)
	if err == nil || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("error = %v", err)
	}
}

// TestLoad reads a file by its path, names it by its base name, and refuses
// one too large to be a scenario.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(path, []byte("phones: [{wa_id: \"15550002001\"}]\nbusinesses: [{name: A, nope: 1}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err == nil || !strings.HasPrefix(err.Error(), "world.yaml: businesses[0] (business A): unknown field") {
		t.Errorf("error = %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxFileSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big, nil); err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("error = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("error = %v", err)
	}
}
