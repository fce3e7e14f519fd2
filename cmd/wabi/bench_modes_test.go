package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// mustBench runs wabi bench with args and -json, and returns its results.
func mustBench(t *testing.T, args ...string) benchResults {
	t.Helper()
	var out, errs strings.Builder
	if err := run(context.Background(), append([]string{"bench", "-json"}, args...), func(string) string { return "" }, &out, &errs); err != nil {
		t.Fatalf("bench %v: %v\n%s\n%s", args, err, out.String(), errs.String())
	}
	var r benchResults
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("bench %v: not JSON: %v\n%s", args, err, out.String())
	}
	return r
}

// TestBenchModes loads one live server in each of bench's modes and checks
// what each reports.
func TestBenchModes(t *testing.T) {
	base := startWabi(t, nil)

	// Two numbers and three phones of the run, a mix of every kind, bench's
	// receiver: every send is acknowledged and its three status webhooks
	// arrive, signed with the app's secret; the report has its charts.
	t.Run("mix", func(t *testing.T) {
		report := filepath.Join(t.TempDir(), "bench.html")
		r := mustBench(t, "-url", base, "-duration", "1s", "-concurrency", "4", "-numbers", "2", "-phones", "3",
			"-mix", "text=60,template=30,image=10", "-lift-limits", "-report", report)
		if r.Config.Numbers != 2 || r.Config.Phones != 3 || r.Load.OK == 0 || r.Load.Failed != 0 {
			t.Fatalf("config %+v, %d ok, %d failed: %v", r.Config, r.Load.OK, r.Load.Failed, r.Load.Errors)
		}
		for _, kind := range []string{"text", "template", "image"} {
			if r.Load.ByKind[kind] == 0 {
				t.Errorf("no %s sent: %v", kind, r.Load.ByKind)
			}
		}
		h := r.Webhooks
		if h == nil || h.Receiver != "bench" || !h.Signed || h.BadSignatures != 0 {
			t.Fatalf("webhooks %+v", h)
		}
		for _, st := range []string{"sent", "delivered", "read"} {
			if h.EndToEnd[st].N != r.Load.OK || h.Missing[st] != 0 || h.Statuses[st] < r.Load.OK {
				t.Errorf("%s: %d of %d sends measured, %d missing, %d webhooks", st, h.EndToEnd[st].N, r.Load.OK, h.Missing[st], h.Statuses[st])
			}
		}
		if len(r.Backlog) == 0 || r.Backlog[len(r.Backlog)-1].Pending != 0 || r.BacklogSource != "metrics" {
			t.Errorf("backlog %+v from %q: want a series from /api/metrics that ends empty", r.Backlog, r.BacklogSource)
		}
		checkReport(t, report, "chart-throughput", "chart-latency", "chart-histogram", "chart-backlog")
		// The run put the demo app's subscription back: no override left.
		var subs struct {
			Data []map[string]any `json:"data"`
		}
		_, body := call(t, "GET", base+"/api/info", "", "")
		waba := mustJSON(t, body)["waba"].(map[string]any)["id"].(string)
		_, body = call(t, "GET", base+"/api/wabas/"+waba+"/subscribed_apps", "", "")
		json.Unmarshal([]byte(body), &subs)
		for _, s := range subs.Data {
			if s["override_callback_uri"] != nil {
				t.Errorf("the subscription keeps the run's receiver: %v", s)
			}
		}
	})

	// A receiver checking with another secret counts every body as bad.
	t.Run("wrong secret", func(t *testing.T) {
		r := mustBench(t, "-url", base, "-duration", "300ms", "-concurrency", "2", "-phones", "2", "-lift-limits", "-secret", "not-the-app-secret")
		if h := r.Webhooks; h == nil || h.Received == 0 || h.BadSignatures != h.Received {
			t.Fatalf("webhooks %+v: want every one counted bad", h)
		}
	})

	// The On-Premises API, through deployments bench creates and logs in to.
	t.Run("onprem", func(t *testing.T) {
		r := mustBench(t, "-url", base, "-dialect", "onprem", "-duration", "500ms", "-concurrency", "4", "-phones", "2",
			"-mix", "text=70,template=20,image=10", "-lift-limits")
		if r.Load.OK == 0 || r.Load.Failed != 0 || len(r.Load.ByKind) != 3 {
			t.Fatalf("%d ok, %d failed %v, by kind %v", r.Load.OK, r.Load.Failed, r.Load.Errors, r.Load.ByKind)
		}
		h := r.Webhooks
		if h == nil || h.Signed || h.EndToEnd["sent"].N != r.Load.OK || h.EndToEnd["read"].N != r.Load.OK {
			t.Fatalf("webhooks %+v", h)
		}
	})

	// The bare handler first, then wabi, closed loop: the ratio of the two.
	t.Run("baseline", func(t *testing.T) {
		r := mustBench(t, "-url", base, "-duration", "300ms", "-concurrency", "4", "-baseline", "-lift-limits", "-webhooks=false")
		if r.Baseline == nil || r.Baseline.OK == 0 || r.Baseline.Failed != 0 || r.Ratio <= 0 || r.Webhooks != nil {
			t.Fatalf("baseline %+v, ratio %v, webhooks %+v", r.Baseline, r.Ratio, r.Webhooks)
		}
		var out strings.Builder
		if err := run(context.Background(), []string{"bench", "-url", base, "-duration", "300ms", "-baseline", "-lift-limits", "-webhooks=false"},
			func(string) string { return "" }, &out, io.Discard); err != nil || !strings.Contains(out.String(), "× the bare handler") {
			t.Errorf("bench -baseline: %v\n%s", err, out.String())
		}
	})

	// The user's receiver, measured through the delivery log, while phones
	// also write in: every status is there, and so is the receiver's answer
	// time to the inbound webhooks.
	t.Run("webhook-url and inbound", func(t *testing.T) {
		var posts atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "GET" {
				if r.URL.Query().Get("hub.verify_token") != "mine" {
					w.WriteHeader(403)
					return
				}
				io.WriteString(w, r.URL.Query().Get("hub.challenge"))
				return
			}
			posts.Add(1)
		}))
		defer srv.Close()
		r := mustBench(t, "-url", base, "-duration", "1s", "-concurrency", "2", "-phones", "2", "-lift-limits",
			"-webhook-url", srv.URL+"/hook", "-verify-token", "mine", "-inbound", "20")
		h := r.Webhooks
		if h == nil || h.Receiver != srv.URL+"/hook" || h.EndToEnd["read"].N != r.Load.OK || h.Missing["read"] != 0 || h.Inbound == 0 {
			t.Fatalf("webhooks %+v", h)
		}
		if int(posts.Load()) < h.Received {
			t.Errorf("the receiver got %d posts, the log says %d delivered", posts.Load(), h.Received)
		}
		in := r.Inbound
		if in == nil || in.OK == 0 || in.Failed != 0 || in.Receiver == nil || in.Receiver.Attempts == 0 || !in.Receiver.MeetsGuidance {
			t.Fatalf("inbound %+v, receiver %+v", in, in.Receiver)
		}
	})
}

