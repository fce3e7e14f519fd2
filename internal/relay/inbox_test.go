package relay

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// The wamids and media id the fixtures name.
const (
	sentWAMID   = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"
	failedWAMID = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJGQTY4MjQ2QzZCRTVFMkQyQUEA"
	textWAMID   = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
	imageWAMID  = "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzRUIwQjY4QkUxMjk0Q0FCMkNFRQA="
	imageID     = "1003383421387256"
	customer    = "16505551234"
)

// outbound stores a message the relay sent upstream, as the send path
// leaves it: accepted, under the upstream's wamid.
func (h *hookStack) outbound(pn, id string) {
	h.t.Helper()
	now := h.s.Clock.Now()
	m := &wabi.Message{ID: id, PhoneNumberID: pn, WaID: customer, Direction: wabi.Outbound, Type: wabi.TypeText,
		Timestamp: now, Status: wabi.StatusAccepted, StatusAt: now, Category: "utility", ConversationID: "c0ffee",
		Content: wabi.Content{Text: &wabi.Text{Body: "Your order shipped"}}}
	if err := h.s.Store.Commit(context.Background(), &wabi.Batch{Messages: []*wabi.Message{m}}); err != nil {
		h.t.Fatal(err)
	}
}

// TestReplayStatuses replays Meta's status webhooks of a message the relay
// sent and checks what the client's app gets, and what wabi records.
func TestReplayStatuses(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	ctx := context.Background()
	h.outbound(h.pn, sentWAMID)
	h.outbound(h.pn, failedWAMID)
	for _, c := range []struct {
		fixture string
		status  string
		pricing bool
	}{
		{"status_sent.json", "sent", true},
		{"status_delivered.json", "delivered", true},
		{"status_read.json", "read", false},
	} {
		body := hookFixture(t, c.fixture)
		h.deliver(body, cloudSecret)
		v := h.next(h.cloud)
		st := jsonAt(hookValue(v), "statuses", 0)
		if jsonAt(st, "id") != sentWAMID || jsonAt(st, "status") != c.status || jsonAt(st, "recipient_id") != customer {
			t.Errorf("%s: status webhook %v, want %s of %s to %s", c.fixture, st, c.status, sentWAMID, customer)
		}
		if got := jsonAt(hookValue(v), "metadata", "phone_number_id"); got != h.pn {
			t.Errorf("%s: webhook names number %v, want wabi's %s", c.fixture, got, h.pn)
		}
		if (jsonAt(st, "pricing") != nil) != c.pricing {
			t.Errorf("%s: pricing %v, want present %v", c.fixture, jsonAt(st, "pricing"), c.pricing)
		}
	}
	m, err := h.s.Store.Message(ctx, sentWAMID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != wabi.StatusRead || m.StatusAt.Unix() != 1793620940 {
		t.Errorf("stored message at %s since %v, want read at the upstream's timestamp", m.Status, m.StatusAt)
	}
	// A late repeat of "sent" changes nothing and tells no one.
	h.deliver(hookFixture(t, "status_sent.json"), cloudSecret)
	ds, err := h.s.Store.Deliveries(ctx, wabi.DeliveryFilter{MessageID: sentWAMID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 {
		t.Errorf("%d webhooks queued for %s, want 3 (sent, delivered, read)", len(ds), sentWAMID)
	}

	h.deliver(hookFixture(t, "status_failed.json"), cloudSecret)
	v := h.next(h.cloud)
	st := jsonAt(hookValue(v), "statuses", 0)
	if jsonAt(st, "status") != "failed" || jsonAt(st, "errors", 0, "code") != float64(131047) {
		t.Errorf("failed status webhook %v, want failed with code 131047", st)
	}
	if d := jsonAt(st, "errors", 0, "error_data", "details"); d == nil || !strings.Contains(d.(string), "24 hours") {
		t.Errorf("failed status details %v, want Meta's", d)
	}
	m, err = h.s.Store.Message(ctx, failedWAMID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != wabi.StatusFailed || m.Error == nil || m.Error.Code != wabi.EOutsideWindow {
		t.Errorf("stored failed message %s, %+v: want failed, outside_window", m.Status, m.Error)
	}

	// A status of a message sent around wabi waits for it in vain, then is
	// dropped.
	h.deliver(bytes.ReplaceAll(hookFixture(t, "status_read.json"), []byte(sentWAMID), []byte("wamid.UNKNOWN")), cloudSecret)
	if n := h.waits(); n != 1 {
		t.Fatalf("%d messages with waiting statuses, want 1", n)
	}
	h.s.Clock.Advance(DefaultStatusWait)
	if _, err := h.inbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.waits(); n != 0 {
		t.Errorf("%d messages with waiting statuses after the wait, want none", n)
	}
}

func (h *hookStack) waits() int {
	h.t.Helper()
	recs, err := h.s.Store.Records(context.Background(), "", recStatusWait, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return len(recs)
}

// TestStatusBeforeMessage checks that statuses the upstream reports before
// wabi has stored the message its send created wait for it, and reach the
// app in the order they came.
func TestStatusBeforeMessage(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	ctx := context.Background()
	h.deliver(hookFixture(t, "status_sent.json"), cloudSecret)
	h.deliver(hookFixture(t, "status_delivered.json"), cloudSecret)
	if n := h.waits(); n != 1 {
		t.Fatalf("%d messages with waiting statuses, want 1", n)
	}
	h.outbound(h.pn, sentWAMID)
	if _, err := h.inbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sent", "delivered"} {
		st := jsonAt(hookValue(h.next(h.cloud)), "statuses", 0)
		if jsonAt(st, "id") != sentWAMID || jsonAt(st, "status") != want {
			t.Errorf("status webhook %v, want %s of %s", st, want, sentWAMID)
		}
	}
	if n := h.waits(); n != 0 {
		t.Errorf("%d messages with waiting statuses once recorded, want none", n)
	}
	m, err := h.s.Store.Message(ctx, sentWAMID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != wabi.StatusDelivered {
		t.Errorf("stored message is %s, want delivered", m.Status)
	}
}

// TestReplayInbound replays Meta's inbound message webhooks and checks the
// webhooks of the client's app in each dialect.
func TestReplayInbound(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	ctx := context.Background()

	text := hookFixture(t, "inbound_text.json")
	h.deliver(text, cloudSecret)
	v := hookValue(h.next(h.cloud))
	msg := jsonAt(v, "messages", 0)
	if jsonAt(msg, "id") != textWAMID || jsonAt(msg, "from") != customer || jsonAt(msg, "timestamp") != "1793620800" ||
		jsonAt(msg, "type") != "text" || jsonAt(msg, "text", "body") != "Does it come in another color? éè" {
		t.Errorf("inbound text webhook %v: want the upstream's id, sender, time and text", msg)
	}
	if jsonAt(v, "contacts", 0, "profile", "name") != "Sheena Nelson" {
		t.Errorf("contacts %v: want the upstream's profile name", jsonAt(v, "contacts"))
	}
	// Meta delivers at least once: the same webhook again records nothing.
	h.deliver(text, cloudSecret)
	ds, err := h.s.Store.Deliveries(ctx, wabi.DeliveryFilter{MessageID: textWAMID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Errorf("%d webhooks for a message delivered twice by the upstream, want 1", len(ds))
	}

	h.deliver(hookFixture(t, "inbound_interactive.json"), cloudSecret)
	msg = jsonAt(hookValue(h.next(h.cloud)), "messages", 0)
	if jsonAt(msg, "interactive", "type") != "list_reply" || jsonAt(msg, "interactive", "list_reply", "id") != "priority_express" ||
		jsonAt(msg, "interactive", "list_reply", "description") != "Next day" ||
		jsonAt(msg, "context", "id") != "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJGMzEy" {
		t.Errorf("interactive webhook %v: want the list reply and its context", msg)
	}

	h.deliver(hookFixture(t, "inbound_image.json"), cloudSecret)
	msg = jsonAt(hookValue(h.next(h.cloud)), "messages", 0)
	if jsonAt(msg, "image", "id") != imageID || jsonAt(msg, "image", "mime_type") != "image/png" ||
		jsonAt(msg, "image", "caption") != "This one" || jsonAt(msg, "image", "sha256") != "J2v0hWBX0CI8gfmwbWQqOyp1cXNhePBW6mXKvp7M9Wo=" {
		t.Errorf("image webhook %v: want the upstream's media id, type, caption and hash", msg)
	}

	// A type wabi does not know reaches the app as unsupported, naming it.
	h.deliver(hookFixture(t, "inbound_poll.json"), cloudSecret)
	msg = jsonAt(hookValue(h.next(h.cloud)), "messages", 0)
	if jsonAt(msg, "type") != "unsupported" || jsonAt(msg, "unsupported", "type") != "poll" || jsonAt(msg, "errors", 0, "code") != float64(131051) {
		t.Errorf("poll webhook %v: want unsupported, type poll, error 131051", msg)
	}

	// The On-Premises number's deployment gets its own dialect.
	onText := bytes.ReplaceAll(bytes.ReplaceAll(text, []byte(fixtureNumber), []byte(onPremUpstream)), []byte(textWAMID), []byte("wamid.ONPREM1"))
	h.deliver(onText, onPremSecret)
	w := h.next(h.onprem)
	if jsonAt(w, "messages", 0, "id") != "wamid.ONPREM1" || jsonAt(w, "messages", 0, "text", "body") != "Does it come in another color? éè" ||
		jsonAt(w, "contacts", 0, "profile", "name") != "Sheena Nelson" || jsonAt(w, "entry") != nil {
		t.Errorf("On-Premises webhook %v: want the message in the On-Premises shape", w)
	}
	m, err := h.s.Store.Message(ctx, "wamid.ONPREM1")
	if err != nil {
		t.Fatal(err)
	}
	if m.PhoneNumberID != h.onPN {
		t.Errorf("On-Premises message stored on %s, want %s", m.PhoneNumberID, h.onPN)
	}
}

// TestReplayTemplateStatusAndErrors replays a template status update of the
// upstream WABA and a value with errors.
func TestReplayTemplateStatusAndErrors(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	ctx := context.Background()
	h.deliver(hookFixture(t, "template_status.json"), cloudSecret)
	v := h.next(h.cloud)
	if jsonAt(v, "entry", 0, "changes", 0, "field") != wabi.FieldMessageTemplateStatusUpdate || jsonAt(v, "entry", 0, "id") != h.s.Demo.WABA.ID {
		t.Errorf("template webhook %v: want message_template_status_update of wabi's WABA", v)
	}
	val := hookValue(v)
	if jsonAt(val, "event") != "PAUSED" || jsonAt(val, "message_template_name") != "hello_world" || jsonAt(val, "other_info", "title") != "FIRST_PAUSE" {
		t.Errorf("template webhook value %v: want hello_world PAUSED, FIRST_PAUSE", val)
	}
	ts, err := h.s.Store.Templates(ctx, h.s.Demo.WABA.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range ts {
		if tpl.Name == "hello_world" && tpl.Status != wabi.TemplatePaused {
			t.Errorf("local hello_world is %s, want PAUSED", tpl.Status)
		}
	}

	h.deliver(hookFixture(t, "errors.json"), cloudSecret)
	val = hookValue(h.next(h.cloud))
	if jsonAt(val, "errors", 0, "code") != float64(130429) || jsonAt(val, "metadata", "phone_number_id") != h.pn {
		t.Errorf("errors webhook value %v: want 130429 for %s", val, h.pn)
	}
}

// TestRelayMediaFetch checks that the media of an inbound message is fetched
// from the upstream with the relay's token the first time it is asked for,
// and kept under the upstream's id after.
func TestRelayMediaFetch(t *testing.T) {
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var up *httptest.Server
	up = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if a := r.Header.Get("Authorization"); a != "Bearer EAAG-cloud-token" && a != "Bearer EAAG-onprem-token" {
			http.Error(w, `{"error":{"code":190}}`, http.StatusUnauthorized)
			return
		}
		switch id, ok := strings.CutPrefix(r.URL.Path, "/v23.0/"); {
		case ok:
			io.WriteString(w, `{"url":"`+up.URL+`/dl?mid=`+id+`&hash=s3cret","mime_type":"image/png","id":"`+id+`"}`)
		case r.URL.Path == "/dl":
			w.Header().Set("Content-Type", "image/png")
			w.Write(img.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(up.Close)
	h := newHookStack(t, up.URL)
	h.s.P.RelayMedia = &MediaFetcher{P: h.s.P, HTTP: up.Client()}
	ctx := context.Background()

	if _, err := h.s.P.Media(ctx, platform.Admin, imageID, ""); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Fatalf("media no inbound message named: %v, want not found", err)
	}
	if calls.Load() != 0 {
		t.Fatalf("%d upstream calls for media no message named, want none", calls.Load())
	}
	h.deliver(hookFixture(t, "inbound_image.json"), cloudSecret)
	h.next(h.cloud)
	if _, err := h.s.P.Media(ctx, platform.Admin, imageID, h.onPN); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("the media asked for as another number's: %v, want not found", err)
	}
	// A Cloud API client reads the media node by the id its webhook gave.
	cloud := httptest.NewServer(cloudapi.New(h.s.P))
	t.Cleanup(cloud.Close)
	code, b := get(t, cloud.URL+"/v23.0/"+imageID, h.s.Demo.Token.Value)
	if code != http.StatusOK || !strings.Contains(b, `"id":"`+imageID+`"`) || !strings.Contains(b, `"mime_type":"image/png"`) {
		t.Fatalf("GET /v23.0/%s: %d %s, want the media node", imageID, code, b)
	}
	mf, err := h.s.P.Media(ctx, platform.Admin, imageID, h.pn)
	if err != nil {
		t.Fatal(err)
	}
	if mf.ID != imageID || mf.PhoneNumberID != h.pn || mf.MimeType != "image/png" || mf.Size != int64(img.Len()) || mf.Origin != wabi.OriginInbound {
		t.Errorf("media %+v: want the upstream's PNG as inbound media of %s under its id", mf, h.pn)
	}
	if !mf.ExpiresAt.Equal(h.s.Clock.Now().Add(platform.InboundTTL)) {
		t.Errorf("media expires %v, want after the inbound retention", mf.ExpiresAt)
	}
	f, err := h.s.P.OpenMedia(mf)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, img.Bytes()) {
		t.Error("the kept bytes differ from the upstream's")
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d upstream calls, want 2 (the media's URL, then its bytes)", n)
	}
	if _, err := h.s.P.Media(ctx, platform.Admin, imageID, ""); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d upstream calls after a second read, want still 2", n)
	}
	xs, err := h.s.P.RelayExchanges(ctx, h.pn, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := 0
	for _, x := range xs {
		if x.Direction != "out" {
			continue
		}
		out++
		if strings.Contains(x.URL, "s3cret") || strings.Contains(x.Request+x.Response, "EAAG-cloud-token") {
			t.Errorf("exchange %+v shows a secret", x)
		}
	}
	if out != 2 {
		t.Errorf("%d outgoing exchanges logged, want 2", out)
	}

	// An On-Premises client downloads the media of its number's message.
	const onPremMedia = "2003383421387256"
	h.deliver(bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(hookFixture(t, "inbound_image.json"),
		[]byte(fixtureNumber), []byte(onPremUpstream)), []byte(imageID), []byte(onPremMedia)), []byte(imageWAMID), []byte("wamid.ONPREMIMG")), onPremSecret)
	if w := h.next(h.onprem); jsonAt(w, "messages", 0, "image", "id") != onPremMedia {
		t.Errorf("On-Premises image webhook %v: want media id %s", w, onPremMedia)
	}
	onprem := httptest.NewServer(onpremapi.New(h.s.P))
	t.Cleanup(onprem.Close)
	code, b = get(t, onprem.URL+"/v1/media/"+onPremMedia, h.onToken)
	if code != http.StatusOK || b != img.String() {
		t.Errorf("GET /v1/media/%s: %d and %d bytes (%.300s), want 200 and the upstream's %d", onPremMedia, code, len(b), b, img.Len())
	}
}

// get makes a GET with a bearer token and returns the status and body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestReplayEdges covers what wabi passes on differently from the upstream:
// a status update of a template kept only upstream, a template webhook of a
// WABA no relay names, and an order, which the On-Premises webhook has no
// shape for.
func TestReplayEdges(t *testing.T) {
	h := newHookStack(t, "https://graph.example.com")
	ctx := context.Background()
	upstreamOnly := bytes.ReplaceAll(bytes.ReplaceAll(hookFixture(t, "template_status.json"),
		[]byte("hello_world"), []byte("spring_sale")), []byte(`"PAUSED"`), []byte(`"APPROVED"`))
	h.deliver(upstreamOnly, cloudSecret)
	val := hookValue(h.next(h.cloud))
	if jsonAt(val, "event") != "APPROVED" || jsonAt(val, "message_template_name") != "spring_sale" ||
		jsonAt(val, "message_template_id") != float64(1689556908129832) {
		t.Errorf("webhook of a template kept upstream %v: want the upstream's id, name and event", val)
	}
	ts, err := h.s.Store.Templates(ctx, h.s.Demo.WABA.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range ts {
		if tpl.Name == "spring_sale" {
			t.Errorf("a template kept upstream was made locally: %+v", tpl)
		}
	}
	otherWABA := bytes.ReplaceAll(hookFixture(t, "template_status.json"), []byte(fixtureWABA), []byte("555"))
	if code, answer := h.post(otherWABA, hookSign(otherWABA, cloudSecret)); code != http.StatusNotFound {
		t.Errorf("a template webhook of a WABA no relay names: %d %s, want 404", code, answer)
	}

	// A referral wabi's rules refuse is dropped; the message stands.
	referred := bytes.Replace(bytes.ReplaceAll(hookFixture(t, "inbound_text.json"), []byte(textWAMID), []byte("wamid.REFERRED")),
		[]byte(`"type":"text"`), []byte(`"type":"text","referral":{"source_url":"not a url","source_id":"1","source_type":"banner"}`), 1)
	h.deliver(referred, cloudSecret)
	msg := jsonAt(hookValue(h.next(h.cloud)), "messages", 0)
	if jsonAt(msg, "type") != "text" || jsonAt(msg, "referral") != nil || jsonAt(msg, "text", "body") == nil {
		t.Errorf("a text with a bad referral %v: want the text without it", msg)
	}

	order := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"` + fixtureWABA + `","changes":[{"value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"15550783882","phone_number_id":"` + onPremUpstream + `"},` +
		`"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"` + customer + `"}],"messages":[{"from":"` + customer + `",` +
		`"id":"wamid.ORDER1","timestamp":"1793620850","type":"order","order":{"catalog_id":"1","text":"",` +
		`"product_items":[{"product_retailer_id":"sku-1","quantity":2,"item_price":30,"currency":"USD"}]}}]},"field":"messages"}]}]}`)
	h.deliver(order, onPremSecret)
	w := h.next(h.onprem)
	if jsonAt(w, "messages", 0, "id") != "wamid.ORDER1" || jsonAt(w, "messages", 0, "type") != "unknown" {
		t.Errorf("an order to the On-Premises number %v: want it passed on as a type the client cannot show", w)
	}
	m, err := h.s.Store.Message(ctx, "wamid.ORDER1")
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != wabi.TypeUnsupported || m.Unsupported == nil || m.Unsupported.Type != "order" {
		t.Errorf("stored order %s %+v: want unsupported, naming order", m.Type, m.Unsupported)
	}
}
