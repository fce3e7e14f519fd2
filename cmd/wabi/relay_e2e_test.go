package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	pngenc "image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// relayVerifyToken is the verify token of the relays the tests set up.
const relayVerifyToken = "relay-verify-3f9a"

// TestRelayEndToEnd runs two wabi processes with real HTTP between them: an
// upstream sandbox, which carries the relay's numbers as Meta would, and the
// relay, which a client that knows nothing of the relay (plain HTTP with
// Graph's JSON, as an SDK sends it) talks to in the Cloud API and the
// On-Premises API.
func TestRelayEndToEnd(t *testing.T) {
	up := newRelayProc(t, "upstream")
	relay := newRelayProc(t, "relay")
	ud, rd := up.demo(t), relay.demo(t)
	if ud.App.Secret == rd.App.Secret || ud.Token.Token == rd.Token.Token {
		t.Fatal("the two processes share the demo app's secret or token; the test needs them to differ")
	}
	hook := newRelayReceiver(t)
	hook.setSecret(rd.App.Secret)
	rPN, uPN, wa := rd.PhoneNumber.ID, ud.PhoneNumber.ID, ud.VirtualPhone.WaID

	putRelay(t, relay, rPN, up, uPN, ud.WABA.ID, ud)
	// The upstream's app sends its webhooks to the relay, which answers the
	// handshake with the relay's verify token.
	up.must(t, "PUT", "/api/apps/"+ud.App.ID+"/webhook", "", `{"callback_url":"`+relay.base+`/relay/webhook","verify_token":"`+
		relayVerifyToken+`","fields":["messages","message_template_status_update"]}`, nil)
	// The client's app on the relay takes the relay's webhooks.
	relay.must(t, "PUT", "/api/apps/"+rd.App.ID+"/webhook", "", `{"callback_url":"`+hook.srv.URL+
		`/cloud","verify_token":"client","fields":["messages"]}`, nil)

	t.Run("Control", func(t *testing.T) { testRelayControl(t, relay, rPN, uPN, ud) })
	t.Run("CloudAPI", func(t *testing.T) { testRelayCloud(t, up, relay, hook, rd, ud) })
	t.Run("ForgedWebhook", func(t *testing.T) { testRelayForged(t, relay, hook, uPN, wa) })
	t.Run("OnPremises", func(t *testing.T) { testRelayOnPrem(t, up, relay, hook, rd, ud) })
	t.Run("RelayRestart", func(t *testing.T) { testRelayRestart(t, up, relay, hook, rd, ud) })
	t.Run("UpstreamDown", func(t *testing.T) { testRelayUpstreamDown(t, up, relay, hook, rd, ud) })
	hook.check(t, rPN)
	if t.Failed() {
		t.Logf("relay log:\n%s\nupstream log:\n%s", relay.log(), up.log())
	}
}

// putRelay puts the relay's number pn on the upstream's number upPN.
func putRelay(t *testing.T, relay *relayProc, pn string, up *relayProc, upPN, upWABA string, ud demo) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{
		"base_url": up.base, "api_version": "v23.0", "phone_number_id": upPN, "waba_id": upWABA,
		"access_token": ud.Token.Token, "app_secret": ud.App.Secret, "verify_token": relayVerifyToken,
	})
	relay.must(t, "PUT", "/api/phone_numbers/"+pn+"/relay", "", string(body), nil)
}

