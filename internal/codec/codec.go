// Package codec is wabi's one door to JSON: it encodes response and webhook bodies
// the way Meta serialises them (ASCII only, non-ASCII escaped as lowercase \uXXXX,
// HTML characters left alone) and decodes request bodies into domain errors a
// dialect can render. Keeping encoding/json behind this package means the switch
// to encoding/json/v2 happens in one place.
package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wabihq/wabi/internal/wabi"
)

// ContentType is the media type of every JSON body wabi writes, as Graph sends it.
const ContentType = "application/json; charset=UTF-8"

// contentType is ContentType as a header value, shared by every response.
var contentType = []string{ContentType}

// Marshal returns the JSON encoding of v without a trailing newline. The output is
// ASCII only: every non-ASCII rune is escaped as \uXXXX with lowercase hex, runes
// above U+FFFF as a UTF-16 surrogate pair. This is how Meta writes webhook bodies,
// and receivers verify signatures over exactly these bytes. Unlike json.Marshal it
// leaves <, > and & unescaped.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return escapeNonASCII(b), nil
}

// escapeNonASCII rewrites every non-ASCII rune of b as a JSON \u escape. It is only
// correct on encoding/json output, where bytes ≥ 0x80 occur inside strings alone.
func escapeNonASCII(b []byte) []byte {
	first := -1
	for i, c := range b {
		if c >= utf8.RuneSelf {
			first = i
			break
		}
	}
	if first < 0 {
		return b
	}
	const hex = "0123456789abcdef"
	out := make([]byte, first, len(b)+len(b)/2)
	copy(out, b[:first])
	appendU := func(r rune) {
		out = append(out, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	for i := first; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		// encoding/json already replaced invalid UTF-8 with U+FFFD, so a decoding
		// error here cannot happen; if it did, RuneError is the honest escape.
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			appendU(hi)
			appendU(lo)
			continue
		}
		appendU(r)
	}
	return out
}

// Decode reads one JSON value from r into v. It reads at most max bytes (max ≤ 0
// means no limit) and rejects anything after the value but white space. Every
// error is a *wabi.Error: EBadRequest for a body that is empty, too large or not
// JSON; EInvalidParam for a value of the wrong JSON type, naming the parameter in
// Meta's style (text['body']). A *wabi.Error returned by a type's UnmarshalJSON
// is passed through unchanged.
func Decode(r io.Reader, v any, max int64) error {
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	body, err := io.ReadAll(r)
	// An http.MaxBytesReader around the body (which also tells the server to
	// close the connection) stops the read first; say the same as for max.
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	if err != nil {
		return wabi.Errorf(wabi.EBadRequest, "Request body could not be read: %v", err)
	}
	if max > 0 && int64(len(body)) > max {
		return tooLarge(max)
	}
	return DecodeBytes(body, v)
}

// DecodeBytes is Decode for a body already read: the same checks and errors,
// without another copy of the bytes.
func DecodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return wabi.Errorf(wabi.EBadRequest, "Request body is empty: a JSON object is expected.")
	}
	// json.Unmarshal checks the whole input first, so trailing garbage is a syntax
	// error before anything is stored into v.
	if err := json.Unmarshal(body, v); err != nil {
		return decodeError(err, reflect.TypeOf(v))
	}
	return nil
}

func tooLarge(limit int64) error {
	return wabi.Errorf(wabi.EBadRequest, "Request body too large: the limit is %d bytes.", limit)
}

// decodeError turns an encoding/json error into a domain error; t is the type
// decoded into, whose embedded structs the parameter path leaves out.
func decodeError(err error, t reflect.Type) error {
	var we *wabi.Error
	if errors.As(err, &we) {
		return we
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return wabi.Errorf(wabi.EBadRequest, "Request body is not valid JSON: %s (at byte %d).", syn.Error(), syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return wabi.Errorf(wabi.EBadRequest, "Request body must be %s, not %s.", jsonKind(typ.Type), typ.Value)
		}
		return wabi.Errorf(wabi.EInvalidParam, "Param %s must be %s.", ParamPath(jsonPath(t, typ.Field)), jsonKind(typ.Type))
	}
	// Errors from a type's own UnmarshalJSON carry no field name; their text is
	// about the value the caller sent, so it is safe to show.
	return wabi.Errorf(wabi.EInvalidParam, "Invalid parameter: %v.", strings.TrimSuffix(err.Error(), "."))
}

// jsonPath drops from encoding/json's dotted field path the Go names of
// embedded structs ("Content.text.body"), which are not in the JSON the caller
// sent: their fields are promoted ("text.body").
func jsonPath(t reflect.Type, dotted string) string {
	var kept []string
	for _, seg := range strings.Split(dotted, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			kept, t = append(kept, seg), nil
			continue
		}
		if f, ok := t.FieldByName(seg); ok && f.Anonymous && f.Tag.Get("json") == "" {
			t = f.Type
			continue
		}
		kept, t = append(kept, seg), jsonField(t, seg)
	}
	return strings.Join(kept, ".")
}

// jsonField is the type of the field of struct t named name in JSON, or nil.
func jsonField(t reflect.Type, name string) reflect.Type {
	for _, f := range reflect.VisibleFields(t) {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name || (tag == "" && f.Name == name) {
			return f.Type
		}
	}
	return nil
}

// ParamPath converts encoding/json's dotted field path ("text.body") to the bracket
// style Meta uses in error details ("text['body']").
func ParamPath(dotted string) string {
	parts := strings.Split(dotted, ".")
	var sb strings.Builder
	sb.WriteString(parts[0])
	for _, p := range parts[1:] {
		sb.WriteString("['")
		sb.WriteString(p)
		sb.WriteString("']")
	}
	return sb.String()
}

// jsonKind names the JSON type a Go type decodes from, with its article.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a valid value"
}

// Write writes v as a JSON response with the given status. A value that cannot be
// encoded (a channel, a NaN) is a programming error; the client then gets a bare
// 500 rather than a half-written body.
func Write(w http.ResponseWriter, status int, v any) {
	body, err := Marshal(v)
	if err != nil {
		// The caller's logger is not known here; the 500 is the signal, and a
		// test of the handler finds the value at fault.
		body = []byte(`{"error":{"message":"An unknown error occurred","code":1}}`)
		status = http.StatusInternalServerError
	}
	// Canonical keys set directly, and the constant value shared: net/http
	// copies the header when it writes it and never changes it in place.
	h := w.Header()
	h["Content-Type"] = contentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
