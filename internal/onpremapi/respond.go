package onpremapi

import (
	"bytes"
	"crypto/subtle"
	"net/http"

	"github.com/wabihq/wabi/internal/codec"
)

// meta is the object every answer carries.
type meta struct {
	APIStatus string `json:"api_status"`
	Version   string `json:"version"`
}

// writeJSON writes payload, a struct of the answer's keys, with the meta object
// added last: {"messages":[...],"meta":{...}}. A nil payload answers just meta.
func (a *API) writeJSON(w http.ResponseWriter, status int, payload any) {
	body := []byte("{}")
	if payload != nil {
		b, err := codec.Marshal(payload)
		if err != nil {
			a.logger().Error("onpremapi: encode answer", "err", err)
			status, b = http.StatusInternalServerError, []byte(`{"errors":[{"code":1000,"title":"Generic error"}]}`)
		}
		body = b
	}
	m, _ := codec.Marshal(meta{APIStatus: "stable", Version: a.ClientVersion})
	var out bytes.Buffer
	out.Write(body[:len(body)-1])
	if len(body) > 2 {
		out.WriteByte(',')
	}
	out.WriteString(`"meta":`)
	out.Write(m)
	out.WriteString("}\n")
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out.Bytes())
}

// ok answers 200 with only meta, as the client's mutating calls do.
func (a *API) ok(w http.ResponseWriter) error {
	a.writeJSON(w, http.StatusOK, nil)
	return nil
}

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