// testRelayControl checks what the control API shows of a relay: the
// upstream's ids, never its secrets whole.
func testRelayControl(t *testing.T, relay *relayProc, rPN, uPN string, ud demo) {
	var view struct {
		PhoneNumberID    string `json:"phone_number_id"`
		Network          string `json:"network"`
		BaseURL          string `json:"base_url"`
		UpstreamNumberID string `json:"upstream_phone_number_id"`
		UpstreamWABAID   string `json:"upstream_waba_id"`
		AccessToken      string `json:"access_token"`
		AppSecretSet     bool   `json:"app_secret_set"`
		VerifyTokenSet   bool   `json:"verify_token_set"`
		WebhookURL       string `json:"webhook_url"`
	}
	b := relay.must(t, "GET", "/api/phone_numbers/"+rPN+"/relay", "", "", &view)
	tok := ud.Token.Token
	if view.PhoneNumberID != rPN || view.Network != "relay" || view.UpstreamNumberID != uPN || view.UpstreamWABAID != ud.WABA.ID ||
		!view.AppSecretSet || !view.VerifyTokenSet || !strings.HasSuffix(view.WebhookURL, "/relay/webhook") ||
		!strings.HasSuffix(view.AccessToken, tok[len(tok)-4:]) {
		t.Errorf("relay view %s", b)
	}
	for _, secret := range []string{tok, ud.App.Secret, relayVerifyToken} {
		if strings.Contains(b, secret) {
			t.Errorf("the relay view shows a secret whole: %s", b)
		}
	}
	var channels struct {
		Data []struct {
			ID      string `json:"id"`
			Network string `json:"network"`
		} `json:"data"`
	}
	b = relay.must(t, "GET", "/api/channels", "", "", &channels)
	found := false
	for _, c := range channels.Data {
		found = found || (c.ID == rPN && c.Network == "relay")
	}
	if !found {
		t.Errorf("channels do not list %s on the relay: %s", rPN, b)
	}
	if strings.Contains(b, tok) || strings.Contains(b, ud.App.Secret) {
		t.Errorf("the channels show a secret whole: %s", b)
	}
	// The handshake of the upstream's webhook answers only the verify token
	// of a relay.
	if code, _, b := relay.call(t, "GET", "/relay/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=123", "", ""); code != http.StatusForbidden {
		t.Errorf("handshake with a wrong verify token: %d %s, want 403", code, b)
	}
	if code, _, b := relay.call(t, "GET", "/relay/webhook?hub.mode=subscribe&hub.verify_token="+relayVerifyToken+"&hub.challenge=4711", "", ""); code != http.StatusOK || b != "4711" {
		t.Errorf("handshake with the verify token: %d %q, want 200 4711", code, b)
	}
}

// sendResult is the Cloud API's answer to a send.
type sendResult struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// cloudSend sends a message through proc's Cloud API and returns its wamid.
func cloudSend(t *testing.T, proc *relayProc, pn, token, body string, headers ...string) string {
	t.Helper()
	code, _, b := proc.call(t, "POST", "/v23.0/"+pn+"/messages", token, body, headers...)
	var r sendResult
	if code != http.StatusOK || json.Unmarshal([]byte(b), &r) != nil || len(r.Messages) != 1 || r.Messages[0].ID == "" {
		t.Fatalf("send %s: %d %s", body, code, b)
	}
	return r.Messages[0].ID
}

// storedMessage is a message as the control API shows it.
type storedMessage struct {
	ID            string `json:"id"`
	PhoneNumberID string `json:"phone_number_id"`
	Direction     string `json:"direction"`
	Type          string `json:"type"`
	Status        string `json:"status"`
}

// message reads message id from proc's control API, and returns it with the
// answer's status.
func message(t *testing.T, proc *relayProc, id string) (storedMessage, int) {
	t.Helper()
	code, _, b := proc.call(t, "GET", "/api/messages/"+id, "", "")
	var m storedMessage
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			t.Fatalf("message %s: %s", id, b)
		}
	}
	return m, code
}

// phoneSends makes the upstream's virtual phone wa send a text to the
// upstream's number pn, and returns its wamid.
func phoneSends(t *testing.T, up *relayProc, wa, pn, text string) string {
	t.Helper()
	var m storedMessage
	body, _ := json.Marshal(map[string]any{"to": pn, "type": "text", "text": map[string]string{"body": text}})
	up.must(t, "POST", "/api/phones/"+wa+"/messages", "", string(body), &m)
	return m.ID
}

