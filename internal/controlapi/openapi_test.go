package controlapi

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// openapiDoc is the embedded document, parsed.
func openapiDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// documentedRoutes returns the operations of the document as "METHOD path".
func documentedRoutes(t *testing.T, doc map[string]any) []string {
	t.Helper()
	var routes []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(routes)
	return routes
}

// registeredRoutes reads the patterns the package's source registers with
// mux.Handle: string literals, package constants, and sums of them. A pattern
// it cannot read fails the test, so that no route escapes it.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	consts := map[string]string{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	var eval func(ast.Expr) (string, bool)
	eval = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind == token.STRING {
				s, err := strconv.Unquote(e.Value)
				return s, err == nil
			}
		case *ast.Ident:
			s, ok := consts[e.Name]
			return s, ok
		case *ast.BinaryExpr:
			if e.Op == token.ADD {
				x, ok1 := eval(e.X)
				y, ok2 := eval(e.Y)
				return x + y, ok1 && ok2
			}
		case *ast.ParenExpr:
			return eval(e.X)
		}
		return "", false
	}
	var routes []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") || len(call.Args) != 2 {
				return true
			}
			pattern, ok := eval(call.Args[0])
			if !ok {
				t.Errorf("%s: cannot read the pattern of this route", fset.Position(call.Pos()))
				return true
			}
			if pattern == "/api/" {
				return true // the answer to unknown paths
			}
			routes = append(routes, pattern)
			return true
		})
	}
	slices.Sort(routes)
	return routes
}

// TestOpenAPIRoutes requires an operation in openapi.json for every route the
// control API registers, and a route for every operation.
func TestOpenAPIRoutes(t *testing.T) {
	doc := openapiDoc(t)
	documented := documentedRoutes(t, doc)
	registered := registeredRoutes(t)
	if len(registered) < 80 {
		t.Fatalf("found only %d routes in the source; the reader has lost them", len(registered))
	}
	for _, r := range registered {
		if _, ok := slices.BinarySearch(documented, r); !ok {
			t.Errorf("route %s has no operation in openapi.json: add it to operations in openapi_gen_test.go "+
				"and run go test ./internal/controlapi -run TestOpenAPIDocument -update", r)
		}
	}
	for _, d := range documented {
		if _, ok := slices.BinarySearch(registered, d); !ok {
			t.Errorf("operation %s of openapi.json has no route", d)
		}
	}

	// The mux the API really serves must route each operation to its pattern.
	mux := http.NewServeMux()
	(&API{}).routes(mux)
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, d := range documented {
		method, path, _ := strings.Cut(d, " ")
		req := httptest.NewRequest(method, param.ReplaceAllString(path, "x1"), nil)
		if _, pattern := mux.Handler(req); pattern != d {
			t.Errorf("operation %s: the API routes it to %q", d, pattern)
		}
	}
}

// TestOpenAPIValid checks the parts of the document that OpenAPI 3.1 requires
// and that tools rely on: unique operation ids, each path parameter declared,
// a success and an error answer for each operation, and every $ref resolved.
func TestOpenAPIValid(t *testing.T) {
	doc := openapiDoc(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == "" || info["version"] == "" || info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs a title and a version: %v", info)
	}
	ids := map[string]string{}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	for path, item := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(path, "/api/") {
			t.Errorf("path %s is not under /api/", path)
		}
		for method, o := range item.(map[string]any) {
			op := o.(map[string]any)
			name := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] != "" {
				t.Errorf("%s: operationId %q is empty or also %s's", name, id, ids[id])
			}
			ids[id] = name
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s has no summary", name)
			}
			declared := map[string]bool{}
			ps, _ := op["parameters"].([]any)
			for _, p := range ps {
				p := p.(map[string]any)
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
				}
			}
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s does not declare path parameter %s", name, m[1])
				}
				delete(declared, m[1])
			}
			if len(declared) > 0 {
				t.Errorf("%s declares path parameters not in its path: %v", name, declared)
			}
			responses, _ := op["responses"].(map[string]any)
			success := false
			for code := range responses {
				success = success || strings.HasPrefix(code, "2")
			}
			if !success || responses["default"] == nil {
				t.Errorf("%s needs a 2xx answer and the error envelope as default: %v", name, responses)
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := resolveRef(doc, ref); err != nil {
					t.Error(err)
				}
			}
			if _, ok := v["type"].([]any); ok {
				// Valid in 3.1, but client generators such as oapi-codegen
				// refuse it; nullable uses anyOf instead.
				t.Errorf("a schema gives a list of types: %v", v)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	components := doc["components"].(map[string]any)
	for name := range components["responses"].(map[string]any) {
		if components["schemas"].(map[string]any)[name] != nil {
			// Generators name a type after each; two of one name collide.
			t.Errorf("%s is the name of a schema and of a response", name)
		}
	}
}

