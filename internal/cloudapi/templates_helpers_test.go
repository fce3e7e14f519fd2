package cloudapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// templateFields are the webhook fields of templates.
var templateFields = []string{wabi.FieldMessageTemplateStatusUpdate, wabi.FieldTemplateCategoryUpdate, wabi.FieldMessageTemplateQualityUpdate}

// mustTemplateStack is the stack with the demo app subscribed to the template
// fields too, and template reviews running, each taking delay (negative: none).
func mustTemplateStack(t *testing.T, delay time.Duration) *stack {
	t.Helper()
	s := mustTemplateStackIdle(t, delay)
	// Cleanups run last first: reviews stop before the store closes.
	t.Cleanup(startReviews(t, s.p))
	return s
}

// mustTemplateStackIdle is mustTemplateStack without reviews running.
func mustTemplateStackIdle(t *testing.T, delay time.Duration) *stack {
	t.Helper()
	s := mustStack(t)
	s.p.TemplateReviewDelay = delay
	if _, err := s.p.SetAppWebhook(context.Background(), platform.Admin, s.demo.App.ID, platform.WebhookConfig{
		CallbackURL: s.receiver.srv.URL, VerifyToken: "verify-me", Fields: append([]string{wabi.FieldMessages}, templateFields...),
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// startReviews runs a platform's reviews until the returned function stops them.
func startReviews(t *testing.T, p *platform.Platform) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.RunReviews(ctx); err != nil {
			t.Errorf("RunReviews: %v", err)
		}
	}()
	return func() { cancel(); <-done }
}

// templateHook is one template webhook as received.
type templateHook struct {
	Field string
	WABA  string
	Time  int64
	Value map[string]any
	Body  []byte
}

// str returns a value's key as text (numbers as written).
func (h templateHook) str(key string) string {
	switch v := h.Value[key].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// templateHooks decodes the template webhooks received so far, in order.
func (r *receiver) templateHooks(t testing.TB) []templateHook {
	t.Helper()
	r.events(t) // checks every signature
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []templateHook
	for _, h := range r.hooks {
		var env struct {
			Object string
			Entry  []struct {
				ID      string
				Time    int64
				Changes []struct {
					Field string
					Value map[string]any
				}
			}
		}
		d := json.NewDecoder(bytes.NewReader(h.body))
		d.UseNumber()
		if err := d.Decode(&env); err != nil {
			t.Fatalf("webhook body %s: %v", h.body, err)
		}
		c := env.Entry[0].Changes[0]
		if c.Field == wabi.FieldMessages {
			continue
		}
		out = append(out, templateHook{Field: c.Field, WABA: env.Entry[0].ID, Time: env.Entry[0].Time, Value: c.Value, Body: h.body})
	}
	return out
}

// waitTemplateHooks waits until n template webhooks have arrived and returns them.
func (s *stack) waitTemplateHooks(n int) []templateHook {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := s.receiver.templateHooks(s.t)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("got %d template webhooks, want %d", len(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hookAbout finds the template webhook of a field about the template id.
func hookAbout(hooks []templateHook, field, id string) (templateHook, bool) {
	for _, h := range hooks {
		if h.Field == field && h.str("message_template_id") == id {
			return h, true
		}
	}
	return templateHook{}, false
}

// names turns the ids a body holds into names, so that golden files do not
// depend on the order in which goroutines drew ids.
type names struct {
	byID map[string]string
}

func newNames(s *stack) *names {
	n := &names{byID: map[string]string{}}
	n.add(s.demo.WABA.ID, "WABA_ID")
	n.add(s.demo.Phone.ID, "PHONE_NUMBER_ID")
	ts, err := s.store.Templates(context.Background(), s.demo.WABA.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, t := range ts {
		n.add(t.ID, "TPL_"+strings.ToUpper(t.Name))
	}
	return n
}

// add names an id, and the cursor that points at it.
func (n *names) add(id, name string) {
	n.byID[id] = name
	n.byID[base64.RawURLEncoding.EncodeToString([]byte(id))] = "CURSOR_" + name
}

// id returns the id with the name.
func (n *names) id(name string) string {
	for id, x := range n.byID {
		if x == name {
			return id
		}
	}
	return ""
}

// fill replaces {name} in a request with the id of that name.
func (n *names) fill(s string) string {
	for id, name := range n.byID {
		s = strings.ReplaceAll(s, "{"+name+"}", id)
	}
	return s
}

var (
	longNumber = regexp.MustCompile(`[0-9]{15,}`)
	serverHost = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
)

// normalize replaces named ids (longest first, so that a cursor is replaced
// before the id inside it could be), the server's address and the trace id.
func (n *names) normalize(b []byte) []byte {
	keys := make([]string, 0, len(n.byID))
	for k := range n.byID {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		b = bytes.ReplaceAll(b, []byte(k), []byte(n.byID[k]))
	}
	b = longNumber.ReplaceAll(b, []byte("OTHER_ID"))
	b = serverHost.ReplaceAll(b, []byte("http://WABI"))
	return normalize(b)
}