// testRelayCloud is a Cloud API client's story on a relayed number: a
// template, the customer's answer, a text, a picture and a read receipt,
// and every status webhook back, signed by the relay's app.
func testRelayCloud(t *testing.T, up, relay *relayProc, hook *relayReceiver, rd, ud demo) {
	rPN, uPN, wa, tok := rd.PhoneNumber.ID, ud.PhoneNumber.ID, ud.VirtualPhone.WaID, rd.Token.Token

	tmpl := cloudSend(t, relay, rPN, tok, `{"messaging_product":"whatsapp","to":"`+wa+
		`","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
	// The answer's wamid is the upstream's: the upstream sent it from its
	// number, and the relay keeps it under the same id for its own number.
	if m, code := message(t, up, tmpl); code != http.StatusOK || m.PhoneNumberID != uPN || m.Direction != "outbound" || m.Type != "template" {
		t.Fatalf("the upstream has %s as %d %+v", tmpl, code, m)
	}
	if m, code := message(t, relay, tmpl); code != http.StatusOK || m.PhoneNumberID != rPN || m.Direction != "outbound" {
		t.Fatalf("the relay has %s as %d %+v", tmpl, code, m)
	}

	// The customer answers on the upstream; it arrives as a webhook of the
	// relay's number, stored with the upstream's wamid.
	in := phoneSends(t, up, wa, uPN, "Where is my order?")
	eventually(t, 10*time.Second, func() string { return hook.missing(false, []string{in}, "") })
	if m, code := message(t, relay, in); code != http.StatusOK || m.PhoneNumberID != rPN || m.Direction != "inbound" {
		t.Fatalf("the relay has the inbound %s as %d %+v", in, code, m)
	}

	text := cloudSend(t, relay, rPN, tok, `{"messaging_product":"whatsapp","to":"`+wa+`","text":{"body":"Tomorrow!"}}`)

	// A picture uploaded to the relay reaches the phone with its bytes.
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	form, ctype := multipartPNG(t, png.Bytes())
	code, _, b := relay.call(t, "POST", "/v23.0/"+rPN+"/media", tok, form.String(), "Content-Type", ctype)
	var media struct{ ID string }
	if code != http.StatusOK || json.Unmarshal([]byte(b), &media) != nil || media.ID == "" {
		t.Fatalf("upload: %d %s", code, b)
	}
	pic := cloudSend(t, relay, rPN, tok, `{"messaging_product":"whatsapp","to":"`+wa+`","type":"image","image":{"id":"`+media.ID+`","caption":"Your order"}}`)
	got := phoneMedia(t, up, wa, pic)
	if !bytes.Equal(got, png.Bytes()) {
		t.Errorf("the phone got %d bytes of the picture, want the %d uploaded", len(got), png.Len())
	}

	// A picture the customer sends keeps the upstream's media id; the relay
	// fetches it from the upstream when the client asks for it.
	var up1 struct{ ID string }
	up.must(t, "POST", "/api/phones/"+wa+"/media?phone_number_id="+uPN+"&filename=photo.png", "", png.String(), &up1, "Content-Type", "image/png")
	var inPic storedMessage
	up.must(t, "POST", "/api/phones/"+wa+"/messages", "", `{"to":"`+uPN+`","type":"image","image":{"id":"`+up1.ID+`","caption":"this one"}}`, &inPic)
	eventually(t, 10*time.Second, func() string { return hook.missing(false, []string{inPic.ID}, "") })
	if got := hook.imageID(inPic.ID); got != up1.ID {
		t.Errorf("the inbound picture's media id is %q, want the upstream's %s", got, up1.ID)
	} else if got := clientMedia(t, relay, tok, got); !bytes.Equal(got, png.Bytes()) {
		t.Errorf("the client got %d bytes of the customer's picture, want the %d sent", len(got), png.Len())
	}

	// The read receipt goes upstream: the customer's message is read there.
	code, _, b = relay.call(t, "POST", "/v23.0/"+rPN+"/messages", tok,
		`{"messaging_product":"whatsapp","status":"read","message_id":"`+in+`"}`)
	if code != http.StatusOK || !strings.Contains(b, `"success":true`) {
		t.Fatalf("mark read: %d %s", code, b)
	}
	eventually(t, 10*time.Second, func() string {
		if m, _ := message(t, up, in); m.Status != "read" {
			return "the upstream's inbound message is " + m.Status + ", not read"
		}
		return ""
	})

	sent := []string{tmpl, text, pic}
	eventually(t, 15*time.Second, func() string { return hook.missing(false, sent, "sent", "delivered", "read") })
	for _, id := range sent {
		if code := hook.failed(id); code != 0 {
			t.Errorf("%s failed with %d", id, code)
		}
	}

	// The relay logged its exchanges with the upstream, secrets redacted.
	var xs struct {
		Data []struct {
			Direction string `json:"direction"`
			Method    string `json:"method"`
			URL       string `json:"url"`
			Status    int    `json:"status"`
		} `json:"data"`
	}
	b = relay.must(t, "GET", "/api/phone_numbers/"+rPN+"/relay/exchanges?limit=100", "", "", &xs)
	var out, inb bool
	for _, x := range xs.Data {
		out = out || (x.Direction == "out" && x.Method == "POST" && strings.Contains(x.URL, "/"+uPN+"/messages") && x.Status == 200)
		inb = inb || x.Direction == "in"
	}
	if !out || !inb {
		t.Errorf("the exchange log lacks a send out (%v) or a webhook in (%v): %.2000s", out, inb, b)
	}
	for _, secret := range []string{ud.Token.Token, ud.App.Secret} {
		if strings.Contains(b, secret) {
			t.Errorf("the exchange log shows a secret of the upstream")
		}
	}
}

// phoneMedia returns the bytes of the media of message id that the
// upstream's virtual phone wa received.
func phoneMedia(t *testing.T, up *relayProc, wa, id string) []byte {
	t.Helper()
	code, _, b := up.call(t, "GET", "/api/phones/"+wa+"/messages/"+id+"/media", "", "")
	if code != http.StatusOK {
		t.Fatalf("the phone's media of %s: %d %s", id, code, b)
	}
	return []byte(b)
}

// clientMedia downloads media id through the relay's Cloud API, as a client
// does: its URL from GET /{media-id}, then the URL with the same token.
func clientMedia(t *testing.T, relay *relayProc, token, id string) []byte {
	t.Helper()
	var m struct{ URL string }
	relay.must(t, "GET", "/v23.0/"+id, token, "", &m)
	req, err := http.NewRequest("GET", m.URL, nil)
	if err != nil {
		t.Fatalf("media %s: %v", id, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("media %s download: %d %s", id, resp.StatusCode, b)
	}
	return b
}

// testRelayForged posts webhooks to /relay/webhook that the upstream's app
// did not sign: each is refused and nothing of it is stored or relayed.
func testRelayForged(t *testing.T, relay *relayProc, hook *relayReceiver, uPN, wa string) {
	forged := fmt.Sprintf("wamid.FORGED%d", time.Now().UnixNano())
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001000","phone_number_id":"` + uPN + `"},` +
		`"contacts":[{"profile":{"name":"Mallory"},"wa_id":"` + wa + `"}],` +
		`"messages":[{"from":"` + wa + `","id":"` + forged + `","timestamp":"1767225600","type":"text","text":{"body":"send me the money"}}]}}]}]}`)
	for name, headers := range map[string][]string{
		"unsigned":             nil,
		"signed with a guess":  {"X-Hub-Signature-256", sign("not-the-app-secret", body)},
		"malformed signature":  {"X-Hub-Signature-256", "sha256=zz"},
		"signature of another": {"X-Hub-Signature-256", sign("not-the-app-secret", []byte("{}"))},
	} {
		if code, _, b := relay.call(t, "POST", "/relay/webhook", "", string(body), headers...); code != http.StatusUnauthorized {
			t.Errorf("%s webhook: %d %s, want 401", name, code, b)
		}
	}
	if _, code := message(t, relay, forged); code != http.StatusNotFound {
		t.Errorf("the relay stored the forged message %s: %d", forged, code)
	}
	if hook.missing(false, []string{forged}, "") == "" {
		t.Errorf("the forged message %s reached the client's receiver", forged)
	}
}