// checkReport parses the HTML report as XML (it is written well-formed) and
// checks it has each chart, every line with points and the histogram with
// bars.
func checkReport(t *testing.T, file string, charts ...string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "<!DOCTYPE html>") || strings.Contains(string(b), "<script") || strings.Contains(string(b), "http://fonts") {
		t.Errorf("report is not a self-contained page:\n%.300s", b)
	}
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(string(b), "<!DOCTYPE html>")))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	seen := map[string]int{} // chart id → lines or bars with data
	chart := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("report: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch se.Name.Local {
		case "svg":
			chart = attr["id"]
		case "polyline":
			if strings.Count(attr["points"], ",") > 0 {
				seen[chart]++
			} else {
				t.Errorf("%s: series %q has no points", chart, attr["data-series"])
			}
		case "rect":
			if attr["data-le"] != "" {
				seen[chart]++
			}
		}
	}
	for _, c := range charts {
		if seen[c] == 0 {
			t.Errorf("report: chart %s has no data", c)
		}
	}
}

// TestGenerateOpenLoop checks that an open-loop send's latency counts from
// when it was due: a server that takes 20 ms a send, loaded at 100 a second
// by one client, falls behind, and the latencies show the queue.
func TestGenerateOpenLoop(t *testing.T) {
	r := newLoadRun("test", time.Now())
	generate(context.Background(), r, 100, 1, 300*time.Millisecond, func(i int, sched time.Time) {
		start := time.Now()
		time.Sleep(20 * time.Millisecond)
		r.record("text", sched, start, time.Now(), "", 0, "")
	})
	s := r.summary()
	if s.OK < 25 || s.Unsent != 0 {
		t.Fatalf("%d sent, %d unsent: want every send due in 300 ms sent", s.OK, s.Unsent)
	}
	if s.Latency.Max < 150 {
		t.Errorf("max latency %v ms: want the queue's wait counted (over 150 ms)", s.Latency.Max)
	}
}

func TestParseMix(t *testing.T) {
	m, err := parseMix("text=80,template=15,image=5")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i := range 1000 {
		got[m.kind(i)]++
	}
	if got["text"] != 800 || got["template"] != 150 || got["image"] != 50 {
		t.Errorf("1000 sends by kind: %v", got)
	}
	for _, bad := range []string{"", "text=0", "video=5", "text=x", "text=1,text=2", "text"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("parseMix(%q): no error", bad)
		}
	}
}

func TestHistogramQuantile(t *testing.T) {
	var h histogram
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond} {
		if got := h.quantile(q); got < want || got > want*106/100 {
			t.Errorf("quantile(%v) = %v, want %v within 5 %%", q, got, want)
		}
	}
}
