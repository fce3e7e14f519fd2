package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// sample is a scrape: every series's value by name and labels, as
// `name{a="x",b="y"}` with the labels in order; a histogram's series are its
// _count and _sum.
type sample map[string]float64

// mustScrape serves h's answer to GET and parses it as Prometheus's text
// format.
func mustScrape(t testing.TB, h http.Handler) sample {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d: %s", rec.Code, rec.Body)
	}
	return mustParse(t, rec.Body)
}

func mustParse(t testing.TB, r io.Reader) sample {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	s := sample{}
	for name, f := range fams {
		for _, m := range f.Metric {
			key := seriesKey(name, m.Label)
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				s[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				s[key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				s[seriesKey(name+"_count", m.Label)] = float64(m.GetHistogram().GetSampleCount())
				s[seriesKey(name+"_sum", m.Label)] = m.GetHistogram().GetSampleSum()
			case dto.MetricType_UNTYPED:
				s[key] = m.GetUntyped().GetValue()
			}
		}
	}
	return s
}

func seriesKey(name string, labels []*dto.LabelPair) string {
	if len(labels) == 0 {
		return name
	}
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = l.GetName() + `="` + l.GetValue() + `"`
	}
	sort.Strings(parts)
	return name + "{" + strings.Join(parts, ",") + "}"
}

// moved checks that each series grew by exactly the given amount from before
// to after.
func moved(t *testing.T, before, after sample, want map[string]float64) {
	t.Helper()
	for key, d := range want {
		if got := after[key] - before[key]; got != d {
			t.Errorf("%s moved by %v, want %v (before %v, after %v)", key, got, d, before[key], after[key])
		}
	}
}
