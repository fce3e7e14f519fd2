package cloudapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/codec"
	"github.com/wabihq/wabi/internal/wabi"
)

// params reads a Graph call's parameters from the query string and the body, which
// may be a form or a JSON object. JSON arrays become comma-separated lists, as
// Graph's form encoding writes them; objects stay JSON text for their endpoint.
func params(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = strings.Join(v, ",")
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return out, nil
	}
	if isForm(r) {
		form, err := formValues(r)
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			out[k] = strings.Join(v, ",")
		}
		return out, nil
	}
	raw, err := readJSONBody(r.Body)
	if err != nil || len(bytes.TrimSpace(raw)) == 0 {
		return out, err
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Numbers keep their digits: a phone number sent as 15551234567 must not
	// come back as 1.5551234567e+10.
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body is not a valid JSON object: %v", err)
	}
	for k, v := range body {
		switch v := v.(type) {
		case string:
			out[k] = v
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = scalarString(x)
			}
			out[k] = strings.Join(parts, ",")
		case nil:
		case map[string]any:
			// Objects (backup, webhook_configuration) stay JSON for their endpoint.
			j, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			out[k] = string(j)
		default:
			out[k] = scalarString(v)
		}
	}
	return out, nil
}

// scalarString writes a decoded JSON value as a form would carry it.
func scalarString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	j, _ := json.Marshal(v)
	return string(j)
}

// readJSONBody reads a JSON body up to maxBody bytes.
func readJSONBody(body io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || len(raw) > maxBody:
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body too large: the limit is %d bytes.", maxBody)
	case err != nil:
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body could not be read: %v", err)
	}
	return raw, nil
}

// formValues reads the fields of a form body: urlencoded, or the fields of a
// multipart form. The whole body is capped at maxBody and nothing is spooled to
// disk: the edges that read forms here take parameters, not files (media uploads
// parse their own multipart body), so a file part is read past and ignored.
func formValues(r *http.Request) (url.Values, error) {
	if r.PostForm != nil {
		// Already parsed, when the access token was looked for in the form.
		return r.PostForm, nil
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body := io.LimitReader(r.Body, maxBody+1)
	if mediaType != "multipart/form-data" {
		raw, err := readJSONBody(body)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, wabi.Errorf(wabi.EBadRequest, "Request body is not a valid form: %v", err)
		}
		r.PostForm = form
		return form, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body is not a valid form: %v", err)
	}
	r.Body = io.NopCloser(body)
	form := url.Values{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			// Kept for a second look, as ParseForm keeps what it read.
			r.PostForm = form
			return form, nil
		}
		if err != nil {
			return nil, formError(err)
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, formError(err)
		}
		if p.FormName() != "" && p.FileName() == "" {
			form.Add(p.FormName(), string(v))
		}
	}
}

// formError words an error reading a multipart body; a body cut at the cap
// surfaces as a malformed part.
func formError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return wabi.Errorf(wabi.EBadRequest, "Request body is not a valid form, or is larger than the limit of %d bytes.", maxBody)
	}
	return wabi.Errorf(wabi.EBadRequest, "Request body is not a valid form: %v", err)
}

// decode reads a Graph POST body into v, a pointer to the edge's request type.
// JSON is the common case and is decoded straight into v. Graph takes two more
// shapes, and so does every edge decoded here: a form (urlencoded, or the fields
// of a multipart form) whose fields become the object's fields, and an object or
// array parameter sent as a string holding its JSON ("contacts":"[{...}]", as
// whatsapp-api-js sends it). Both are rewritten to the JSON v expects, guided by
// v's type, and then decoded the same way, so errors read the same.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	t := reflect.TypeOf(v)
	if isForm(r) {
		form, err := formValues(r)
		if err != nil {
			return err
		}
		obj := make(map[string]any, len(form))
		for k, vs := range form {
			obj[k] = strings.Join(vs, ",")
		}
		var body any = obj
		if _, err := coerce(&body, t, ""); err != nil {
			return err
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		return codec.DecodeBytes(raw, v)
	}
	raw, err := readJSONBody(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return err
	}
	err = codec.DecodeBytes(raw, v)
	// A well-typed body never gets further: strings holding JSON are looked
	// for only in a body that did not decode, off the hot path.
	if err == nil || wabi.ErrorCode(err) != wabi.EInvalidParam {
		return err
	}
	var body any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&body) != nil {
		return err
	}
	changed, cerr := coerce(&body, t, "")
	if cerr != nil {
		return cerr
	}
	if !changed {
		return err
	}
	fixed, merr := json.Marshal(body)
	if merr != nil {
		return err
	}
	// The failed decode may have filled part of v.
	reflect.ValueOf(v).Elem().SetZero()
	return codec.DecodeBytes(fixed, v)
}

