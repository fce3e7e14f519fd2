package cloudapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/controlapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// control is the control API over the stack's platform: what an operator or a
// test sees of the simulated network, the numbers' SIMs included.
type control struct {
	t testing.TB
	h http.Handler
}

func mustControl(s *stack) control {
	api := &controlapi.API{Platform: s.p, Sim: s.net, Webhooks: s.engine,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return control{t: s.t, h: api.Handler()}
}

// get reads a control API path that must answer 200 and decodes its object.
func (c control) get(path string) map[string]any {
	c.t.Helper()
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	var out map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		c.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return out
}

// errorCode returns the Graph error code of a body, 0 if it is not an error.
func errorCode(body []byte) int {
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	return e.Error.Code
}

// TestRegistrationStory: a business adds a number, proves it owns it with the
// code on the simulated SIM, registers it with a PIN and sends from it; then
// deregisters it, and finds the register limit after ten calls in 72 hours.
func TestRegistrationStory(t *testing.T) {
	s := mustStack(t)
	ctl := mustControl(s)
	tok := s.demo.Token.Value
	id := s.mustAddNumber("1", "555 000 3000", "Story Shop")
	node := "/v23.0/" + id
	template := `{"messaging_product":"whatsapp","to":"` + platform.DemoCustomerNumber +
		`","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	register := `{"messaging_product":"whatsapp","pin":"123456"}`
	field := func(name string) string {
		t.Helper()
		var obj map[string]any
		json.Unmarshal(s.mustOK("GET", node+"?fields="+name, ""), &obj)
		return fmt.Sprint(obj[name])
	}
	want := func(step string, status int, body []byte, wantStatus, wantCode int) {
		t.Helper()
		if status != wantStatus || errorCode(body) != wantCode {
			t.Fatalf("%s: %d %s, want %d with code %d", step, status, body, wantStatus, wantCode)
		}
	}

	if ctl.get("/api/phone_numbers/" + id)["pending_code"] != nil {
		t.Fatal("a new number has a code on its SIM")
	}
	status, body := s.call("POST", node+"/messages", tok, template)
	want("send from a new number", status, body, 404, 133010)
	status, body = s.call("POST", node+"/register", tok, register)
	want("register before verifying", status, body, 400, 133006)

	s.mustOK("POST", node+"/request_code", `{"code_method":"VOICE","language":"en"}`)
	code, _ := ctl.get("/api/phone_numbers/" + id)["pending_code"].(string)
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
		t.Fatalf("the SIM shows %q, want a 6-digit code", code)
	}
	if b := s.mustOK("GET", node+"?fields=id,status,code_verification_status", ""); strings.Contains(string(b), code) {
		t.Fatalf("the Graph API shows the code: %s", b)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "999999"
	}
	status, body = s.call("POST", node+"/verify_code", tok, `{"code":"`+wrong+`"}`)
	want("verify a wrong code", status, body, 400, 136025)
	s.mustOK("POST", node+"/verify_code", `{"code":"`+code+`"}`)
	if got := field("code_verification_status"); got != "VERIFIED" {
		t.Fatalf("code_verification_status %q after verify_code", got)
	}
	if ctl.get("/api/phone_numbers/" + id)["pending_code"] != nil {
		t.Fatal("the code stays on the SIM after it was used")
	}
	status, body = s.call("POST", node+"/verify_code", tok, `{"code":"`+code+`"}`)
	want("verify a used code", status, body, 400, 136025)

	s.mustOK("POST", node+"/register", register)
	for name, v := range map[string]string{"status": "CONNECTED", "platform_type": "CLOUD_API", "is_pin_enabled": "true"} {
		if got := field(name); got != v {
			t.Errorf("%s = %q after register, want %q", name, got, v)
		}
	}
	wamid := gjson(s.mustOK("POST", node+"/messages", template), "id")
	if got := s.waitEvents(wamid, 1); got[0].Kind != "sent" {
		t.Fatalf("first webhook of the template %+v, want sent", got)
	}

	s.mustOK("POST", node+"/deregister", "")
	status, body = s.call("POST", node+"/messages", tok, template)
	want("send after deregister", status, body, 404, 133010)
	if got := field("status"); got != "DISCONNECTED" {
		t.Errorf("status %q after deregister, want DISCONNECTED", got)
	}

	// Two calls so far; eight more fill the 72 hours' ten.
	for i := 3; i <= 10; i++ {
		s.clock.Advance(time.Hour)
		if i%2 == 1 {
			s.mustOK("POST", node+"/register", register)
		} else {
			s.mustOK("POST", node+"/deregister", "")
		}
	}
	status, body = s.call("POST", node+"/register", tok, register)
	want("the eleventh call", status, body, 429, 133016)
	if !strings.Contains(string(body), "2026-11-04T12:00:00Z") {
		t.Errorf("the limit error does not say when the next call is possible: %s", body)
	}
	// The first two calls leave the window 72 hours after they were made, 64
	// hours from now.
	s.clock.Advance(64*time.Hour - time.Second)
	status, body = s.call("POST", node+"/register", tok, register)
	want("a second before the window moves", status, body, 429, 133016)
	s.clock.Advance(time.Second)
	s.mustOK("POST", node+"/register", register)
	s.mustOK("POST", node+"/messages", template)
}

// TestPINGuesses: wrong PINs are refused, a guess right after a wrong one is
// too fast, five wrong ones lock registration for an hour, and the right PIN
// works after it.
func TestPINGuesses(t *testing.T) {
	s := mustStack(t)
	tok := s.demo.Token.Value
	node := "/v23.0/" + s.demo.Phone.ID
	s.mustOK("POST", node, `{"pin":"424242"}`)
	try := func(pin string) int {
		_, body := s.call("POST", node+"/register", tok, `{"messaging_product":"whatsapp","pin":"`+pin+`"}`)
		return errorCode(body)
	}
	steps := []struct {
		name    string
		advance time.Duration
		pin     string
		code    int
	}{
		{"first wrong PIN", 0, "111111", 133005},
		{"right PIN at once", 0, "424242", 133009},
		{"second wrong PIN", 10 * time.Second, "222222", 133005},
		{"third", 10 * time.Second, "333333", 133005},
		{"fourth", 10 * time.Second, "444444", 133005},
		{"fifth locks", 10 * time.Second, "555555", 133005},
		{"right PIN while locked", 10 * time.Second, "424242", 133008},
		{"still locked", 59 * time.Minute, "424242", 133008},
		{"right PIN after the hour", 50 * time.Second, "424242", 0},
		{"a wrong PIN counts from one again", 10 * time.Second, "999999", 133005},
		{"a new PIN", 10 * time.Second, "", 0},
		{"the new PIN at once", 0, "565656", 0},
	}
	for _, st := range steps {
		s.clock.Advance(st.advance)
		if st.pin == "" {
			s.mustOK("POST", node, `{"pin":"565656"}`)
			continue
		}
		if got := try(st.pin); got != st.code {
			t.Fatalf("%s: code %d, want %d", st.name, got, st.code)
		}
	}
}

// TestPINGuessesOutliveRestart: the lock of five wrong PINs is kept in the
// store, so a restarted wabi (or another node) does not lift it.
func TestPINGuessesOutliveRestart(t *testing.T) {
	s := mustStack(t)
	tok := s.demo.Token.Value
	node := "/v23.0/" + s.demo.Phone.ID
	s.mustOK("POST", node, `{"pin":"424242"}`)
	for _, pin := range []string{"111111", "222222", "333333", "444444", "555555"} {
		s.clock.Advance(10 * time.Second)
		if _, body := s.call("POST", node+"/register", tok, `{"messaging_product":"whatsapp","pin":"`+pin+`"}`); errorCode(body) != 133005 {
			t.Fatalf("wrong PIN %s: %s", pin, body)
		}
	}
	restarted := platform.New(s.store, s.net, s.clock, wabi.NewIDGen(s.clock))
	err := restarted.Register(context.Background(), platform.Admin, s.demo.Phone.ID, platform.Registration{Via: wabi.PlatformCloud, PIN: "424242"})
	if wabi.ErrorCode(err) != wabi.EPINLocked {
		t.Fatalf("right PIN on a restarted platform while locked: %v, want %s", err, wabi.EPINLocked)
	}
}
