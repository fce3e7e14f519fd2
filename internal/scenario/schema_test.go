package scenario

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// schemaPath is the published JSON Schema of scenario files.
const schemaPath = "../../docs/scenario.schema.json"

// TestSchemaMatchesTheTypes: docs/scenario.schema.json documents every field
// wabi reads, no field it does not, each with a description and the JSON type
// the field takes; every object refuses other fields, as wabi does.
func TestSchemaMatchesTheTypes(t *testing.T) {
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", schema["$schema"])
	}
	defs, _ := schema["$defs"].(map[string]any)
	used := map[string]bool{}
	resolve := func(node map[string]any) map[string]any {
		if ref, ok := node["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			used[name] = true
			def, ok := defs[name].(map[string]any)
			if !ok {
				t.Fatalf("$ref %s names no definition", ref)
			}
			return def
		}
		return node
	}
	var check func(node map[string]any, typ reflect.Type, path string)
	check = func(node map[string]any, typ reflect.Type, path string) {
		node = resolve(node)
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ == rawJSON {
			if node["type"] != "array" {
				t.Errorf("%s: type %v, want array", path, node["type"])
			}
			return
		}
		switch typ.Kind() {
		case reflect.Struct:
			if node["type"] != "object" || node["additionalProperties"] != false {
				t.Errorf("%s: want an object with additionalProperties false, got type %v, additionalProperties %v", path, node["type"], node["additionalProperties"])
			}
			props, _ := node["properties"].(map[string]any)
			fields := jsonFields(typ)
			var inSchema, inGo []string
			for k := range props {
				inSchema = append(inSchema, k)
			}
			for k := range fields {
				inGo = append(inGo, k)
			}
			sort.Strings(inSchema)
			sort.Strings(inGo)
			if !slices.Equal(inSchema, inGo) {
				t.Errorf("%s: the schema has fields %q, wabi reads %q", path, inSchema, inGo)
			}
			for k, f := range fields {
				p, ok := props[k].(map[string]any)
				if !ok {
					continue
				}
				if d, _ := p["description"].(string); d == "" {
					t.Errorf("%s.%s has no description", path, k)
				}
				check(p, f, path+"."+k)
			}
		case reflect.Slice:
			if node["type"] != "array" {
				t.Errorf("%s: type %v, want array", path, node["type"])
			}
			items, _ := node["items"].(map[string]any)
			check(items, typ.Elem(), path+"[]")
		case reflect.String:
			if enum, ok := node["enum"].([]any); ok {
				for _, v := range enum {
					if _, ok := v.(string); !ok {
						t.Errorf("%s: enum value %v is not a string", path, v)
					}
				}
				return
			}
			if !takes(node["type"], "string") {
				t.Errorf("%s: type %v, want string", path, node["type"])
			}
		case reflect.Int:
			if !takes(node["type"], "integer") {
				t.Errorf("%s: type %v, want integer", path, node["type"])
			}
		case reflect.Float64:
			if !takes(node["type"], "number") {
				t.Errorf("%s: type %v, want number", path, node["type"])
			}
		case reflect.Bool:
			if !takes(node["type"], "boolean") {
				t.Errorf("%s: type %v, want boolean", path, node["type"])
			}
		default:
			t.Errorf("%s: no check for %s", path, typ)
		}
	}
	check(schema, reflect.TypeFor[Scenario](), "scenario")
	for name := range defs {
		if !used[name] {
			t.Errorf("$defs/%s is used nowhere", name)
		}
	}
}

// takes reports whether a schema type (a name or a list of names) has want.
func takes(typ any, want string) bool {
	switch x := typ.(type) {
	case string:
		return x == want
	case []any:
		for _, v := range x {
			if v == want {
				return true
			}
		}
	}
	return false
}

// TestExamplesReadStrictly: every example in docs/scenarios reads without an
// error, with its variables at their defaults, and names the schema for
// editors.
func TestExamplesReadStrictly(t *testing.T) {
	files, err := filepath.Glob("../../docs/scenarios/*")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %q, %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if ext := filepath.Ext(f); ext != ".yaml" && ext != ".json" {
				t.Fatalf("%s is not a .yaml or .json scenario", f)
			}
			if _, err := Load(f, func(string) string { return "" }); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(f)
			if !strings.Contains(string(b), "$schema=../scenario.schema.json") && !strings.Contains(string(b), `"$schema": "../scenario.schema.json"`) {
				t.Errorf("%s does not name ../scenario.schema.json", f)
			}
		})
	}
}

// TestSchemaEnums: the schema's lists of values are wabi's own.
func TestSchemaEnums(t *testing.T) {
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []string `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, k := range wabi.FaultKinds() {
		kinds = append(kinds, string(k))
	}
	for _, tt := range []struct {
		def, field string
		want       []string
	}{
		{"fault", "kind", kinds},
		{"business", "messaging_limit", wabi.Tiers()},
		{"number", "platform_type", []string{string(wabi.PlatformCloud), string(wabi.PlatformOnPrem)}},
		{"number", "quality_rating", []string{wabi.QualityGreen, wabi.QualityYellow, wabi.QualityRed}},
		{"template", "status", []string{wabi.TemplateApproved, wabi.TemplatePending, wabi.TemplateRejected, wabi.TemplatePaused, wabi.TemplateDisabled}},
		{"template", "quality_score", []string{wabi.QualityGreen, wabi.QualityYellow, wabi.QualityRed, wabi.QualityUnknown}},
	} {
		got := schema.Defs[tt.def].Properties[tt.field].Enum
		if !slices.Equal(got, tt.want) {
			t.Errorf("$defs/%s.%s: enum %q, wabi has %q", tt.def, tt.field, got, tt.want)
		}
	}
}