// decodeStrict is decode for an edge that refuses parameters it does not know,
// so that a misspelt field is not silently dropped; node names what v is ("a
// business profile"). An access_token in the body is not a parameter.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any, node string) error {
	var keys []string
	if isForm(r) {
		form, err := formValues(r)
		if err != nil {
			return err
		}
		for k := range form {
			keys = append(keys, k)
		}
	} else {
		raw, err := readJSONBody(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			return err
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			for k := range obj {
				keys = append(keys, k)
			}
		}
		// decode reads the body again.
		r.Body = io.NopCloser(bytes.NewReader(raw))
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "access_token" && memberType(reflect.TypeOf(v), k) == nil {
			return wabi.Errorf(wabi.EInvalidParam, "Param %s is not a field of %s.", k, node)
		}
	}
	return decode(w, r, v)
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// customJSON reports whether t decodes itself, so its JSON shape is its own.
func customJSON(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshaler) || p.Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || p.Implements(textUnmarshaler)
}

// coerce rewrites the decoded JSON value at *v towards type t: a string where t
// is an object or array is parsed as the JSON it holds, and a string where t is
// a boolean or number becomes one (form fields are all strings). A string for a
// list of strings that is not JSON is a comma-separated list, as Graph's forms
// write lists. path names the parameter for errors. It reports whether anything
// changed; the only error is a string that looks like JSON and is not.
func coerce(v *any, t reflect.Type, path string) (bool, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := (*v).(type) {
	case string:
		return coerceString(v, x, t, path)
	case map[string]any:
		changed := false
		for k, e := range x {
			ft := memberType(t, k)
			if ft == nil {
				continue
			}
			c, err := coerce(&e, ft, join(path, k))
			if err != nil {
				return false, err
			}
			if c {
				x[k], changed = e, true
			}
		}
		return changed, nil
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return false, nil
		}
		changed := false
		for i := range x {
			c, err := coerce(&x[i], t.Elem(), path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return false, err
			}
			changed = changed || c
		}
		return changed, nil
	}
	return false, nil
}

// coerceString is coerce for a string value s.
func coerceString(v *any, s string, t reflect.Type, path string) (bool, error) {
	if customJSON(t) && t.Kind() != reflect.Struct && t.Kind() != reflect.Slice && t.Kind() != reflect.Map {
		// Float, Duration and the like take strings themselves.
		return false, nil
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return false, nil // []byte is base64 text in JSON
		}
		trimmed := strings.TrimSpace(s)
		if strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			var inner any
			dec := json.NewDecoder(strings.NewReader(trimmed))
			dec.UseNumber()
			if err := dec.Decode(&inner); err != nil || dec.More() {
				return false, wabi.Errorf(wabi.EInvalidParam, "Param %s must be %s; the string given does not hold valid JSON.", codec.ParamPath(path), kindOf(t))
			}
			*v = inner
			if _, err := coerce(v, t, path); err != nil {
				return false, err
			}
			return true, nil
		}
		if (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() == reflect.String && !customJSON(t) {
			var items []any
			for _, item := range strings.Split(s, ",") {
				if item = strings.TrimSpace(item); item != "" {
					items = append(items, item)
				}
			}
			*v = items
			return true, nil
		}
	case reflect.Bool:
		if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			*v = b
			return true, nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		n := json.Number(strings.TrimSpace(s))
		if _, err := n.Float64(); err == nil {
			*v = n
			return true, nil
		}
	}
	return false, nil
}

// memberType is the type of the field of struct t that JSON key k fills (the
// element type for a map), or nil. Fields of embedded structs are promoted,
// and a key matches a field name case-insensitively, as encoding/json does.
func memberType(t reflect.Type, k string) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
	default:
		return nil
	}
	var folded reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if ft := memberType(f.Type, k); ft != nil {
				return ft
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == k {
			return f.Type
		}
		if folded == nil && strings.EqualFold(name, k) {
			folded = f.Type
		}
	}
	return folded
}

// kindOf names the JSON type t decodes from, with its article.
func kindOf(t reflect.Type) string {
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		return "an array"
	}
	return "an object"
}

// join extends a dotted parameter path.
func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// list splits a comma-separated parameter, also accepting a JSON array.
func list(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var xs []string
		if json.Unmarshal([]byte(s), &xs) == nil {
			return xs
		}
	}
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
