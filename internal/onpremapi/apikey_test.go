package onpremapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// TestDeploymentAPIKeys: each deployment's own API key reads that deployment's
// health and stats and nothing of another's; at the root it names its
// deployment; rotating it retires the old key. The operator-wide key still
// reads every deployment, as documented.
func TestDeploymentAPIKeys(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()
	api := onpremapi.New(s.P)
	api.APIKey = "operator-wide-key-0123"
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	get := func(path, key string) resp {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Apikey "+key)
		return s.send(req)
	}
	a := s.pn.ID
	bNumber, err := s.P.CreatePhoneNumber(ctx, platform.NewPhoneNumber{WABAID: s.Demo.WABA.ID,
		Number: "15550003998", VerifiedName: "Legacy B", Platform: wabi.PlatformOnPrem})
	if err != nil {
		t.Fatal(err)
	}
	b := bNumber.ID
	keyA, err := s.P.DeploymentAPIKey(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := s.P.DeploymentAPIKey(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if keyA.Key == keyB.Key || len(keyA.Key) < 12 || len(keyA.Key) > 128 {
		t.Fatalf("keys %q and %q: want two different keys of 12 to 128 characters", keyA.Key, keyB.Key)
	}
	if again, _ := s.P.DeploymentAPIKey(ctx, a); again.Key != keyA.Key {
		t.Fatalf("reading the key again gave %q, want %q", again.Key, keyA.Key)
	}

	for _, p := range []string{"/v1/health", "/v1/stats/app", "/v1/stats/db", "/metrics"} {
		wantOK(t, get("/onprem/"+a+p, keyA.Key), http.StatusOK)
		wantOK(t, get("/onprem/"+b+p, keyB.Key), http.StatusOK)
		// A's key does not read B's deployment, nor B's A's.
		wantError(t, get("/onprem/"+b+p, keyA.Key), http.StatusUnauthorized, 1005)
		wantError(t, get("/onprem/"+a+p, keyB.Key), http.StatusUnauthorized, 1005)
		// The operator's key reads both.
		wantOK(t, get("/onprem/"+a+p, api.APIKey), http.StatusOK)
		wantOK(t, get("/onprem/"+b+p, api.APIKey), http.StatusOK)
	}
	// At the root, with two deployments, a deployment's key names its own.
	if got := jsonAt(t, get("/v1/health", keyA.Key).body, "health", "gateway_status"); got != "connected" {
		t.Errorf("A's health at the root: %v, want connected", got)
	}
	if got := jsonAt(t, get("/v1/health", keyB.Key).body, "health", "gateway_status"); got != "unregistered" {
		t.Errorf("B's health at the root: %v, want unregistered", got)
	}
	// The key is for monitoring only.
	wantError(t, get("/onprem/"+a+"/v1/support", keyA.Key), http.StatusUnauthorized, 1005)

	rotated, err := s.P.RotateDeploymentAPIKey(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Key == keyA.Key || rotated.Generation != 1 || rotated.RotatedAt == nil {
		t.Fatalf("rotated key %+v", rotated)
	}
	wantError(t, get("/onprem/"+a+"/v1/health", keyA.Key), http.StatusUnauthorized, 1005)
	wantOK(t, get("/onprem/"+a+"/v1/health", rotated.Key), http.StatusOK)
	wantOK(t, get("/onprem/"+b+"/v1/health", keyB.Key), http.StatusOK)

	// A Cloud API number has no deployment, so no key.
	if _, err := s.P.DeploymentAPIKey(ctx, s.Demo.Phone.ID); wabi.ErrorCode(err) != wabi.EWrongPlatform {
		t.Errorf("key of a Cloud number: %v, want %s", err, wabi.EWrongPlatform)
	}
}
