package controlapi

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestMessageSearch searches a day's messages the way the console does: by
// type, status, direction, contact and time, and pages through a search.
func TestMessageSearch(t *testing.T) {
	t.Parallel()
	s := mustStack(t, "")
	vars := s.vars()
	inbound := func(body string) string {
		t.Helper()
		r := s.do(t, "POST", "/api/phones/"+vars["customer"]+"/messages",
			`{"to":"`+vars["phone_number"]+`","type":"text","text":{"body":"`+body+`"}}`, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("inbound: %d %s", r.status, r.raw)
		}
		return r.str("id")
	}
	// 12:00 a question, 12:01 a template that is read, 12:02 a thank-you and
	// a template to a number that is not on WhatsApp.
	vars["a"] = inbound("where is it?")
	s.clock.Advance(time.Minute)
	vars["tpl"] = s.mustSendTemplate(t, vars["customer"])
	s.waitStatus(t, vars["tpl"], wabi.StatusRead)
	s.clock.Advance(time.Minute)
	vars["b"] = inbound("thanks")
	vars["lost"] = s.mustSendTemplate(t, "15550009999")
	s.waitStatus(t, vars["lost"], wabi.StatusFailed)

	s.run(t, vars, []step{
		{name: "by type", method: "GET", path: "/api/messages?type=template", status: 200,
			want: map[string]string{"data.#": "2", "data.0.id": "{lost}", "data.1.id": "{tpl}"}},
		{name: "by type and direction", method: "GET", path: "/api/messages?type=text&direction=inbound", status: 200,
			want: map[string]string{"data.#": "2", "data.0.id": "{b}", "data.1.id": "{a}"}},
		{name: "by status", method: "GET", path: "/api/messages?status=failed", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{lost}", "data.0.error.code": "not_on_whatsapp"}},
		{name: "by status and type", method: "GET", path: "/api/messages?status=read&type=template", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{tpl}"}},
		{name: "since, inclusive", method: "GET", path: "/api/messages?since=2026-03-01T12:01:00Z", status: 200,
			want: map[string]string{"data.#": "3", "data.2.id": "{tpl}"}},
		{name: "until, exclusive", method: "GET", path: "/api/messages?until=2026-03-01T12:01:00Z", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{a}"}},
		{name: "a range of a number", method: "GET",
			path:   "/api/messages?phone_number_id={phone_number}&since=2026-03-01T12:00:30Z&until=2026-03-01T12:01:30.5Z",
			status: 200, want: map[string]string{"data.#": "1", "data.0.id": "{tpl}"}},
		{name: "an offset, escaped", method: "GET", path: "/api/messages?since=" + url.QueryEscape("2026-03-01T13:02:00+01:00"),
			status: 200, want: map[string]string{"data.#": "2"}},
		{name: "an offset whose + became a space", method: "GET", path: "/api/messages?since=2026-03-01T13:02:00+01:00",
			status: 200, want: map[string]string{"data.#": "2"}},
		{name: "by contact and type", method: "GET", path: "/api/messages?wa_id={customer}&type=text", status: 200,
			want: map[string]string{"data.#": "2"}},
		{name: "a search, first page", method: "GET", path: "/api/messages?type=text&limit=1", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{b}", "next_before": "{b}"}},
		{name: "a search, next page", method: "GET", path: "/api/messages?type=text&limit=1&before={b}", status: 200,
			want: map[string]string{"data.#": "1", "data.0.id": "{a}", "next_before": "-"}},
		{name: "a type that does not exist", method: "GET", path: "/api/messages?type=fax", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a status that does not exist", method: "GET", path: "/api/messages?status=lost", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a time that is not RFC 3339", method: "GET", path: "/api/messages?since=yesterday", status: 400,
			want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "until before since", method: "GET", path: "/api/messages?since=2026-03-01T12:01:00Z&until=2026-03-01T12:00:00Z",
			status: 400, want: map[string]string{"error.code": "invalid_parameter"}},
		{name: "a number that does not exist", method: "GET", path: "/api/messages?phone_number_id=404&type=text", status: 404},
	})
}
