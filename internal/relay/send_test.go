package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/seal"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/wabitest"
)

// relayed is a wabi whose demo numbers are on the relay to a fake upstream.
type relayed struct {
	t      *testing.T
	s      *wabitest.Stack
	up     *upstream
	client *testClient
	srv    *httptest.Server
}

func newRelayed(t *testing.T, steps ...step) *relayed {
	t.Helper()
	s := wabitest.New(t, wabitest.Options{})
	ring, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s.P.Seal = ring
	up := newUpstream(t, steps...)
	tc := newTestClient(up)
	tc.Log = s.P.LogRelayExchange
	s.P.Upstream = tc.Client
	ctx := context.Background()
	for _, pn := range []*wabi.PhoneNumber{s.Demo.Phone, s.Demo.OnPremPhone} {
		cfg := *up.config()
		cfg.PhoneNumberID = pn.ID
		if _, err := s.P.PutRelay(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	cloud, onprem := cloudapi.New(s.P), onpremapi.New(s.P)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if onpremapi.Owns(r.URL.Path) {
			onprem.ServeHTTP(w, r)
			return
		}
		cloud.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &relayed{t: t, s: s, up: up, client: tc, srv: srv}
}

// do makes a request to wabi and returns the status, headers and body.
func (r *relayed) do(method, path, token, contentType string, body []byte, header ...string) (int, http.Header, map[string]any) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, res.Header, out
}

func (r *relayed) cloudSend(body string, header ...string) (int, http.Header, map[string]any) {
	return r.do("POST", "/v23.0/"+r.s.Demo.Phone.ID+"/messages", r.s.Demo.Token.Value, "application/json", []byte(body), header...)
}

// onPremToken logs the On-Premises admin in for the first time.
func (r *relayed) onPremToken() string {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.srv.URL+"/v1/users/login", strings.NewReader(`{"new_password":"N3w-Passw0rd!"}`))
	req.SetBasicAuth("admin", "secret")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Users []struct {
			Token string `json:"token"`
		} `json:"users"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Users) != 1 {
		r.t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	return out.Users[0].Token
}

const upstreamWAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"

// TestRelayedSendCloud checks that a Cloud API send of a relayed number goes
// upstream, answers with the upstream's wamid and is stored under it as
// accepted, and that an upstream error comes back with Meta's code.
func TestRelayedSendCloud(t *testing.T) {
	r := newRelayed(t, step{status: 200, fixture: "send_ok.json"}, step{status: 400, fixture: "error_131047.json"},
		step{status: 400, fixture: "error_unknown_131999.json"})
	status, _, body := r.cloudSend(`{"messaging_product":"whatsapp","to":"+1 650 555 1234","type":"text","text":{"body":"hi"}}`)
	if status != 200 {
		t.Fatalf("send: %d %v", status, body)
	}
	msgs, _ := body["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["id"] != upstreamWAMID {
		t.Fatalf("answer %v, want the upstream's wamid", body)
	}
	var sent map[string]any
	_ = json.Unmarshal(r.up.requests()[0].body, &sent)
	if sent["to"] != "16505551234" || sent["type"] != "text" {
		t.Errorf("sent upstream %v, want the normalised recipient", sent)
	}
	m, err := r.s.Store.Message(context.Background(), upstreamWAMID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != wabi.StatusAccepted || m.PhoneNumberID != r.s.Demo.Phone.ID || m.WaID != "16505551234" || m.Direction != wabi.Outbound {
		t.Errorf("stored %+v", m)
	}
	xs, err := r.s.P.RelayExchanges(context.Background(), r.s.Demo.Phone.ID, 0)
	if err != nil || len(xs) != 1 || xs[0].Status != 200 {
		t.Fatalf("exchanges %v %v", xs, err)
	}

	// 131047: wabi's code, Meta's number and the upstream's status.
	status, _, body = r.cloudSend(`{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"late"}}`)
	e, _ := body["error"].(map[string]any)
	if status != 400 || e["code"] != float64(131047) || e["message"] != "(#131047) Re-engagement message" {
		t.Errorf("131047: %d %v", status, body)
	}
	// A code wabi has none of its own for is carried through.
	status, _, body = r.cloudSend(`{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"odd"}}`)
	e, _ = body["error"].(map[string]any)
	details, _ := e["error_data"].(map[string]any)
	if status != 400 || e["code"] != float64(131999) || details["details"] != "A condition wabi has no code of its own for." {
		t.Errorf("131999: %d %v", status, body)
	}
	// A malformed message never reaches the upstream.
	before := len(r.up.requests())
	if status, _, _ = r.cloudSend(`{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{}}`); status != 400 {
		t.Errorf("empty text: %d, want 400", status)
	}
	if n := len(r.up.requests()); n != before {
		t.Errorf("a malformed message went upstream")
	}
}

// TestRelayedSendOnPrem checks that the On-Premises client of a relayed
// number sends through /v1/messages as a Cloud API call upstream, and gets
// the upstream's errors in its own envelope with Meta's code.
func TestRelayedSendOnPrem(t *testing.T) {
	r := newRelayed(t, step{status: 200, fixture: "send_ok.json"}, step{status: 400, fixture: "error_131026.json"},
		step{status: 200, fixture: "mark_read.json"})
	tok := r.onPremToken()
	body := []byte(`{"to":"16505551234","type":"text","recipient_type":"individual","text":{"body":"hi"}}`)
	status, _, out := r.do("POST", "/v1/messages", tok, "application/json", body)
	msgs, _ := out["messages"].([]any)
	if status != 200 && status != 201 || len(msgs) != 1 || msgs[0].(map[string]any)["id"] != upstreamWAMID {
		t.Fatalf("send: %d %v", status, out)
	}
	req := r.up.requests()[0]
	if req.path != "/v23.0/106540352242922/messages" {
		t.Errorf("upstream path %s", req.path)
	}
	var sent map[string]any
	_ = json.Unmarshal(req.body, &sent)
	if sent["messaging_product"] != "whatsapp" || sent["to"] != "16505551234" {
		t.Errorf("sent upstream %v, want a Cloud API send", sent)
	}
	status, _, out = r.do("POST", "/v1/messages", tok, "application/json", body)
	errs, _ := out["errors"].([]any)
	if status != 400 || len(errs) != 1 || errs[0].(map[string]any)["code"] != float64(131026) {
		t.Errorf("131026: %d %v, want the On-Premises envelope with Meta's code", status, out)
	}
	// A read receipt goes upstream as the Cloud API's, for a message wabi
	// has no copy of too: the upstream judges the id.
	status, _, out = r.do("PUT", "/v1/messages/wamid.from-upstream", tok, "application/json", []byte(`{"status":"read"}`))
	if status != 200 {
		t.Fatalf("read receipt: %d %v", status, out)
	}
	var rr map[string]any
	_ = json.Unmarshal(r.up.requests()[2].body, &rr)
	if rr["messaging_product"] != "whatsapp" || rr["status"] != "read" || rr["message_id"] != "wamid.from-upstream" {
		t.Errorf("read receipt sent upstream as %v", rr)
	}
}

// TestIdempotencyKey checks that wabi's own Cloud API answers a repeated key
// with the first answer without sending again, and echoes the key always.
func TestIdempotencyKey(t *testing.T) {
	r := newRelayed(t, step{status: 200, fixture: "send_ok.json"}, step{status: 429, fixture: "error_130429.json"})
	send := `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"once"}}`
	s1, h1, b1 := r.cloudSend(send, "Idempotency-Key", "k-1")
	s2, h2, b2 := r.cloudSend(send, "Idempotency-Key", "k-1")
	if s1 != 200 || s2 != 200 {
		t.Fatalf("statuses %d, %d", s1, s2)
	}
	if h1.Get("Idempotency-Key") != "k-1" || h2.Get("Idempotency-Key") != "k-1" {
		t.Errorf("key not echoed: %q, %q", h1.Get("Idempotency-Key"), h2.Get("Idempotency-Key"))
	}
	j1, _ := json.Marshal(b1)
	j2, _ := json.Marshal(b2)
	if string(j1) != string(j2) {
		t.Errorf("second answer %s, want the first %s", j2, j1)
	}
	if n := len(r.up.requests()); n != 1 {
		t.Errorf("%d sends upstream, want 1", n)
	}
	// An answer that did nothing (a rate limit) lets the key go; the key is
	// echoed on errors too.
	s3, h3, _ := r.cloudSend(send, "Idempotency-Key", "k-2")
	if s3 != 429 || h3.Get("Idempotency-Key") != "k-2" {
		t.Errorf("rate limited: %d, key %q", s3, h3.Get("Idempotency-Key"))
	}
	tries := len(r.up.requests())
	r.cloudSend(send, "Idempotency-Key", "k-2")
	if n := len(r.up.requests()); n == tries {
		t.Error("a key whose answer was a rate limit was kept: the send was not tried again")
	}
}

// TestRelayedMediaAndReadReceipt checks that a local media id is uploaded
// upstream on its first send only, and that read receipts go upstream.
func TestRelayedMediaAndReadReceipt(t *testing.T) {
	r := newRelayed(t, step{status: 200, fixture: "media_upload.json"}, step{status: 200, fixture: "send_ok.json"},
		step{status: 200, fixture: "send_ok_2.json"}, step{status: 200, fixture: "mark_read.json"})
	pn, tok := r.s.Demo.Phone.ID, r.s.Demo.Token.Value
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", "image/png")
	fw, _ := mw.CreateFormFile("file", "dot.png")
	_, _ = fw.Write(pngDot)
	_ = mw.Close()
	status, _, up := r.do("POST", "/v23.0/"+pn+"/media", tok, mw.FormDataContentType(), form.Bytes())
	localID, _ := up["id"].(string)
	if status != 200 || localID == "" {
		t.Fatalf("upload: %d %v", status, up)
	}
	if n := len(r.up.requests()); n != 0 {
		t.Fatalf("an upload to wabi went upstream at once (%d calls)", n)
	}
	send := `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"id":"` + localID + `"}}`
	for i := range 2 {
		if status, _, b := r.cloudSend(send); status != 200 {
			t.Fatalf("send %d: %d %v", i, status, b)
		}
	}
	reqs := r.up.requests()
	if len(reqs) != 3 || !strings.HasSuffix(reqs[0].path, "/media") {
		t.Fatalf("upstream calls %d, first %s: want one upload, then two sends", len(reqs), reqs[0].path)
	}
	for _, req := range reqs[1:] {
		var sent struct {
			Image struct {
				ID string `json:"id"`
			} `json:"image"`
		}
		_ = json.Unmarshal(req.body, &sent)
		if sent.Image.ID != "1037543291543636" {
			t.Errorf("sent image id %q, want the upstream's", sent.Image.ID)
		}
	}
	m, err := r.s.Store.Message(context.Background(), upstreamWAMID)
	if err != nil || m.Image == nil || m.Image.ID != localID {
		t.Errorf("stored message %+v, %v: want wabi's own media id kept", m, err)
	}

	status, _, b := r.cloudSend(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.from-upstream","typing_indicator":{"type":"text"}}`)
	if status != 200 || b["success"] != true {
		t.Fatalf("read receipt: %d %v", status, b)
	}
	last := r.up.requests()[3]
	var rr map[string]any
	_ = json.Unmarshal(last.body, &rr)
	if rr["status"] != "read" || rr["message_id"] != "wamid.from-upstream" || rr["typing_indicator"] == nil {
		t.Errorf("read receipt sent upstream as %v", rr)
	}
}

