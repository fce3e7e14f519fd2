package cloudapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// params reads a Graph call's parameters from the query string and the body, which
// may be a form or a JSON object. JSON arrays become comma-separated lists, as
// Graph's form encoding writes them.
func params(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = strings.Join(v, ",")
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return out, nil
	}
	if isForm(r) {
		if err := r.ParseMultipartForm(maxBody); err != nil && err != http.ErrNotMultipart {
			return nil, wabi.Errorf(wabi.EBadRequest, "Request body is not a valid form: %v", err)
		}
		for k, v := range r.PostForm {
			out[k] = strings.Join(v, ",")
		}
		return out, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return out, nil
	}
	if len(raw) > maxBody {
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body too large.")
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, wabi.Errorf(wabi.EBadRequest, "Request body is not a valid JSON object: %v", err)
	}
	for k, v := range body {
		switch v := v.(type) {
		case string:
			out[k] = v
		case []any:
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = fmt.Sprint(x)
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
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
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
