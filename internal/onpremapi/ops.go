package onpremapi

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wabihq/wabi/internal/platform"
	"github.com/wabihq/wabi/internal/wabi"
)

// handleHealth answers whether the deployment's number is connected, which it
// is when registered.
func (a *API) handleHealth(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	status := "unregistered"
	if pn.Registered {
		status = "connected"
	}
	type health struct {
		GatewayStatus string `json:"gateway_status"`
	}
	a.writeJSON(w, http.StatusOK, struct {
		Health health `json:"health"`
	}{health{status}})
	return nil
}

// handleAppStats answers the deployment's queues and message counts.
func (a *API) handleAppStats(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	prom, err := prometheusFormat(r)
	if err != nil {
		return err
	}
	st, err := a.p.AppStats(r.Context(), c)
	if err != nil {
		return err
	}
	ms := metrics{
		"callback_queue_size": gauge("Webhook deliveries of this deployment waiting to be delivered.", sample{Value: int64(st.CallbackQueue)}),
		"pending_messages":    gauge("Outbound messages accepted and not yet sent.", sample{Value: int64(st.PendingMessages)}),
		// A gauge, not a counter: garbage collection lowers it.
		"messages": gauge("Stored messages: outbound ones by the furthest status they reached, inbound ones as received.",
			statusSample("sent", st.Sent), statusSample("delivered", st.Delivered), statusSample("read", st.Read),
			statusSample("failed", st.Failed), statusSample("received", st.Received)),
	}
	return a.writeMetrics(w, prom, "stats", "app", ms)
}

// handleDBStats answers what the store holds for the deployment.
func (a *API) handleDBStats(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	prom, err := prometheusFormat(r)
	if err != nil {
		return err
	}
	st, err := a.p.DBStats(r.Context(), c)
	if err != nil {
		return err
	}
	msgs := metric{Type: "gauge", Help: "Stored messages by type.", Data: []sample{}}
	for typ, n := range st.Messages {
		msgs.Data = append(msgs.Data, sample{Labels: map[string]string{"type": string(typ)}, Value: int64(n)})
	}
	slices.SortFunc(msgs.Data, func(x, y sample) int { return strings.Compare(x.Labels["type"], y.Labels["type"]) })
	ms := metrics{
		"db_messages": msgs,
		"db_contacts": gauge("WhatsApp users this number has stored messages with.",
			sample{Labels: map[string]string{"type": "whatsapp_user"}, Value: int64(st.Contacts)}),
	}
	return a.writeMetrics(w, prom, "stats", "db", ms)
}

// handleMetrics answers the web server's own metrics.
func (a *API) handleMetrics(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	started := a.started
	prom, err := prometheusFormat(r)
	if err != nil {
		return err
	}
	if _, err := a.p.DeploymentOf(r.Context(), c); err != nil {
		return err
	}
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	ms := metrics{
		"web_uptime":              gauge("Seconds since this API started serving.", sample{Value: int64(a.p.Clock().Now().Sub(started) / time.Second)}),
		"go_goroutines":           gauge("Goroutines of the wabi process.", sample{Value: int64(runtime.NumGoroutine())}),
		"go_memstats_alloc_bytes": gauge("Heap bytes the wabi process has allocated and not yet freed.", sample{Value: int64(mem.Alloc)}),
	}
	return a.writeMetrics(w, prom, "metrics", "", ms)
}

// handleSupport answers the debug information wabi has: the parts of the
// client's dump that mean something here.
func (a *API) handleSupport(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	pn, err := a.p.DeploymentOf(r.Context(), c)
	if err != nil {
		return err
	}
	type support struct {
		DBEngine      string `json:"db_engine"`
		DebugInfo     string `json:"debug_info"`
		Description   string `json:"description"`
		DeviceISO8601 string `json:"device_iso8601"`
		LC            string `json:"lc"`
		LG            string `json:"lg"`
		MultiConnect  bool   `json:"multi_connect"`
		OSName        string `json:"os_name"`
		SocketConn    string `json:"socket_conn"`
	}
	s := support{
		DBEngine: "SQLITE", DebugInfo: "unregistered", Description: "wabi",
		DeviceISO8601: a.p.Clock().Now().UTC().Format(time.RFC3339),
		LC:            "en", LG: "US", OSName: runtime.GOOS, SocketConn: "DN",
	}
	if pn.Registered {
		s.DebugInfo, s.SocketConn = pn.DisplayPhoneNumber, "UP"
	}
	a.writeJSON(w, http.StatusOK, struct {
		Support support `json:"support"`
	}{s})
	return nil
}

