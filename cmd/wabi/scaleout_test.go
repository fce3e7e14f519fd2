package main

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/postgres/pgtest"
)

// twoNodes starts two wabi nodes in-process on one PostgreSQL schema, sharing
// a data directory (media and keys) as nodes on one machine would, and returns
// their base URLs.
func twoNodes(t *testing.T, env map[string]string) (a, b string) {
	t.Helper()
	full := map[string]string{"WABI_STORE": pgtest.Schema(t), "WABI_DATA": t.TempDir()}
	for k, v := range env {
		full[k] = v
	}
	return startWabi(t, full), startWabi(t, full)
}

// nodeInfo reads /api/info of a node.
func nodeInfo(t *testing.T, base string) info {
	t.Helper()
	_, body := call(t, "GET", base+"/api/info", "", "")
	var in info
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatalf("info: %s", body)
	}
	return in
}

// eventually retries check until it returns "" or time runs out, and fails
// the test with its last complaint.
func eventually(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeOnPostgres: wabi serve runs on a PostgreSQL store, and a restart
// keeps the demo and its messages.
func TestServeOnPostgres(t *testing.T) {
	env := map[string]string{"WABI_STORE": pgtest.Schema(t), "WABI_DATA": t.TempDir()}
	base, stop := startStoppable(t, env)
	in := nodeInfo(t, base)
	status, body := call(t, "POST", base+"/v23.0/"+in.PhoneNumber.ID+"/messages", in.Token.Token,
		`{"messaging_product":"whatsapp","to":"15550002000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
	if status != 200 || !strings.Contains(body, "wamid.") {
		t.Fatalf("send on PostgreSQL: %d %s", status, body)
	}
	stop()
	base, _ = startStoppable(t, env)
	again := nodeInfo(t, base)
	if again.Token.Token != in.Token.Token || again.PhoneNumber.ID != in.PhoneNumber.ID {
		t.Fatalf("after a restart the demo is %+v, was %+v", again, in)
	}
	if _, body := call(t, "GET", base+"/api/messages?phone_number_id="+in.PhoneNumber.ID, "", ""); !strings.Contains(body, "hello_world") {
		t.Fatalf("the message is gone after a restart: %s", body)
	}
}

// TestTwoNodesActAsOne: what one node of a PostgreSQL store does, the other
// sees: the demo, messages and their statuses, tokens and media.
func TestTwoNodesActAsOne(t *testing.T) {
	a, b := twoNodes(t, nil)
	in := nodeInfo(t, a)
	if got := nodeInfo(t, b); got.Token.Token != in.Token.Token || got.PhoneNumber.ID != in.PhoneNumber.ID {
		t.Fatalf("the nodes disagree on the demo: %+v and %+v", in, got)
	}

	// A message sent through A is read, with its statuses, through B.
	_, body := call(t, "POST", a+"/v23.0/"+in.PhoneNumber.ID+"/messages", in.Token.Token,
		`{"messaging_product":"whatsapp","to":"15550002000","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`)
	var sent struct{ Messages []struct{ ID string } }
	if json.Unmarshal([]byte(body), &sent); len(sent.Messages) != 1 {
		t.Fatalf("send through A: %s", body)
	}
	wamid := sent.Messages[0].ID
	eventually(t, 10*time.Second, func() string {
		status, body := call(t, "GET", b+"/api/messages/"+wamid, "", "")
		if status != 200 || !strings.Contains(body, `"status":"read"`) {
			return "the message through B: " + body
		}
		return ""
	})

	// The customer answers through B; the business replies through A in the
	// window that answer opened.
	if status, body := call(t, "POST", b+"/api/phones/15550002000/messages", "",
		`{"to":"`+in.PhoneNumber.ID+`","type":"text","text":{"body":"hi from B"}}`); status != 200 && status != 201 {
		t.Fatalf("customer message through B: %d %s", status, body)
	}
	if status, body := call(t, "POST", a+"/v23.0/"+in.PhoneNumber.ID+"/messages", in.Token.Token,
		`{"messaging_product":"whatsapp","to":"15550002000","text":{"body":"reply through A"}}`); status != 200 {
		t.Fatalf("free-form reply through A in the window opened through B: %d %s", status, body)
	}

	// A token made on A works on B.
	_, body = call(t, "POST", a+"/api/tokens", "", `{"business_id":"`+in.Business.ID+`","app_id":"`+in.App.ID+`","name":"made on A"}`)
	var tok struct{ Token string }
	json.Unmarshal([]byte(body), &tok)
	if status, body := call(t, "GET", b+"/v23.0/"+in.PhoneNumber.ID, tok.Token, ""); status != 200 {
		t.Fatalf("a token made on A, used on B: %d %s", status, body)
	}

	// A token revoked on A is refused by B: at once through the bus, and in
	// 2 s at worst should the notice be lost.
	if status, body := call(t, "DELETE", a+"/api/tokens/"+tok.Token, "", ""); status != 204 {
		t.Fatalf("revoke on A: %d %s", status, body)
	}
	eventually(t, 3*time.Second, func() string {
		if status, body := call(t, "GET", b+"/v23.0/"+in.PhoneNumber.ID, tok.Token, ""); status != 401 {
			return "a token revoked on A still works on B: " + body
		}
		return ""
	})

	// Media uploaded through A downloads through B.
	up := uploadPNG(t, &server{base: a}, in.PhoneNumber.ID, in.Token.Token)
	checkMedia(t, &server{base: b}, up, in.Token.Token)
}

// TestKillOneOfTwoNodes: two wabi processes on one PostgreSQL database take
// sends; one is killed with SIGKILL under load. Every message either node
// acknowledged is there, and gets its sent, delivered and read webhooks: the
// living node takes over the dead one's messages (after 10 s without a
// heartbeat) and its leased deliveries (after their lease).
func TestKillOneOfTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts wabi processes; skipped in -short mode")
	}
	db, dir := pgtest.Schema(t), t.TempDir()
	// Limits lifted: the load goes to one customer, whose pair rate would
	// refuse all but the first 45 messages.
	env := []string{"WABI_STORE=" + db, "WABI_WEBHOOK_TIMEOUT=2s", "WABI_LIMITS=off"}
	a := startServer(t, dir, env...)
	b := startServer(t, dir, env...)
	defer b.stop(t)
	hook, missing := statusReceiver(t)
	var in info
	_, body := b.do(t, "GET", "/api/info", "", "")
	if err := json.Unmarshal(body, &in); err != nil || in.Token.Token == "" {
		t.Fatalf("info %s: %v", body, err)
	}
	if code, body := a.do(t, "PUT", "/api/apps/"+in.App.ID+"/webhook", "",
		`{"callback_url":"`+hook.URL+`","verify_token":"x","fields":["messages"]}`); code != 200 {
		t.Fatalf("set webhook: %d %s", code, body)
	}

	var acked sync.Map
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { sendTemplates(ctx, a, in, &acked) })
	wg.Go(func() { sendTemplates(ctx, b, in, &acked) })
	time.Sleep(600 * time.Millisecond)
	a.kill(t)
	time.Sleep(300 * time.Millisecond)
	cancel()
	wg.Wait()

	ids := keys(&acked)
	if len(ids) < 20 {
		t.Fatalf("only %d sends acknowledged; the test needs more", len(ids))
	}
	for _, id := range ids {
		if code, body := b.do(t, "GET", "/api/messages/"+id, "", ""); code != 200 {
			t.Fatalf("acknowledged message %s missing on the living node: %d %s", id, code, body)
		}
	}
	waitForStatuses(t, ids, missing, 60*time.Second)
	t.Logf("%d messages acknowledged by two nodes, one killed, all with their webhooks", len(ids))
}
