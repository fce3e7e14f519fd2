package controlapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/wabihq/wabi/internal/httplog"
	"github.com/wabihq/wabi/internal/wabi"
)

// maxBody caps request bodies; nothing the control API takes comes near it.
const maxBody = 1 << 20

// Page sizes of the paged lists (messages, deliveries).
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// errorBody is the error envelope of every failed request.
type errorBody struct {
	Error *wabi.Error `json:"error"`
}

// list is the envelope of every list response. NextBefore, when set, is the
// before= value of the next (older) page.
type list[T any] struct {
	Data       []T    `json:"data"`
	NextBefore string `json:"next_before,omitempty"`
}

// listOf wraps items, never as null.
func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Data: items}
}

// decode reads a JSON request body into v: at most 1 MiB, one value, no field
// that v does not have.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	err := decodeBody(w, r, v)
	if errors.Is(err, io.EOF) {
		return wabi.Errorf(wabi.EBadRequest, "A JSON request body is required.")
	}
	return err
}

// decodeOptional is decode for endpoints whose body may be left out: an empty body
// leaves v as it is.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if err := decodeBody(w, r, v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// decodeBody returns io.EOF for an empty body and a 400 *wabi.Error for anything
// else wrong.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > maxBody {
		// Refused unread, so that a client cannot hold the request open by
		// trickling a body that will be refused anyway.
		return wabi.Errorf(wabi.EBadRequest, "The request body is larger than 1 MiB.")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return wabi.Errorf(wabi.EBadRequest, "The request body must hold one JSON value; there is more after it.")
	}
	return nil
}

// decodeError words a JSON decoding failure for the developer who sent it.
func decodeError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return wabi.Errorf(wabi.EBadRequest, "The request body is larger than 1 MiB.")
	case errors.As(err, &syntax):
		return wabi.Errorf(wabi.EBadRequest, "The request body is not valid JSON (at byte %d): %v.", syntax.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return wabi.Errorf(wabi.EBadRequest, "The request body is not valid JSON: it ends too early.")
	case errors.As(err, &typ):
		return wabi.Errorf(wabi.EInvalidParam, "Param %s must be a JSON %s, not %s.", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return wabi.Errorf(wabi.EInvalidParam, "Unknown parameter %s.", field)
	}
	// What is left are the errors of wabi's own JSON types (durations, numbers
	// given as strings): a value of the right JSON type that does not parse.
	return wabi.Errorf(wabi.EInvalidValue, "Invalid value in the request body: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind as JSON does.
func jsonKind(kind string) string {
	switch {
	case kind == "string":
		return "string"
	case kind == "bool":
		return "boolean"
	case kind == "slice" || kind == "array":
		return "array"
	case kind == "struct" || kind == "map":
		return "object"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	}
	return kind
}

// respond writes v as the JSON answer with the status. It always returns nil, so
// that a handler can end with it: once the status is out, a body that fails to
// write can only be logged, not answered with an error.
func (a *API) respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		a.logger().Debug("controlapi: write response", "method", r.Method, "route", r.Pattern, "err", err)
	}
	return nil
}

// writeError answers with err's code and the HTTP status that code maps to, or
// the status withStatus gave it. Anything that is not a domain error is
// internal: logged in full (the route pattern, not the path, which may hold a
// token) and shown as a generic 500.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := wabi.AsError(err)
	if e == nil || e.Code == wabi.EInternal {
		// A client that hung up is not a server error, and there is no one to answer.
		if errors.Is(err, context.Canceled) && httplog.ClientGone(r) {
			return
		}
		a.logger().Error("controlapi: internal error", "method", r.Method, "route", r.Pattern, "err", err)
		e = &wabi.Error{Code: wabi.EInternal, Message: "Internal server error; the server log has the details."}
	}
	httplog.SetError(r.Context(), e.Code, 0)
	status := httpStatus(e.Code)
	var forced *statusError
	if errors.As(err, &forced) {
		status = forced.status
	}
	a.respond(w, r, status, errorBody{Error: e})
}

// statusError is an error answered with a status other than the one its code
// maps to.
type statusError struct {
	status int
	err    error
}

// withStatus makes err answer with the status: 405 is a bad_request that is
// not a 400.
func withStatus(status int, err error) error { return &statusError{status: status, err: err} }

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// httpStatus maps a domain code to the control API's HTTP status.
func httpStatus(c wabi.Code) int {
	switch c {
	case wabi.ENotFound:
		return http.StatusNotFound
	case wabi.EConflict:
		return http.StatusConflict
	case wabi.EUnauthenticated, wabi.EInvalidToken:
		return http.StatusUnauthorized
	case wabi.EPermission:
		return http.StatusForbidden
	case wabi.ERateLimit, wabi.EPairRateLimit, wabi.ECallLimit, wabi.ESpamLimit, wabi.EMessagingLimit:
		return http.StatusTooManyRequests
	case wabi.EUnavailable, wabi.EThroughputUpgrade:
		return http.StatusServiceUnavailable
	case wabi.EInternal:
		return http.StatusInternalServerError
	}
	// Every other code is about the request: a bad parameter, a message that
	// cannot be sent, a callback URL that failed the handshake.
	return http.StatusBadRequest
}

// page is the before= and limit= of a paged list.
type page struct {
	before string
	limit  int
}

// pageOf reads before= and limit= (1 to 1000, default 100).
func pageOf(r *http.Request) (page, error) {
	q := r.URL.Query()
	p := page{before: q.Get("before"), limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return page{}, wabi.Errorf(wabi.EInvalidParam, "Param limit must be a number from 1 to %d, not %q.", maxLimit, s)
		}
		p.limit = n
	}
	return p, nil
}

// paged cuts items, fetched with limit+1, to the page and sets next_before when
// there are older items.
func paged[T any](items []T, limit int, id func(T) string) list[T] {
	l := listOf(items)
	if len(items) > limit {
		l.Data = items[:limit]
		l.NextBefore = id(items[limit-1])
	}
	return l
}

// required returns ERequired when a parameter is empty.
func required(name, value string) error {
	if strings.TrimSpace(value) == "" {
		return wabi.Errorf(wabi.ERequired, "The parameter %s is required.", name)
	}
	return nil
}

// oneOf checks an enumerated query parameter.
func oneOf(name, value string, allowed ...string) error {
	if value == "" {
		return nil
	}
	for _, v := range allowed {
		if value == v {
			return nil
		}
	}
	return wabi.Errorf(wabi.EInvalidParam, "Param %s must be one of %s, not %q.", name, strings.Join(allowed, ", "), value)
}