// handleMessageGC starts the message garbage collection and answers at once;
// the deployment's webhook hears when it is done.
func (a *API) handleMessageGC(w http.ResponseWriter, r *http.Request, c platform.Caller) error {
	if _, err := a.p.DeploymentOf(r.Context(), c); err != nil {
		return err
	}
	// The collection outlives the request, but not its values (the logger's
	// request attributes, if any).
	ctx := context.WithoutCancel(r.Context())
	go func() {
		if n, err := a.p.CollectMessages(ctx, c); err != nil {
			a.logger().Error("onpremapi: message garbage collection", "err", err, "deleted", n)
		}
	}()
	type gc struct {
		Status string `json:"status"`
	}
	type message struct {
		GC gc `json:"gc"`
	}
	type services struct {
		Message message `json:"message"`
	}
	a.writeJSON(w, http.StatusOK, struct {
		Services services `json:"services"`
	}{services{message{gc{"processing"}}}})
	return nil
}

// sample is one value of a metric.
type sample struct {
	Labels map[string]string `json:"labels,omitempty"`
	Value  int64             `json:"value"`
}

// metric is a metric as the client writes it: its type, help and samples.
type metric struct {
	Type string   `json:"type"`
	Help string   `json:"help"`
	Data []sample `json:"data"`
}

// metrics are metrics by name.
type metrics map[string]metric

func gauge(help string, s ...sample) metric { return metric{Type: "gauge", Help: help, Data: s} }

func statusSample(status string, n int) sample {
	return sample{Labels: map[string]string{"status": status}, Value: int64(n)}
}

// prometheusFormat reads ?format: prometheus for the text exposition format,
// json (or nothing) for JSON.
func prometheusFormat(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return false, nil
	case "prometheus":
		return true, nil
	default:
		return false, wabi.Errorf(wabi.EInvalidValue, "Parameter 'format' must be json or prometheus, not %q.", f)
	}
}

// writeMetrics answers ms as {"<outer>":{"<inner>":{...}}} (just
// {"<outer>":{...}} without inner), or in the Prometheus text format.
func (a *API) writeMetrics(w http.ResponseWriter, prom bool, outer, inner string, ms metrics) error {
	if prom {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(ms.prometheus())
		return err
	}
	var body any = ms
	if inner != "" {
		body = map[string]any{inner: ms}
	}
	a.writeJSON(w, http.StatusOK, map[string]any{outer: body})
	return nil
}

// prometheus renders ms in the Prometheus text exposition format (0.0.4),
// metrics and labels in name order.
func (ms metrics) prometheus() []byte {
	var b strings.Builder
	names := make([]string, 0, len(ms))
	for name := range ms {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		m := ms[name]
		b.WriteString("# HELP " + name + " " + helpEscaper.Replace(m.Help) + "\n")
		b.WriteString("# TYPE " + name + " " + m.Type + "\n")
		for _, s := range m.Data {
			b.WriteString(name)
			if len(s.Labels) > 0 {
				keys := make([]string, 0, len(s.Labels))
				for k := range s.Labels {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				b.WriteByte('{')
				for i, k := range keys {
					if i > 0 {
						b.WriteByte(',')
					}
					b.WriteString(k + `="` + labelEscaper.Replace(s.Labels[k]) + `"`)
				}
				b.WriteByte('}')
			}
			b.WriteString(" " + strconv.FormatInt(s.Value, 10) + "\n")
		}
	}
	return []byte(b.String())
}

// The escapes of the text format: help text escapes backslash and newline,
// label values the double quote too.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)
