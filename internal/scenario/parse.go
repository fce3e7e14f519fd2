package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// MaxFileSize is the largest scenario file wabi reads. A load test's thousands
// of phones are one entry with a count, so a real scenario is far smaller.
const MaxFileSize = 4 << 20

// maxErrors is how many problems one error lists; a file that is wrong
// everywhere gets the first ones.
const maxErrors = 20

// Error is a problem at one place of a scenario file.
type Error struct {
	// File is the file's name as given.
	File string
	// Path is where in the file: "businesses[0].wabas[1].numbers[0]".
	Path string
	// Item names the object at Path ("number +1 555-010-7788"), if known.
	Item string
	// Msg says what is wrong.
	Msg string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	if e.Item != "" {
		b.WriteString(" (" + e.Item + ")")
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Load reads a scenario file, YAML or JSON. getenv expands ${VAR} in its
// strings (see Parse); nil means the process's environment.
func Load(path string, getenv func(string) string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("scenario: read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("the file is larger than %d MiB", MaxFileSize>>20)}
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	return Parse(filepath.Base(path), data, getenv)
}

// Parse reads a scenario from YAML or JSON (JSON is YAML too). name is the
// file's name for errors. Unknown fields, values of the wrong type, duplicate
// keys, missing keys and references to objects the file does not have are
// errors that name the file, the item and the field.
//
// Strings may name environment variables, for values a CI system keeps as
// secrets: "${VAR}" is VAR's value (an error if it is unset or empty),
// "${VAR:-text}" is VAR's value or else text, and "$${" is a literal "${".
// getenv reads the variables; nil leaves strings as they are.
func Parse(name string, data []byte, getenv func(string) string) (*Scenario, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, &Error{File: name, Msg: "not valid YAML or JSON: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, &Error{File: name, Msg: "not valid YAML or JSON: " + err.Error()}
	}
	if tree == nil {
		return nil, &Error{File: name, Msg: "the scenario is empty"}
	}
	c := &checker{file: name, getenv: getenv}
	tree = c.value(tree, reflect.TypeFor[Scenario](), "", "")
	if err := c.err(); err != nil {
		return nil, err
	}
	// The tree now has exactly the fields and types of Scenario.
	js, err = json.Marshal(tree)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	var s Scenario
	dec = json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	v := &checker{file: name}
	v.scenario(&s)
	if err := v.err(); err != nil {
		return nil, err
	}
	return &s, nil
}

// checker collects the problems of a file.
type checker struct {
	file   string
	getenv func(string) string
	errs   []error
}

func (c *checker) fail(path, item, format string, args ...any) {
	if len(c.errs) < maxErrors {
		c.errs = append(c.errs, &Error{File: c.file, Path: path, Item: item, Msg: fmt.Sprintf(format, args...)})
	}
}

func (c *checker) err() error {
	if len(c.errs) == 1 {
		return c.errs[0]
	}
	return errors.Join(c.errs...)
}

// rawJSON is the type of fields the control API checks itself.
var rawJSON = reflect.TypeFor[json.RawMessage]()

// value checks a decoded JSON value against the Go type it will fill and
// returns it with its environment variables expanded and integers that fill
// strings (YAML's wa_id: 15550002000) turned into text. item names the object
// the value belongs to.
func (c *checker) value(v any, t reflect.Type, path, item string) any {
	if v == nil {
		return nil // left out
	}
	if t == rawJSON {
		return c.expandAll(v, path, item)
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		switch x := v.(type) {
		case string:
			return c.expand(x, path, item)
		case json.Number:
			if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				return x.String()
			}
		}
		if _, ok := v.(bool); ok {
			c.fail(path, item, "must be a string, not %s (YAML reads unquoted yes, no, on, off, y and n as true or false: quote it)", describe(v))
		} else {
			c.fail(path, item, "must be a string, not %s (quote it)", describe(v))
		}
	case reflect.Int:
		if x, ok := v.(json.Number); ok {
			if _, err := strconv.ParseInt(x.String(), 10, 32); err == nil {
				return x
			}
		}
		c.fail(path, item, "must be a whole number, not %s", describe(v))
	case reflect.Float64:
		if x, ok := v.(json.Number); ok {
			if _, err := x.Float64(); err == nil {
				return x
			}
		}
		c.fail(path, item, "must be a number, not %s", describe(v))
	case reflect.Bool:
		if _, ok := v.(bool); ok {
			return v
		}
		c.fail(path, item, "must be true or false, not %s", describe(v))
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			c.fail(path, item, "must be a list, not %s", describe(v))
			return v
		}
		for i, e := range list {
			list[i] = c.value(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), item)
		}
		return list
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			c.fail(path, item, "must be a mapping of fields, not %s", describe(v))
			return v
		}
		if l := labelOf(t, obj); l != "" {
			item = l
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				c.fail(path, item, "unknown field %q%s", k, suggest(k, fields))
				continue
			}
			obj[k] = c.value(obj[k], f, join(path, k), item)
		}
		return obj
	default:
		c.fail(path, item, "wabi cannot read a %s here", t)
	}
	return v
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// expandAll expands the strings of a value of any shape.
func (c *checker) expandAll(v any, path, item string) any {
	switch x := v.(type) {
	case string:
		return c.expand(x, path, item)
	case []any:
		for i, e := range x {
			x[i] = c.expandAll(e, fmt.Sprintf("%s[%d]", path, i), item)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = c.expandAll(e, join(path, k), item)
		}
	}
	return v
}