// testRelayOnPrem is an On-Premises client of a relayed number: it logs in,
// gets the customer's message in the On-Premises shape, answers it, and gets
// its statuses.
func testRelayOnPrem(t *testing.T, up, relay *relayProc, hook *relayReceiver, rd, ud demo) {
	wa := ud.VirtualPhone.WaID
	// The upstream carries the On-Premises number as a second Cloud API
	// number of its WABA.
	var up2 struct{ ID string }
	up.must(t, "POST", "/api/phone_numbers", "", `{"waba_id":"`+ud.WABA.ID+`","phone_number":"+1 555-010-8800","verified_name":"Demo Relay Two"}`, &up2)
	putRelay(t, relay, rd.OnPremPhone.ID, up, up2.ID, ud.WABA.ID, ud)

	req, _ := http.NewRequest("POST", relay.base+"/v1/users/login", strings.NewReader(`{"new_password":"N3w-Passw0rd!"}`))
	req.SetBasicAuth("admin", "secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Users []struct{ Token string }
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &login) != nil || len(login.Users) != 1 {
		t.Fatalf("On-Premises login: %d %s", resp.StatusCode, b)
	}
	op := login.Users[0].Token
	relay.must(t, "PATCH", "/v1/settings/application", op, `{"webhooks":{"url":"`+hook.srv.URL+`/onprem"}}`, nil)

	in := phoneSends(t, up, wa, up2.ID, "Are you open on Sunday?")
	eventually(t, 10*time.Second, func() string { return hook.missing(true, []string{in}, "") })

	code, _, b2 := relay.call(t, "POST", "/v1/messages", op, `{"to":"`+wa+`","type":"text","text":{"body":"Yes, from 10 to 4."}}`)
	var r struct {
		Messages []struct{ ID string }
	}
	if code != http.StatusOK || json.Unmarshal([]byte(b2), &r) != nil || len(r.Messages) != 1 {
		t.Fatalf("On-Premises send: %d %s", code, b2)
	}
	id := r.Messages[0].ID
	if m, code := message(t, up, id); code != http.StatusOK || m.PhoneNumberID != up2.ID {
		t.Fatalf("the upstream has %s as %d %+v, want it sent from %s", id, code, m, up2.ID)
	}
	// An On-Premises deployment gets no sent statuses unless it asks.
	eventually(t, 15*time.Second, func() string { return hook.missing(true, []string{id}, "delivered", "read") })
}

