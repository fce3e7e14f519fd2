package server

import (
	"context"

	"github.com/wabihq/wabi/internal/cloudapi"
	"github.com/wabihq/wabi/internal/metrics"
	"github.com/wabihq/wabi/internal/onpremapi"
	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/postgres"
	"github.com/wabihq/wabi/internal/sqlite"
	"github.com/wabihq/wabi/internal/wabi"
	"github.com/wabihq/wabi/internal/webhook"
)

// newMetrics makes the server's metrics (GET /api/metrics) and has the store's
// writer report its commits to them. Start gives them the platform's and the
// engine's events and every request.
func newMetrics(store wabi.Store, p *platform.Platform, engine *webhook.Engine) *metrics.Metrics {
	m := metrics.New()
	m.API = apiOf
	m.Number = func(ctx context.Context, id string) (string, bool) {
		pn, err := store.PhoneNumber(ctx, id)
		if err != nil {
			return "", false
		}
		if pn.Platform == wabi.PlatformOnPrem {
			return wabi.DialectOnPrem, true
		}
		return wabi.DialectCloud, true
	}
	m.Backlog = engine.Pending
	m.Pending = store.CountPending
	m.Faults = func(ctx context.Context) ([]*wabi.Fault, error) {
		return p.Faults(ctx, platform.FaultFilter{})
	}
	switch s := store.(type) {
	case *sqlite.Store:
		s.ObserveCommits(m.Commits("sqlite"))
	case *postgres.Store:
		s.ObserveCommits(m.Commits("postgres"))
	}
	return m
}

// apiOf names the API that serves a path, as handler routes it.
func apiOf(path string) string {
	switch {
	case len(path) >= 5 && path[:5] == "/api/":
		return metrics.APIControl
	case cloudapi.Owns(path):
		return metrics.APICloud
	case onpremapi.Owns(path):
		return metrics.APIOnPrem
	}
	return metrics.APIConsole
}