// TestOpenAPIServed fetches the document from the API, behind the admin key.
func TestOpenAPIServed(t *testing.T) {
	s := mustStack(t, "k3y")
	if res := s.do(t, "GET", openapiPath, "", nil); res.status != http.StatusUnauthorized {
		t.Errorf("without the key: status %d, want 401", res.status)
	}
	res := s.do(t, "GET", openapiPath, "", map[string]string{"Authorization": "Bearer k3y"})
	if res.status != http.StatusOK || res.raw != string(openapiJSON) {
		t.Fatalf("status %d, body %.200s; want 200 and openapi.json", res.status, res.raw)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

// TestOpenAPIAnswers sends requests to a whole wabi and checks that each JSON
// answer, success or error, fits the schema the document gives it. The check
// is strict: an answer's member that its schema does not name is an error.
func TestOpenAPIAnswers(t *testing.T) {
	s := mustStack(t, "")
	doc := openapiDoc(t)
	mux := http.NewServeMux()
	s.api.routes(mux)
	v := s.vars()
	msgID := s.mustSendTemplate(t, s.demo.Customer.WaID)
	v["message"] = msgID

	// Each step answers with status; save keeps the value at a JSON path of
	// the answer, by name, for the steps after it.
	type saved struct{ name, path string }
	steps := []struct {
		method, path, body string
		status             int
		save               saved
	}{
		{"GET", "/api/info", "", 200, saved{}},
		{"GET", "/api/businesses", "", 200, saved{}},
		{"GET", "/api/businesses/{business}", "", 200, saved{}},
		{"GET", "/api/wabas?business_id={business}", "", 200, saved{}},
		{"GET", "/api/wabas/{waba}/subscribed_apps", "", 200, saved{}},
		{"GET", "/api/phone_numbers", "", 200, saved{}},
		{"GET", "/api/phone_numbers/{phone_number}/profile", "", 200, saved{}},
		{"POST", "/api/phone_numbers", `{"waba_id":"{waba}","phone_number":"15550001777","verified_name":"Schema Shop"}`, 201, saved{}},
		{"GET", "/api/apps/{app}", "", 200, saved{}},
		{"GET", "/api/tokens", "", 200, saved{}},
		{"GET", "/api/templates?waba_id={waba}", "", 200, saved{}},
		{"GET", "/api/phones", "", 200, saved{}},
		{"GET", "/api/phones?phone_number_id={phone_number}", "", 200, saved{}},
		{"PATCH", "/api/phones/{customer}", `{"behaviour":{"read_delay":"2s"}}`, 200, saved{}},
		{"POST", "/api/phones/{customer}/messages", `{"to":"{phone_number}","type":"text","text":{"body":"hi"}}`, 201, saved{}},
		{"GET", "/api/phones/{customer}/messages?phone_number_id={phone_number}", "", 200, saved{}},
		{"POST", "/api/phones/{customer}/read", "", 200, saved{}},
		{"GET", "/api/messages?limit=1", "", 200, saved{}},
		{"GET", "/api/messages/{message}", "", 200, saved{}},
		{"GET", "/api/deliveries", "", 200, saved{"delivery", "data.0.id"}},
		{"GET", "/api/deliveries/{delivery}", "", 200, saved{}},
		{"GET", "/api/limits", "", 200, saved{}},
		{"GET", "/api/phone_numbers/{phone_number}/limits?wa_id={customer}", "", 200, saved{}},
		{"GET", "/api/phone_numbers/{phone_number}/quality", "", 200, saved{}},
		{"GET", "/api/businesses/{business}/messaging_limit", "", 200, saved{}},
		{"POST", "/api/faults", `{"kind":"delivery_failed","phone_number_id":"{phone_number}","code":131026,"count":1}`, 201, saved{}},
		{"GET", "/api/faults", "", 200, saved{}},
		{"GET", "/api/channels", "", 200, saved{}},
		{"POST", "/api/phone_numbers/{phone_number}/keys", "", 201, saved{}},
		{"GET", "/api/phone_numbers/{phone_number}/keys", "", 200, saved{}},
		// Errors answer with the envelope.
		{"GET", "/api/businesses/nope", "", 404, saved{}},
		{"POST", "/api/wabas", `{"name":"no business"}`, 400, saved{}},
	}
	for _, st := range steps {
		path, body := st.path, st.body
		for k, val := range v {
			path = strings.ReplaceAll(path, "{"+k+"}", val)
			body = strings.ReplaceAll(body, "{"+k+"}", val)
		}
		res := s.do(t, st.method, path, body, nil)
		if res.status != st.status {
			t.Errorf("%s %s: status %d, want %d; body %s", st.method, path, res.status, st.status, res.raw)
			continue
		}
		_, pattern := mux.Handler(httptest.NewRequest(st.method, path, nil))
		schema, err := answerSchema(doc, pattern, res.status)
		if err != nil {
			t.Errorf("%s %s: %v", st.method, path, err)
			continue
		}
		if err := validate(doc, schema, res.body, "$"); err != nil {
			t.Errorf("%s %s (%d): %v\n%s", st.method, path, res.status, err, res.raw)
		}
		if st.save.name != "" {
			if v[st.save.name] = res.str(st.save.path); v[st.save.name] == "" {
				t.Fatalf("%s %s: nothing at %s; body %s", st.method, path, st.save.path, res.raw)
			}
		}
	}
}

// answerSchema returns the JSON schema of the answer with the status to the
// operation of pattern ("METHOD path"): the status's own, else the default.
func answerSchema(doc map[string]any, pattern string, status int) (any, error) {
	method, path, _ := strings.Cut(pattern, " ")
	op, _ := doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		return nil, fmt.Errorf("no operation %s", pattern)
	}
	responses := op["responses"].(map[string]any)
	r, ok := responses[strconv.Itoa(status)]
	if !ok {
		if status < 400 {
			return nil, fmt.Errorf("status %d is not documented", status)
		}
		r = responses["default"]
	}
	resp, err := deref(doc, r)
	if err != nil {
		return nil, err
	}
	m, _ := resp.(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)
	if m == nil {
		return nil, fmt.Errorf("status %d of %s has no JSON schema", status, pattern)
	}
	return m["schema"], nil
}

// resolveRef finds a local reference such as "#/components/schemas/App".
func resolveRef(doc map[string]any, ref string) (any, error) {
	var v any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := v.(map[string]any)
		if !ok || m[part] == nil {
			return nil, fmt.Errorf("$ref %s does not resolve", ref)
		}
		v = m[part]
	}
	return v, nil
}