// relayTraffic sends texts through the relay from a few clients, and makes
// the upstream's virtual phone write to the relayed number, until stop is
// closed; it records every send the relay acknowledged and every message
// the upstream took from the phone.
type relayTraffic struct {
	mu      sync.Mutex
	acked   []string
	inbound []string
	wg      sync.WaitGroup
	stop    chan struct{}
	// end stops the traffic and returns what was acknowledged; it may be
	// called again.
	end func() (acked, inbound []string)
}

// startTraffic starts the traffic: texts from rd's demo number through the
// relay, and texts from the upstream's virtual phone to ud's demo number.
func startTraffic(up, relay *relayProc, rd, ud demo) *relayTraffic {
	tr := &relayTraffic{stop: make(chan struct{})}
	tr.end = sync.OnceValues(func() ([]string, []string) {
		close(tr.stop)
		tr.wg.Wait()
		return tr.acked, tr.inbound
	})
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(url, token, body string) (int, []byte, error) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	stopped := func() bool {
		select {
		case <-tr.stop:
			return true
		default:
			return false
		}
	}
	wa := ud.VirtualPhone.WaID
	for c := range 3 {
		tr.wg.Go(func() {
			for n := 0; !stopped(); n++ {
				code, b, err := post(relay.base+"/v23.0/"+rd.PhoneNumber.ID+"/messages", rd.Token.Token,
					fmt.Sprintf(`{"messaging_product":"whatsapp","to":"%s","text":{"body":"client %d, message %d"}}`, wa, c, n))
				var r sendResult
				if err == nil && code == http.StatusOK && json.Unmarshal(b, &r) == nil && len(r.Messages) == 1 {
					tr.mu.Lock()
					tr.acked = append(tr.acked, r.Messages[0].ID)
					tr.mu.Unlock()
				}
				// Each client sends about 50 messages a second: enough
				// to be in flight when the relay dies, few enough for
				// their statuses to come back within the test.
				select {
				case <-tr.stop:
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	tr.wg.Go(func() {
		for n := 0; !stopped(); n++ {
			code, b, err := post(up.base+"/api/phones/"+wa+"/messages", "",
				fmt.Sprintf(`{"to":"%s","type":"text","text":{"body":"phone message %d"}}`, ud.PhoneNumber.ID, n))
			var m storedMessage
			if err == nil && code == http.StatusCreated && json.Unmarshal(b, &m) == nil && m.ID != "" {
				tr.mu.Lock()
				tr.inbound = append(tr.inbound, m.ID)
				tr.mu.Unlock()
			}
			select {
			case <-tr.stop:
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	return tr
}

// counts returns how many sends and inbound messages were acknowledged.
func (tr *relayTraffic) counts() (sends, inbound int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.acked), len(tr.inbound)
}

// waitTraffic waits until at least sends more sends and inbound more inbound
// messages were acknowledged than the counts given.
func waitTraffic(t *testing.T, tr *relayTraffic, sends, inbound int) {
	t.Helper()
	eventually(t, 15*time.Second, func() string {
		s, i := tr.counts()
		if s < sends || i < inbound {
			return fmt.Sprintf("traffic stalled at %d sends and %d inbound messages", s, i)
		}
		return ""
	})
}

// testRelayRestart kills the relay with SIGKILL during traffic both ways and
// starts it again: every send it acknowledged gets its statuses, and every
// message the phone sent arrives.
func testRelayRestart(t *testing.T, up, relay *relayProc, hook *relayReceiver, rd, ud demo) {
	tr := startTraffic(up, relay, rd, ud)
	defer tr.end()
	waitTraffic(t, tr, 10, 10)
	relay.kill(t)
	s, i := tr.counts()
	relay.start(t)
	waitTraffic(t, tr, s+10, i+10)
	acked, inbound := tr.end()
	eventually(t, 20*time.Second, func() string {
		if msg := hook.missing(false, acked, "sent", "delivered", "read"); msg != "" {
			return msg + "\n" + explain(t, up, relay, hook, acked, "sent", "delivered", "read")
		}
		return ""
	})
	eventually(t, 20*time.Second, func() string {
		if msg := hook.missing(false, inbound, ""); msg != "" {
			return msg + "\n" + explain(t, up, relay, hook, inbound, "")
		}
		return ""
	})
	t.Logf("%d sends and %d inbound messages across a relay crash, none lost", len(acked), len(inbound))
}

// explain tells, for the first message of ids whose webhooks (want, as for
// missing) the receiver lacks, what each process knows of it: the message
// and its webhook deliveries.
func explain(t *testing.T, up, relay *relayProc, hook *relayReceiver, ids []string, want ...string) string {
	t.Helper()
	for _, id := range ids {
		if hook.missing(false, []string{id}, want...) == "" {
			continue
		}
		var b strings.Builder
		for _, p := range []*relayProc{up, relay} {
			_, _, m := p.call(t, "GET", "/api/messages/"+id, "", "")
			_, _, d := p.call(t, "GET", "/api/deliveries?message_id="+id, "", "")
			fmt.Fprintf(&b, "%s has %s\n  with deliveries %.3000s\n", p.name, m, d)
		}
		return b.String()
	}
	return ""
}

// testRelayUpstreamDown kills the upstream: sends through the relay fail
// with a Graph error while it is down and work once it is back, and the
// statuses the upstream owed meanwhile arrive.
func testRelayUpstreamDown(t *testing.T, up, relay *relayProc, hook *relayReceiver, rd, ud demo) {
	rPN, wa, tok := rd.PhoneNumber.ID, ud.VirtualPhone.WaID, rd.Token.Token
	text := `{"messaging_product":"whatsapp","to":"` + wa + `","text":{"body":"Still there?"}}`

	// The phone goes offline: the upstream holds the next message at sent.
	up.must(t, "PATCH", "/api/phones/"+wa, "", `{"behaviour":{"offline":true}}`, nil)
	held := cloudSend(t, relay, rPN, tok, text)
	eventually(t, 10*time.Second, func() string { return hook.missing(false, []string{held}, "sent") })

	up.kill(t)
	code, _, b := relay.call(t, "POST", "/v23.0/"+rPN+"/messages", tok, text)
	var graph struct {
		Error struct {
			Message string `json:"message"`
			Code    int    `json:"code"`
		} `json:"error"`
	}
	if code < 400 || json.Unmarshal([]byte(b), &graph) != nil || graph.Error.Code == 0 || graph.Error.Message == "" {
		t.Fatalf("send with the upstream down: %d %s, want a Graph error", code, b)
	}
	t.Logf("with the upstream down the relay answers %d %s", code, b)

	up.start(t)
	up.must(t, "PATCH", "/api/phones/"+wa, "", `{"behaviour":{"offline":false}}`, nil)
	after := cloudSend(t, relay, rPN, tok, text)
	eventually(t, 15*time.Second, func() string {
		return hook.missing(false, []string{held, after}, "sent", "delivered", "read")
	})
}
