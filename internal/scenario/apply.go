package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// Applier makes a scenario's world through wabi's own HTTP handlers, in
// process: the control API for everything, and an On-Premises number's own API
// for its deployment's admin password and webhook URL. Nothing is written to
// the store any other way, so a scenario can do only what the APIs allow, and
// every value is checked as the APIs check it.
type Applier struct {
	// Handler serves the control API under /api/ and the On-Premises API
	// under /onprem/{phone-number-id}/v1/. Required.
	Handler http.Handler
	// AdminKey is the control API's admin key, when it has one. Default "".
	AdminKey string
	// Logger says what Retry does. Default slog.Default().
	Logger *slog.Logger
}

// Result is the world a scenario made or found, with wabi's ids, as a CI script
// reads it (wabi serve -scenario-out). It holds secrets: app secrets and tokens.
type Result struct {
	// File is the scenario's file name.
	File       string           `json:"file"`
	Businesses []BusinessResult `json:"businesses"`
	// Numbers maps every number of the file, digits only, to its id: the
	// shortest way from the file to an id (jq '.numbers["15550107788"]').
	Numbers map[string]string `json:"numbers"`
	// Phones is how many virtual phones the file has.
	Phones int           `json:"phones"`
	Faults []FaultResult `json:"faults"`
	// Changes lists what this start created or changed; empty when the world
	// was as the file says.
	Changes []string `json:"changes"`
	// Warnings are differences the APIs cannot bring in line (a number's
	// verified name, a template's components).
	Warnings []string `json:"warnings,omitempty"`

	// pending are the webhooks whose handshake failed, for Retry.
	pending []pendingWebhook
}

// BusinessResult is a business of the file with its ids.
type BusinessResult struct {
	Name   string        `json:"name"`
	ID     string        `json:"id"`
	WABAs  []WABAResult  `json:"wabas"`
	Apps   []AppResult   `json:"apps"`
	Tokens []TokenResult `json:"tokens"`
}

// WABAResult is a WABA of the file with its ids.
type WABAResult struct {
	Name      string           `json:"name"`
	ID        string           `json:"id"`
	Numbers   []NumberResult   `json:"numbers"`
	Templates []TemplateResult `json:"templates"`
}

// NumberResult is a business number of the file with its id.
type NumberResult struct {
	// PhoneNumber is the number, digits only.
	PhoneNumber  string `json:"phone_number"`
	ID           string `json:"id"`
	PlatformType string `json:"platform_type"`
	VerifiedName string `json:"verified_name"`
	// APIKey is an On-Premises deployment's API key (Authorization: Apikey).
	APIKey string `json:"api_key,omitempty"`
}

// AppResult is an app of the file with its id and secret.
type AppResult struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Secret string `json:"secret"`
	// Webhook is "verified" when the callback URL passed the handshake,
	// "pending" while wabi keeps trying it, "" without a webhook.
	Webhook string `json:"webhook,omitempty"`
}

// TokenResult is an access token of the file with its value.
type TokenResult struct {
	Name  string `json:"name"`
	Token string `json:"token"`
}

// TemplateResult is a template of the file with its id and status.
type TemplateResult struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	ID       string `json:"id"`
	Status   string `json:"status"`
}

// FaultResult is a fault the scenario set, as the faults API answered it.
type FaultResult struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// APIError is a refusal of one of wabi's APIs.
type APIError struct {
	Method, Path string
	Status       int
	// Code is the API's error code ("invalid_parameter", or the
	// On-Premises API's number).
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// apiCode returns the code of an API refusal, "" for any other error.
func apiCode(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Apply makes the scenario's world, or brings an existing one in line with it,
// in the file's order: businesses with their WABAs, numbers, templates, apps
// and tokens, then phones, then faults. It stops at the first refusal, with an
// *Error that names the file, the item and the API's words; what was made
// before it stays, and a corrected file applied again finds it. file names the
// file in errors and in the result.
//
// A callback URL that fails its handshake (the receiver is not up yet) does
// not stop it: the app is left without one and the result lists it as
// pending, for Retry.
func (a *Applier) Apply(ctx context.Context, s *Scenario, file string) (*Result, error) {
	r := &run{Applier: a, ctx: ctx, file: file, res: &Result{
		File: file, Businesses: []BusinessResult{}, Numbers: map[string]string{}, Faults: []FaultResult{}, Changes: []string{},
	}}
	if err := r.tenancy(s); err != nil {
		return nil, err
	}
	if err := r.phones(s.Phones); err != nil {
		return nil, err
	}
	if err := r.faults(s.Faults); err != nil {
		return nil, err
	}
	return r.res, nil
}

// run is one application of a scenario.
type run struct {
	*Applier
	ctx  context.Context
	file string
	res  *Result
}

// fail wraps an API's refusal with where in the file it happened.
func (r *run) fail(path, item string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{File: r.file, Path: path, Item: item, Msg: err.Error()}
}

func (r *run) changed(format string, args ...any) {
	r.res.Changes = append(r.res.Changes, fmt.Sprintf(format, args...))
}

func (r *run) warn(format string, args ...any) {
	r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(format, args...))
}

// maxAnswer bounds an answer the applier reads: a list of a hundred thousand
// phones fits well within it.
const maxAnswer = 256 << 20

// call sends one request to the handler: body (if not nil) as JSON, the
// answer decoded into out (if not nil). header adds headers. A status of 300
// or more is an *APIError.
func (a *Applier) call(ctx context.Context, method, path string, body, out any, header http.Header) error {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://wabi"+path, rd)
	if err != nil {
		return err
	}
	req.RemoteAddr = "127.0.0.1:0"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.AdminKey != "" && strings.HasPrefix(path, "/api/") {
		req.Header.Set("X-Wabi-Admin-Key", a.AdminKey)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	w := &recorder{header: http.Header{}}
	a.Handler.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.over {
		return fmt.Errorf("%s %s: the answer is larger than %d MiB", method, path, maxAnswer>>20)
	}
	if w.status >= 300 {
		return answerError(method, path, w.status, w.body.Bytes())
	}
	if out == nil || w.status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(w.body.Bytes(), out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
	}
	return nil
}

// answerError reads the error body of either API: the control API's
// {"error":{"code","message"}} or the On-Premises API's
// {"errors":[{"code","title","details"}]}.
func answerError(method, path string, status int, body []byte) error {
	e := &APIError{Method: method, Path: path, Status: status}
	var v struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		Errors []struct {
			Code    json.Number `json:"code"`
			Title   string      `json:"title"`
			Details string      `json:"details"`
		} `json:"errors"`
	}
	switch {
	case json.Unmarshal(body, &v) != nil:
		e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
	case v.Error != nil:
		e.Code, e.Message = v.Error.Code, v.Error.Message
	case len(v.Errors) > 0:
		e.Code, e.Message = v.Errors[0].Code.String(), strings.TrimSuffix(v.Errors[0].Title+": "+v.Errors[0].Details, ": ")
	}
	return e
}

// recorder is the ResponseWriter of an in-process request.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	over   bool
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.body.Len()+len(b) > maxAnswer {
		w.over = true
		return 0, errors.New("scenario: answer too large")
	}
	return w.body.Write(b)
}

// list is the control API's answer to a list request.
type list[T any] struct {
	Data []T `json:"data"`
}

// get reads a list of the control API.
func getList[T any](r *run, path string) ([]T, error) {
	var l list[T]
	if err := r.call(r.ctx, http.MethodGet, path, nil, &l, nil); err != nil {
		return nil, err
	}
	return l.Data, nil
}