// TestRelayedTemplates checks that a WABA whose relayed number names an
// upstream WABA lists its templates there, with the client's token kept
// back and the upstream's paging links pointing at wabi.
func TestRelayedTemplates(t *testing.T) {
	r := newRelayed(t, step{status: 200, fixture: "templates_list.json"})
	w := r.s.Demo.WABA.ID
	status, _, body := r.do("GET", "/v23.0/"+w+"/message_templates?limit=1&access_token="+r.s.Demo.Token.Value, "", "", nil)
	if status != 200 {
		t.Fatalf("list: %d %v", status, body)
	}
	data, _ := body["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["id"] != "1279014376521380" {
		t.Errorf("data %v, want the upstream's templates", body["data"])
	}
	req := r.up.requests()[0]
	if req.method != "GET" || req.path != "/v23.0/102290129340398/message_templates" || req.query != "limit=1" {
		t.Errorf("upstream call %s %s?%s", req.method, req.path, req.query)
	}
	paging, _ := body["paging"].(map[string]any)
	next, _ := paging["next"].(string)
	if !strings.HasPrefix(next, r.srv.URL+"/v23.0/"+w+"/message_templates?") || strings.Contains(next, "access_token") || !strings.Contains(next, "after=QVFIUmxz") {
		t.Errorf("next %q, want wabi's URL with the upstream's cursor and no token", next)
	}
}

// pngDot is a 1×1 PNG.
var pngDot = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
