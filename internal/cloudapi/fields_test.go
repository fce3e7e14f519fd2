package cloudapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestParseFields reads fields parameters as clients write them: plain lists,
// chained modifiers with bare, JSON-ish and single-quoted arrays, empty
// modifiers, sub-fields in braces, and commas inside modifiers that do not split
// fields.
func TestParseFields(t *testing.T) {
	mod := func(name string, args ...string) modifier { return modifier{Name: name, Args: args} }
	tests := []struct {
		in   string
		want []field
	}{
		{"", nil},
		{"id", []field{{Name: "id"}}},
		{" id , name ,", []field{{Name: "id"}, {Name: "name"}}},
		{"id,,name", []field{{Name: "id"}, {Name: "name"}}},
		{"analytics.start(1700000000).end(1700086400).granularity(DAY)", []field{{Name: "analytics",
			Modifiers: []modifier{mod("start", "1700000000"), mod("end", "1700086400"), mod("granularity", "DAY")}}}},
		{`pricing_analytics.dimensions(["PRICING_CATEGORY","COUNTRY"]).metric_types(COST,VOLUME),currency`, []field{
			{Name: "pricing_analytics", Modifiers: []modifier{mod("dimensions", "PRICING_CATEGORY", "COUNTRY"), mod("metric_types", "COST", "VOLUME")}},
			{Name: "currency"}}},
		{`x.dimensions(['PHONE']).phone_numbers([ "1555", 1666 ])`, []field{{Name: "x",
			Modifiers: []modifier{mod("dimensions", "PHONE"), mod("phone_numbers", "1555", "1666")}}}},
		{"x.country_codes().metric_types([]).phone_numbers( )", []field{{Name: "x",
			Modifiers: []modifier{mod("country_codes"), mod("metric_types"), mod("phone_numbers")}}}},
		{`x.a("say \"hi\", then go")`, []field{{Name: "x", Modifiers: []modifier{mod("a", `say "hi", then go`)}}}},
		{"x . start ( 1 ) , y", []field{{Name: "x", Modifiers: []modifier{mod("start", "1")}}, {Name: "y"}}},
		{"phone_numbers.limit(2){id,quality_rating},name", []field{
			{Name: "phone_numbers", Modifiers: []modifier{mod("limit", "2")}, Fields: []field{{Name: "id"}, {Name: "quality_rating"}}},
			{Name: "name"}}},
		{"a{b{c}}", []field{{Name: "a", Fields: []field{{Name: "b", Fields: []field{{Name: "c"}}}}}}},
		{"a{}", []field{{Name: "a", Fields: []field{}}}},
	}
	for _, tt := range tests {
		got, err := parseFields(tt.in)
		if err != nil {
			t.Errorf("parseFields(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseFields(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

// TestParseFieldsErrors: malformed parameters are Graph's code 100 syntax errors
// that say where they went wrong.
func TestParseFieldsErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"analytics.start(1", `Syntax error "Expected ")" to close the modifier start." at character 18: analytics.start(1`},
		{"analytics.start", `Expected "(" after the modifier start.`},
		{"analytics.(1)", `Expected a field name instead of "(".`},
		{"analytics.", `Expected a field name at the end of the string.`},
		{"id name", `Expected "," instead of "n".`},
		{"id)", `Expected "," instead of ")".`},
		{"id}", `Expected end of string instead of "}".`},
		{"a{b", `Expected "}" at the end of the sub-fields of a.`},
		{"a{b}{c}", `Expected "," instead of "{".`},
		{`x.d(["A" "B"])`, `Expected "," or "]" instead of """.`},
		{`x.d(["A")`, `Expected "," or "]" instead of ")".`},
		{`x.d(["A"]`, `Expected ")" to close the modifier d.`},
		{`x.d("A)`, `Unterminated string.`},
		{`x.d(A,,B)`, `Unexpected ",".`},
		{`x.d(A,`, `Expected ")" to close a modifier.`},
		{`x.d(A(B))`, `Expected "," or ")" instead of "(".`},
		{"na-me", `Expected "," instead of "-".`},
	}
	for _, tt := range tests {
		_, err := parseFields(tt.in)
		e := wabi.AsError(err)
		if e == nil || e.Code != wabi.EBadRequest || !strings.Contains(e.Message, tt.msg) {
			t.Errorf("parseFields(%q) = %v, want EBadRequest containing %q", tt.in, err, tt.msg)
		}
	}
}

// FuzzParseFields: any input parses or fails with a syntax error, never panics,
// and what parses has names that are names.
func FuzzParseFields(f *testing.F) {
	for _, s := range []string{"id,name", `analytics.start(1).phone_numbers(["1","2"])`, "a{b.c(1){d}}", `x.d('a\'b')`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := parseFields(s)
		if err != nil {
			if wabi.ErrorCode(err) != wabi.EBadRequest {
				t.Fatalf("parseFields(%q): %v is not a syntax error", s, err)
			}
			return
		}
		var walk func([]field)
		walk = func(fs []field) {
			for _, f := range fs {
				if f.Name == "" || strings.Trim(f.Name, "_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
					t.Fatalf("parseFields(%q): bad name %q", s, f.Name)
				}
				walk(f.Fields)
			}
		}
		walk(fs)
	})
}
