package metrics

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestDashboard: docs/grafana/wabi.json is a Grafana dashboard whose every
// query names metrics that a wabi server exposes.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile("../../docs/grafana/wabi.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Query any `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if dash.Title == "" || dash.UID == "" || len(dash.Panels) == 0 {
		t.Fatalf("title %q, uid %q, %d panels: not a dashboard", dash.Title, dash.UID, len(dash.Panels))
	}

	// Every family has a series once each hook has run.
	m := New()
	m.Backlog = func() int { return 0 }
	m.Faults = func(context.Context) ([]*wabi.Fault, error) {
		return []*wabi.Fault{{ID: "f", Kind: wabi.FaultAPIError, Hits: 1}}, nil
	}
	m.Message(&wabi.Message{PhoneNumberID: "1", Direction: wabi.Outbound, Status: wabi.StatusAccepted})
	m.Message(&wabi.Message{PhoneNumberID: "1", Direction: wabi.Outbound, Status: wabi.StatusFailed, Error: &wabi.Error{Code: wabi.ESpamLimit}})
	m.Message(&wabi.Message{PhoneNumberID: "1", Direction: wabi.Inbound, Status: wabi.StatusReceived})
	m.Deliveries([]*wabi.Delivery{{Dialect: wabi.DialectCloud}})
	m.Attempt(&wabi.Delivery{Dialect: wabi.DialectCloud, State: wabi.DeliveryFailed}, &wabi.Attempt{StatusCode: 500})
	m.Commits("sqlite")(time.Millisecond, 1)
	m.Request(httptest.NewRequest("GET", "/", nil), 200, "", time.Millisecond)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	exposed := map[string]bool{}
	for _, f := range fams {
		exposed[f.GetName()] = true
	}

	name := regexp.MustCompile(`\b(?:wabi|go|process)_[a-z0-9_]+\b`)
	queried := 0
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			for _, n := range name.FindAllString(tg.Expr, -1) {
				queried++
				if !exposed[n] && !exposed[histogramOf(n)] {
					t.Errorf("panel %q queries %s, which wabi does not expose", p.Title, n)
				}
			}
		}
	}
	for _, v := range dash.Templating.List {
		if q, ok := v.Query.(string); ok {
			for _, n := range name.FindAllString(q, -1) {
				if !exposed[n] {
					t.Errorf("variable query %q names %s, which wabi does not expose", q, n)
				}
			}
		}
	}
	if queried < 20 {
		t.Errorf("the dashboard queries %d metric names, want every family", queried)
	}
	// Every wabi family is on the dashboard.
	for n := range exposed {
		if strings.HasPrefix(n, "wabi_") && !strings.Contains(string(b), n) {
			t.Errorf("%s is on no panel", n)
		}
	}
}

// histogramOf is the family of a histogram's series name (x_bucket → x).
func histogramOf(series string) string {
	for _, s := range []string{"_bucket", "_count", "_sum"} {
		if f, ok := strings.CutSuffix(series, s); ok {
			return f
		}
	}
	return series
}
