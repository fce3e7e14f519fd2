package cloudapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/wabi"
)

// Graph's node reads, for the phone number and business profile edges: fields
// answered in the order asked for, and lists cut into pages by cursors.

// nodeObject is a JSON object whose keys keep their order: Graph answers fields
// in the order they were asked for.
type nodeObject []nodeEntry

// nodeEntry is one key and value of a nodeObject. A nil value is left out.
type nodeEntry struct {
	Key   string
	Value any
}

// has reports whether the object has the key.
func (o nodeObject) has(key string) bool {
	return slices.ContainsFunc(o, func(e nodeEntry) bool { return e.Key == key })
}

// MarshalJSON writes the entries in order.
func (o nodeObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Like codec, leave <, > and & as they are: Meta does not escape them.
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	first := true
	for _, e := range o {
		if e.Value == nil {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		if err := enc.Encode(e.Key); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1) // Encode ends each value with a newline
		b.WriteByte(':')
		if err := enc.Encode(e.Value); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// nodeFieldNames reads the fields parameter of a node read: the names asked
// for, without repeats, or defaults when there is none. A name the node does not
// have is Graph's "(#100) Tried accessing nonexisting field"; sub-field
// selections ("throughput{level}") are accepted and return the whole value.
func nodeFieldNames(r *http.Request, known, defaults []string, nodeType string) ([]string, error) {
	raw := r.URL.Query().Get("fields")
	if strings.TrimSpace(raw) == "" {
		return defaults, nil
	}
	fs, err := parseFields(raw)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range fs {
		if !slices.Contains(known, f.Name) {
			return nil, wabi.Errorf(wabi.EBadRequest, "Tried accessing nonexisting field (%s) on node type (%s)", f.Name, nodeType)
		}
		if !slices.Contains(names, f.Name) {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		return defaults, nil
	}
	return names, nil
}

// nodeList is Graph's list envelope.
type nodeList struct {
	Data   []nodeObject `json:"data"`
	Paging *nodePaging  `json:"paging,omitempty"`
}

type nodePaging struct {
	Cursors  nodeCursors `json:"cursors"`
	Previous string      `json:"previous,omitempty"`
	Next     string      `json:"next,omitempty"`
}

type nodeCursors struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// pageNodes cuts one page out of items by the request's limit (1–100, default
// 25) and after or before cursor, and builds the paging object with next and
// previous links that keep the rest of the query. Cursors are the base64 of an
// item's id; a cursor whose item is gone is EInvalidParam. An empty page has no
// paging.
func pageNodes[T any](r *http.Request, base string, items []T, id func(T) string) ([]T, *nodePaging, error) {
	q := r.URL.Query()
	limit := phoneDefaultLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > phoneMaxLimit {
			return nil, nil, wabi.Errorf(wabi.EInvalidParam, "Param limit must be a number from 1 to %d, not %q.", phoneMaxLimit, s)
		}
		limit = n
	}
	cursorIndex := func(param string) (int, error) {
		raw, err := base64.RawURLEncoding.DecodeString(q.Get(param))
		i := slices.IndexFunc(items, func(x T) bool { return id(x) == string(raw) })
		if err != nil || i < 0 {
			return 0, wabi.Errorf(wabi.EInvalidParam, "Param %s is not a cursor of this list.", param)
		}
		return i, nil
	}
	start, end := 0, min(limit, len(items))
	switch {
	case q.Get("after") != "":
		i, err := cursorIndex("after")
		if err != nil {
			return nil, nil, err
		}
		start, end = i+1, min(i+1+limit, len(items))
	case q.Get("before") != "":
		i, err := cursorIndex("before")
		if err != nil {
			return nil, nil, err
		}
		start, end = max(0, i-limit), i
	}
	page := items[start:end]
	if len(page) == 0 {
		return page, nil, nil
	}
	cursor := func(x T) string { return base64.RawURLEncoding.EncodeToString([]byte(id(x))) }
	link := func(param, value string) string {
		next := url.Values{}
		for k, v := range q {
			if k != "after" && k != "before" {
				next[k] = v
			}
		}
		next.Set(param, value)
		version, _ := r.Context().Value(versionKey{}).(string)
		return base + "/" + version + r.URL.Path + "?" + next.Encode()
	}
	p := &nodePaging{Cursors: nodeCursors{Before: cursor(page[0]), After: cursor(page[len(page)-1])}}
	if start > 0 {
		p.Previous = link("before", p.Cursors.Before)
	}
	if end < len(items) {
		p.Next = link("after", p.Cursors.After)
	}
	return page, p, nil
}