// expand replaces ${VAR} and ${VAR:-default} in s; "$${" stays as "${".
func (c *checker) expand(s, path, item string) string {
	if c.getenv == nil || !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1] + "${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			c.fail(path, item, "%q has a ${ without its }", s[i:])
			return b.String()
		}
		ref := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !validEnvName(name) {
			c.fail(path, item, "${%s} does not name an environment variable (write $${ for a literal ${)", ref)
		} else if v := c.getenv(name); v != "" {
			b.WriteString(v)
		} else if hasDef {
			b.WriteString(def)
		} else {
			c.fail(path, item, "environment variable %s is not set (write ${%s:-default} to give a default)", name, name)
		}
		s = s[i+end+1:]
	}
}

func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// describe names a JSON value's kind for an error, with the value when short.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			return "a string"
		}
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

// jsonFields maps the JSON names of a struct's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out[name] = f.Type
	}
	return out
}

// suggest proposes a known field close to an unknown one: another case, a
// dash for an underscore, or a typo of a letter or two.
func suggest(k string, fields map[string]reflect.Type) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", "_")) }
	best, bestD := "", 3
	for f := range fields {
		if norm(f) == norm(k) {
			return fmt.Sprintf("; did you mean %q?", f)
		}
		if d := distance(norm(k), f); d < bestD || d == bestD && f < best {
			best, bestD = f, d
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	slices.Sort(names)
	return "; known fields: " + strings.Join(names, ", ")
}

// distance is the edit distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// labelOf names an object of the file by its key, for errors. Tokens are named
// by their name only: their value is a secret.
func labelOf(t reflect.Type, obj map[string]any) string {
	str := func(k string) string {
		switch v := obj[k].(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		}
		return ""
	}
	with := func(kind, key string) string {
		if key == "" {
			return ""
		}
		return kind + " " + key
	}
	switch t {
	case reflect.TypeFor[Business]():
		return with("business", str("name"))
	case reflect.TypeFor[WABA]():
		return with("WABA", str("name"))
	case reflect.TypeFor[Number]():
		return with("number", str("phone_number"))
	case reflect.TypeFor[App]():
		return with("app", str("name"))
	case reflect.TypeFor[Token]():
		return with("token", str("name"))
	case reflect.TypeFor[Template]():
		if n := str("name"); n != "" {
			return with("template", n+" "+str("language"))
		}
	case reflect.TypeFor[Phone]():
		return with("phone", str("wa_id"))
	case reflect.TypeFor[Fault]():
		return with("fault", str("kind"))
	}
	return ""
}