// deref follows s's $ref, if it has one.
func deref(doc map[string]any, s any) (any, error) {
	if m, ok := s.(map[string]any); ok {
		if ref, ok := m["$ref"].(string); ok {
			return resolveRef(doc, ref)
		}
	}
	return s, nil
}

// validate checks v, decoded JSON, against the part of JSON Schema the
// document uses: $ref, type (one or a list), enum, properties (strictly: no
// other members), required, items, additionalProperties, anyOf, and the
// date-time format. An object schema that names no properties takes any
// members.
func validate(doc map[string]any, schema, v any, at string) error {
	schema, err := deref(doc, schema)
	if err != nil {
		return err
	}
	s, _ := schema.(map[string]any)
	if alts, ok := s["anyOf"].([]any); ok {
		var errs []string
		for _, alt := range alts {
			err := validate(doc, alt, v, at)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s fits none of anyOf: %s", at, strings.Join(errs, "; "))
	}
	if typ, ok := s["type"]; ok {
		var types []string
		switch typ := typ.(type) {
		case string:
			types = []string{typ}
		case []any:
			for _, x := range typ {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
			return fmt.Errorf("%s is %s, want %v", at, jsonType(v), types)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s = %v, not one of %v", at, v, enum)
	}
	if s["format"] == "date-time" {
		if str, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				return fmt.Errorf("%s = %q is not a date-time", at, str)
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, ok := s["properties"].(map[string]any)
		if !ok {
			break // an object of any members
		}
		for _, name := range asStrings(s["required"]) {
			if _, ok := v[name]; !ok {
				return fmt.Errorf("%s lacks required member %s", at, name)
			}
		}
		for name, x := range v {
			sub, ok := props[name]
			if !ok {
				if sub, ok = s["additionalProperties"]; !ok {
					return fmt.Errorf("%s has member %s, which its schema does not name", at, name)
				}
			}
			if err := validate(doc, sub, x, at+"."+name); err != nil {
				return err
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, x := range v {
				if err := validate(doc, items, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// jsonType names the JSON Schema type of a decoded value.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func asStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, x.(string))
	}
	return out
}

// TestOpenAPIValidatorRejects makes sure the validator the answers are checked
// with can fail.
func TestOpenAPIValidatorRejects(t *testing.T) {
	doc := openapiDoc(t)
	app := map[string]any{"$ref": "#/components/schemas/App"}
	for name, body := range map[string]string{
		"unknown member": `{"id":"1","name":"a","business_id":"b","secret":"s","created_at":"2026-03-01T12:00:00Z","colour":"red"}`,
		"wrong type":     `{"id":1}`,
		"not an object":  `[]`,
	} {
		var v any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		if err := validate(doc, app, v, "$"); err == nil {
			t.Errorf("%s: %s passes as an App", name, body)
		}
	}
	var e any
	_ = json.Unmarshal([]byte(`{"error":{"code":"no_such_code","message":"m"}}`), &e)
	if err := validate(doc, map[string]any{"$ref": "#/components/schemas/ErrorBody"}, e, "$"); err == nil {
		t.Error("an unknown error code passes")
	}
}

// TestOpenAPIRequestBodies sends each operation a JSON body with every member
// its schema names, and requires that the handler knows them all and takes
// each as the type the schema gives it: the handlers refuse an unknown member
// ("Unknown parameter") and a member of the wrong JSON type ("must be a JSON").
// What the values mean is not checked; most are refused later, as they should.
// The paths name the demo's objects, so that a handler that looks up the
// path's object first reaches its decoding too.
func TestOpenAPIRequestBodies(t *testing.T) {
	s := mustStack(t, "")
	doc := openapiDoc(t)
	ts, err := s.store.Templates(t.Context(), s.demo.WABA.ID)
	if err != nil || len(ts) == 0 {
		t.Fatalf("the demo has no template: %v", err)
	}
	ids := map[string]string{
		"businesses": s.demo.Business.ID, "wabas": s.demo.WABA.ID, "phone_numbers": s.demo.Phone.ID,
		"apps": s.demo.App.ID, "templates": ts[0].ID, "phones": s.demo.Customer.WaID, "tokens": s.demo.Token.Value,
	}
	param := regexp.MustCompile(`/([a-z_]+)/\{[a-z_]+\}`)
	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			rb, _ := o.(map[string]any)["requestBody"].(map[string]any)
			content, _ := rb["content"].(map[string]any)
			media, _ := content["application/json"].(map[string]any)
			if media == nil {
				continue
			}
			schema, _ := deref(doc, media["schema"])
			props, _ := schema.(map[string]any)["properties"].(map[string]any)
			body := map[string]any{}
			for name, p := range props {
				body[name] = sample(doc, p)
			}
			b, _ := json.Marshal(body)
			url := param.ReplaceAllStringFunc(path, func(m string) string {
				coll := param.FindStringSubmatch(m)[1]
				if id, ok := ids[coll]; ok {
					return "/" + coll + "/" + id
				}
				return "/" + coll + "/x1"
			})
			res := s.do(t, strings.ToUpper(method), url, string(b), nil)
			msg := res.str("error.message")
			if strings.HasPrefix(msg, "Unknown parameter") || strings.Contains(msg, "must be a JSON") {
				t.Errorf("%s %s with %s: %s", strings.ToUpper(method), path, b, msg)
			}
			if res.status == http.StatusMethodNotAllowed || strings.HasPrefix(msg, "There is no control API endpoint") {
				t.Errorf("%s %s: no route takes it: %s", strings.ToUpper(method), url, msg)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Errorf("only %d operations take a JSON body; the document has lost some", checked)
	}
}

// sample is a value of the JSON type schema describes.
func sample(doc map[string]any, schema any) any {
	s, _ := schema.(map[string]any)
	if alts, ok := s["anyOf"].([]any); ok {
		if alt, _ := alts[0].(map[string]any); alt["type"] == "string" && strings.Contains(fmt.Sprint(s["description"]), "duration") {
			return "1s"
		}
		return sample(doc, alts[0])
	}
	if _, ok := s["$ref"]; ok {
		return map[string]any{}
	}
	switch s["type"] {
	case "string":
		return "x"
	case "integer", "number":
		return 1
	case "boolean":
		return false
	case "array":
		return []any{}
	}
	return map[string]any{}
}
