package codec

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wabihq/wabi/internal/wabi"
)

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"already ASCII", map[string]string{"body": "hello"}, `{"body":"hello"}`},
		{"accents", map[string]string{"name": "Zoé Müller"}, `{"name":"Zo\u00e9 M\u00fcller"}`},
		{"emoji as a lowercase surrogate pair", map[string]string{"emoji": "👍"}, `{"emoji":"\ud83d\udc4d"}`},
		{"lowercase hex in the BMP", map[string]string{"s": "€ ½ ✓"}, `{"s":"\u20ac \u00bd \u2713"}`},
		{"HTML characters are left alone", map[string]string{"s": "<a href=\"x\">&</a>"}, `{"s":"<a href=\"x\">&</a>"}`},
		{"line and paragraph separators", map[string]string{"s": "a\u2028b\u2029"}, `{"s":"a\u2028b\u2029"}`},
		{"control characters", map[string]string{"s": "a\tb\x01"}, `{"s":"a\tb\u0001"}`},
		{"invalid UTF-8 becomes U+FFFD", map[string]string{"s": "a\xffb"}, `{"s":"a\ufffdb"}`},
		{"non-ASCII in keys too", map[string]int{"clé": 1}, `{"cl\u00e9":1}`},
		{"struct order is kept", struct {
			B string `json:"b"`
			A string `json:"a"`
		}{"ß", "x"}, `{"b":"\u00df","a":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal = %s, want %s", got, tt.want)
			}
			for i, c := range got {
				if c >= 0x80 {
					t.Fatalf("byte %d of %q is not ASCII", i, got)
				}
			}
			// The escaped bytes must mean exactly what the input meant.
			var back, orig any
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			std, _ := json.Marshal(tt.in)
			_ = json.Unmarshal(std, &orig)
			if b1, b2 := mustJSON(t, back), mustJSON(t, orig); b1 != b2 {
				t.Errorf("round trip changed the value: %s != %s", b1, b2)
			}
		})
	}
}

func TestMarshalASCIIFastPathKeepsBytes(t *testing.T) {
	in := []byte(`{"a":"b"}`)
	if got := escapeNonASCII(in); &got[0] != &in[0] {
		t.Error("ASCII input was copied; want it returned as is")
	}
}

func TestMarshalError(t *testing.T) {
	if _, err := Marshal(make(chan int)); err == nil {
		t.Error("Marshal(chan) succeeded")
	}
}

type sendRequest struct {
	MessagingProduct string `json:"messaging_product"`
	To               string `json:"to"`
	Text             *struct {
		Body       string `json:"body"`
		PreviewURL bool   `json:"preview_url"`
	} `json:"text"`
	Contacts []struct {
		Name struct {
			FormattedName string `json:"formatted_name"`
		} `json:"name"`
	} `json:"contacts"`
	Count    int      `json:"count"`
	Location *latLong `json:"location"`
}

type latLong struct {
	Latitude *wabi.Float `json:"latitude"`
}

// strictValue fails to decode with a domain error, as a domain type may.
type strictValue struct{}

func (*strictValue) UnmarshalJSON([]byte) error {
	return wabi.Errorf(wabi.EInvalidValue, "Parameter strict is invalid.")
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		max      int64
		into     func() any
		wantCode wabi.Code
		wantMsg  string // substring of the message
	}{
		{name: "valid", body: `{"messaging_product":"whatsapp","text":{"body":"hé"}}`, max: 1024},
		{name: "white space after the value", body: "{}\n\t ", max: 1024},
		{name: "no limit", body: `{"to":"1"}`, max: 0},
		{name: "exactly at the limit", body: `{"to":"1"}`, max: 10},
		{name: "one byte over the limit", body: `{"to":"12"}`, max: 10,
			wantCode: wabi.EBadRequest, wantMsg: "Request body too large"},
		{name: "empty", body: "  ", max: 1024,
			wantCode: wabi.EBadRequest, wantMsg: "Request body is empty"},
		{name: "not JSON", body: `{"to":}`, max: 1024,
			wantCode: wabi.EBadRequest, wantMsg: "Request body is not valid JSON: invalid character '}'"},
		{name: "truncated", body: `{"to":"1"`, max: 1024,
			wantCode: wabi.EBadRequest, wantMsg: "Request body is not valid JSON: unexpected end of JSON input"},
		{name: "trailing garbage", body: `{"to":"1"} x`, max: 1024,
			wantCode: wabi.EBadRequest, wantMsg: "after top-level value"},
		{name: "two values", body: `{} {}`, max: 1024,
			wantCode: wabi.EBadRequest, wantMsg: "Request body is not valid JSON"},
		{name: "top-level field of the wrong type", body: `{"to":15551234}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Param to must be a string."},
		{name: "nested field of the wrong type", body: `{"text":{"body":12}}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Param text['body'] must be a string."},
		{name: "boolean", body: `{"text":{"preview_url":"yes"}}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Param text['preview_url'] must be a boolean."},
		{name: "field inside an array", body: `{"contacts":[{"name":{"formatted_name":1}}]}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Param contacts['name']['formatted_name'] must be a string."},
		{name: "array expected", body: `{"contacts":{}}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Param contacts must be an array."},
		{name: "object expected", body: `{"text":"hi"}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Param text must be an object."},
		{name: "integer expected", body: `{"count":1.5}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Param count must be an integer."},
		{name: "body is not an object", body: `[1,2]`, max: 1024,
			wantCode: wabi.EBadRequest, wantMsg: "Request body must be an object, not array."},
		{name: "a type's own decoding error", body: `{"location":{"latitude":"north"}}`, max: 1024,
			wantCode: wabi.EInvalidParam, wantMsg: "Invalid parameter: not a number: \"north\""},
		{name: "field of an embedded struct", body: `{"to":"1","text":{"body":42}}`, max: 1024,
			into: func() any {
				type content struct {
					Text *struct {
						Body string `json:"body"`
					} `json:"text"`
				}
				return &struct {
					To string `json:"to"`
					content
				}{}
			},
			wantCode: wabi.EInvalidParam, wantMsg: "Param text['body'] must be a string."},
		{name: "a domain error from UnmarshalJSON passes through", body: `{"s":1}`, max: 1024,
			into:     func() any { return &struct{ S strictValue }{} },
			wantCode: wabi.EInvalidValue, wantMsg: "Parameter strict is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any = &sendRequest{}
			if tt.into != nil {
				v = tt.into()
			}
			err := Decode(strings.NewReader(tt.body), v, tt.max)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			e := wabi.AsError(err)
			if e == nil {
				t.Fatalf("Decode error = %v (%T), want a *wabi.Error", err, err)
			}
			if e.Code != tt.wantCode || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("Decode error = %s %q, want %s containing %q", e.Code, e.Message, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestDecodeFillsValue(t *testing.T) {
	var req sendRequest
	err := Decode(strings.NewReader(`{"messaging_product":"whatsapp","to":"+1 555","text":{"body":"Olá 👋"}}`), &req, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if req.To != "+1 555" || req.Text == nil || req.Text.Body != "Olá 👋" {
		t.Errorf("decoded %+v", req)
	}
}

func TestDecodeReadError(t *testing.T) {
	err := Decode(iotest.ErrReader(errors.New("connection reset")), &sendRequest{}, 1024)
	if e := wabi.AsError(err); e == nil || e.Code != wabi.EBadRequest || !strings.Contains(e.Message, "connection reset") {
		t.Errorf("Decode = %v, want EBadRequest naming the read error", err)
	}
}

func TestDecodeBehindMaxBytesReader(t *testing.T) {
	tests := []struct {
		body     string
		wantCode wabi.Code
	}{
		{`{"to":"1"}`, ""},
		{`{"to":"123456"}`, wabi.EBadRequest},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		r := http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(tt.body)), 10)
		err := Decode(r, &sendRequest{}, 10)
		if got := wabi.ErrorCode(err); got != tt.wantCode {
			t.Errorf("Decode(%s) code = %q, want %q", tt.body, got, tt.wantCode)
		}
		if tt.wantCode != "" && !strings.Contains(err.Error(), "Request body too large: the limit is 10 bytes.") {
			t.Errorf("Decode(%s) = %v, want the too-large message", tt.body, err)
		}
	}
}

func TestParamPath(t *testing.T) {
	for in, want := range map[string]string{
		"to":                          "to",
		"text.body":                   "text['body']",
		"template.language.code":      "template['language']['code']",
		"interactive.action.sections": "interactive['action']['sections']",
	} {
		if got := ParamPath(in); got != want {
			t.Errorf("ParamPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		v          any
		wantStatus int
		wantBody   string
	}{
		{"ok", http.StatusOK, map[string]string{"name": "José"}, http.StatusOK, `{"name":"Jos\u00e9"}`},
		{"error status is kept", http.StatusBadRequest, map[string]int{"code": 100}, http.StatusBadRequest, `{"code":100}`},
		{"unencodable value", http.StatusOK, map[string]any{"c": make(chan int)}, http.StatusInternalServerError,
			`{"error":{"message":"An unknown error occurred","code":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Write(rec, tt.status, tt.v)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json; charset=UTF-8" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(tt.wantBody)) {
				t.Errorf("Content-Length = %s, want %d", got, len(tt.wantBody))
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func BenchmarkMarshal(b *testing.B) {
	v := map[string]string{"body": "Does it come in another colour? Olá, ça va 👍"}
	for b.Loop() {
		if _, err := Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}
