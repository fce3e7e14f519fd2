package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// chartSeries is one line of a chart: y values at x = 1, 2, ... seconds, or
// at the given xs.
type chartSeries struct {
	name  string
	color string
	xs    []float64
	ys    []float64
}

// html is the run's report: a self-contained page (no scripts, no fonts from
// elsewhere) with inline SVG charts of throughput and latency over time, the
// latency histogram and the webhook backlog, and the summary's tables.
func (r *benchResults) html() []byte {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wabi bench report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:820px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}svg{display:block;margin:1em 0;background:#fff;border:1px solid #ddd}
h2{margin-top:1.6em}.num{text-align:right;font-variant-numeric:tabular-nums}
</style></head><body>
<h1>wabi bench report</h1>
`)
	c := r.Config
	b.WriteString("<table><tbody>\n")
	for _, kv := range [][2]string{{"server", c.URL}, {"dialect", c.Dialect}, {"numbers × phones", fmt.Sprintf("%d × %d", c.Numbers, c.Phones)},
		{"mix", c.Mix}, {"mode", c.Mode}, {"rate", rateText(c.Rate)}, {"concurrency", fmt.Sprint(c.Concurrency)},
		{"duration", c.Duration}, {"limits lifted", fmt.Sprint(c.LimitsLifted)}, {"webhook receiver", c.Receiver}} {
		fmt.Fprintf(&b, "<tr><th>%s</th><td>%s</td></tr>\n", esc(kv[0]), esc(kv[1]))
	}
	b.WriteString("</tbody></table>\n<h2>Summary</h2>\n<table><thead><tr><th>load</th><th>ok</th><th>failed</th><th>ok/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead><tbody>\n")
	row := func(l *loadSummary) {
		p := l.Latency
		fmt.Fprintf(&b, "<tr><td>%s</td><td class=num>%d</td><td class=num>%d</td><td class=num>%.0f</td><td class=num>%s</td><td class=num>%s</td><td class=num>%s</td><td class=num>%s</td><td class=num>%s</td></tr>\n",
			esc(l.Label), l.OK, l.Failed, l.PerSecond, fmtMS(p.P50), fmtMS(p.P90), fmtMS(p.P99), fmtMS(p.P999), fmtMS(p.Max))
	}
	if r.Baseline != nil {
		row(r.Baseline)
	}
	row(&r.Load)
	b.WriteString("</tbody></table>\n")
	if r.Ratio > 0 {
		fmt.Fprintf(&b, "<p>wabi did <b>%.2f×</b> the requests per second of the bare handler under the same load.</p>\n", r.Ratio)
	}

	b.WriteString("<h2>Throughput over time</h2>\n")
	tp := []chartSeries{{name: "wabi ok/s", color: "#1f77b4"}, {name: "wabi errors/s", color: "#d62728"}}
	for _, p := range r.Load.Timeline {
		tp[0].ys = append(tp[0].ys, float64(p.OK))
		tp[1].ys = append(tp[1].ys, float64(p.Failed))
	}
	if r.Baseline != nil {
		s := chartSeries{name: "baseline ok/s", color: "#999999"}
		for _, p := range r.Baseline.Timeline {
			s.ys = append(s.ys, float64(p.OK))
		}
		tp = append(tp, s)
	}
	if r.Webhooks != nil {
		s := chartSeries{name: "webhooks/s", color: "#2ca02c"}
		for _, n := range r.Webhooks.PerSecond {
			s.ys = append(s.ys, float64(n))
		}
		tp = append(tp, s)
	}
	b.WriteString(lineChart("throughput", "seconds", "per second", tp))

	b.WriteString("<h2>Latency over time</h2>\n")
	lt := []chartSeries{{name: "p50 ms", color: "#1f77b4"}, {name: "p99 ms", color: "#ff7f0e"}}
	for _, p := range r.Load.Timeline {
		lt[0].ys = append(lt[0].ys, p.P50)
		lt[1].ys = append(lt[1].ys, p.P99)
	}
	b.WriteString(lineChart("latency", "seconds", "ms", lt))

	b.WriteString("<h2>Latency histogram</h2>\n")
	b.WriteString(histChart(r.Load.Histogram))

	if len(r.Backlog) > 0 {
		if r.BacklogSource == "metrics" {
			b.WriteString("<h2>Webhook backlog</h2>\n<p>Webhook deliveries pending in the store, waiting or in flight (<code>wabi_webhook_pending</code>), once a second.</p>\n")
		} else {
			b.WriteString("<h2>Webhook backlog</h2>\n<p>Pending deliveries of the run, read from the delivery log once a second (one page: at most 1000).</p>\n")
		}
		s := chartSeries{name: "pending", color: "#9467bd"}
		for _, p := range r.Backlog {
			s.xs = append(s.xs, p.T)
			s.ys = append(s.ys, float64(p.Pending))
		}
		b.WriteString(lineChart("backlog", "seconds", "pending", []chartSeries{s}))
	}
	if h := r.Webhooks; h != nil {
		fmt.Fprintf(&b, "<h2>Webhooks</h2>\n<p>%d received by %s", h.Received, esc(h.Receiver))
		if h.Signed {
			fmt.Fprintf(&b, "; %d with a bad signature", h.BadSignatures)
		}
		fmt.Fprintf(&b, "; statuses: %s; inbound messages: %d.</p>\n", esc(countsLine(h.Statuses)), h.Inbound)
		b.WriteString("<table><thead><tr><th>send → webhook</th><th>n</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>missing</th></tr></thead><tbody>\n")
		for _, st := range []string{"sent", "delivered", "read"} {
			p := h.EndToEnd[st]
			fmt.Fprintf(&b, "<tr><td>%s</td><td class=num>%d</td><td class=num>%s</td><td class=num>%s</td><td class=num>%s</td><td class=num>%s</td><td class=num>%d</td></tr>\n",
				st, p.N, fmtMS(p.P50), fmtMS(p.P90), fmtMS(p.P99), fmtMS(p.Max), h.Missing[st])
		}
		b.WriteString("</tbody></table>\n")
	}
	if len(r.Load.Errors) > 0 {
		b.WriteString("<h2>Errors</h2>\n<table><thead><tr><th>answer</th><th>count</th></tr></thead><tbody>\n")
		for k, v := range r.Load.Errors {
			fmt.Fprintf(&b, "<tr><td>%s</td><td class=num>%d</td></tr>\n", esc(k), v)
		}
		b.WriteString("</tbody></table>\n")
	}
	if in := r.Inbound; in != nil {
		fmt.Fprintf(&b, "<h2>Inbound</h2>\n<p>%d inbound messages at %d/s (%d failed).", in.OK, in.Rate, in.Failed)
		if rc := in.Receiver; rc != nil && rc.Attempts > 0 {
			fmt.Fprintf(&b, " The receiver answered %d sampled attempts in %s; %.2f%% took over 1 s. Meta's guidance: a median of at most 250 ms and under 1 %% over 1 s — met: %v.",
				rc.Attempts, esc(rc.Latency.String()), rc.OverOneSecondPct, rc.MeetsGuidance)
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

const (
	chartW, chartH = 760, 260
	padL, padR     = 60, 20
	padT, padB     = 30, 40
)

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// lineChart draws the series over shared axes.
func lineChart(id, xLabel, yLabel string, series []chartSeries) string {
	maxX, maxY := 1.0, 0.0
	for i := range series {
		s := &series[i]
		if s.xs == nil {
			for j := range s.ys {
				s.xs = append(s.xs, float64(j+1))
			}
		}
		for j := range s.ys {
			maxX, maxY = math.Max(maxX, s.xs[j]), math.Max(maxY, s.ys[j])
		}
	}
	maxY = niceMax(maxY)
	px := func(x float64) float64 { return padL + x/maxX*float64(chartW-padL-padR) }
	py := func(y float64) float64 { return float64(chartH-padB) - y/maxY*float64(chartH-padT-padB) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="chart-%s" width="%d" height="%d" viewBox="0 0 %d %d" font-size="11">`+"\n", id, chartW, chartH, chartW, chartH)
	axes(&b, maxX, maxY, xLabel, yLabel, px, py)
	for i, s := range series {
		pts := make([]string, len(s.ys))
		for j, y := range s.ys {
			pts[j] = fmt.Sprintf("%.1f,%.1f", px(s.xs[j]), py(y))
		}
		fmt.Fprintf(&b, `<polyline data-series="%s" fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", html.EscapeString(s.name), s.color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			padL+10+i*150, 8, s.color, padL+24+i*150, 17, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// axes draws the frame, four grid lines with their values and the labels.
func axes(b *strings.Builder, maxX, maxY float64, xLabel, yLabel string, px, py func(float64) float64) {
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n", padL, chartH-padB, chartW-padR, chartH-padB)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n", padL, padT, padL, chartH-padB)
	for i := 1; i <= 4; i++ {
		y := maxY * float64(i) / 4
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			padL, py(y), chartW-padR, py(y), padL-4, py(y)+4, trimFloat(y))
		x := maxX * float64(i) / 4
		if maxX >= 4 {
			x = math.Round(x)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px(x), chartH-padB+14, trimFloat(x))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (chartW+padL)/2, chartH-6, html.EscapeString(xLabel))
	fmt.Fprintf(b, `<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>`+"\n", chartH/2, chartH/2, html.EscapeString(yLabel))
}

func trimFloat(v float64) string {
	if v >= 100 || v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// histChart draws the latency histogram: one bar per non-empty 5 % bucket,
// on a logarithmic latency axis.
func histChart(bars []histBar) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" id="chart-histogram" width="%d" height="%d" viewBox="0 0 %d %d" font-size="11">`+"\n", chartW, chartH, chartW, chartH)
	if len(bars) == 0 {
		b.WriteString(`<text x="20" y="40">no successful sends</text></svg>` + "\n")
		return b.String()
	}
	lo, hi := math.Log10(bars[0].LE/1.05), math.Log10(bars[len(bars)-1].LE)
	if hi-lo < 1 {
		lo, hi = math.Floor(lo), math.Ceil(hi+1e-9)
	}
	maxC := 0
	for _, bar := range bars {
		maxC = max(maxC, bar.Count)
	}
	maxY := niceMax(float64(maxC))
	px := func(msv float64) float64 { return padL + (math.Log10(msv)-lo)/(hi-lo)*float64(chartW-padL-padR) }
	py := func(y float64) float64 { return float64(chartH-padB) - y/maxY*float64(chartH-padT-padB) }
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n", padL, chartH-padB, chartW-padR, chartH-padB)
	for i := 1; i <= 4; i++ {
		y := maxY * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			padL, py(y), chartW-padR, py(y), padL-4, py(y)+4, trimFloat(y))
	}
	for d := math.Ceil(lo); d <= hi; d++ {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s ms</text>`+"\n", px(math.Pow(10, d)), chartH-padB+14, trimFloat(math.Pow(10, d)))
	}
	for _, bar := range bars {
		x0, x1 := px(bar.LE/1.05), px(bar.LE)
		fmt.Fprintf(&b, `<rect data-le="%g" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1f77b4"/>`+"\n",
			bar.LE, x0, py(float64(bar.Count)), math.Max(x1-x0-0.5, 0.5), float64(chartH-padB)-py(float64(bar.Count)))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">send latency (log scale)</text>`+"\n", (chartW+padL)/2, chartH-6)
	fmt.Fprintf(&b, `<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">sends</text>`+"\n", chartH/2, chartH/2)
	b.WriteString("</svg>\n")
	return b.String()
}

func rateText(rate int) string {
	if rate == 0 {
		return "— (closed loop)"
	}
	return fmt.Sprintf("%d/s", rate)
}
