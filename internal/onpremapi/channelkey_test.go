package onpremapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/wabihq/wabi/internal/platform"
)

// TestChannelKeyD360: a channel key of an On-Premises number, sent as
// D360-API-KEY as 360dialog's On-Premises-shaped API took it, sends and reads
// as a user of that deployment and nothing more; a key of a Cloud API number,
// or one revoked, is refused.
func TestChannelKeyD360(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	key, err := s.P.CreateChannelKey(ctx, s.pn.ID)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, key string, body any) resp {
		var b []byte
		if body != nil {
			b, _ = json.Marshal(body)
		}
		req, _ := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("D360-API-KEY", key)
		return s.send(req)
	}
	send := map[string]any{"to": platform.DemoCustomerNumber, "text": map[string]string{"body": "hi"}}

	r := do("POST", "/v1/messages", key.Key, send)
	wantOK(t, r, http.StatusOK)
	if id := jsonAt(t, r.body, "messages", 0, "id"); id == nil || id == "" {
		t.Fatalf("send with the channel key: no message id in %s", r.raw)
	}
	wantOK(t, do("POST", "/onprem/"+s.pn.ID+"/v1/messages", key.Key, send), http.StatusOK)
	// A user's rights only: settings are the admin's.
	wantError(t, do("PATCH", "/v1/settings/application", key.Key, map[string]any{"sent_status": true}), http.StatusForbidden, 1005)

	cloudKey, err := s.P.CreateChannelKey(ctx, s.Demo.Phone.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, do("POST", "/v1/messages", cloudKey.Key, send), http.StatusForbidden, 1005)
	if err := s.P.DeleteChannelKey(ctx, s.pn.ID, key.ID); err != nil {
		t.Fatal(err)
	}
	wantError(t, do("POST", "/v1/messages", key.Key, send), http.StatusUnauthorized, 1005)
}
