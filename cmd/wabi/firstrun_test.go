package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestAddressInUse: a second wabi on a taken port says how to pick another.
func TestAddressInUse(t *testing.T) {
	base := startWabi(t, nil)
	addr := strings.TrimPrefix(base, "http://")
	env := map[string]string{"WABI_ADDR": addr, "WABI_DATA": t.TempDir()}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), addr+" is already in use") || !strings.Contains(err.Error(), "WABI_ADDR") {
		t.Fatalf("serve on a taken address: %v", err)
	}
}
