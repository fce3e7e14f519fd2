package httplog

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestObserve: Observe is told of every request with its status, error code
// and latency, also of the requests whose lines are below the log's level.
func TestObserve(t *testing.T) {
	log, buf := newLog(slog.LevelWarn) // no request is logged
	type seen struct {
		path   string
		status int
		code   wabi.Code
		took   time.Duration
	}
	var got []seen
	l := &Logger{Logger: log, Now: steppingClock(2 * time.Millisecond),
		Observe: func(r *http.Request, status int, code wabi.Code, took time.Duration) {
			got = append(got, seen{r.URL.Path, status, code, took})
		}}
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refused" {
			SetError(r.Context(), wabi.EPairRateLimit, 131056)
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/refused", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/fine", nil))

	want := []seen{
		{"/refused", http.StatusBadRequest, wabi.EPairRateLimit, 2 * time.Millisecond},
		{"/fine", http.StatusOK, "", 2 * time.Millisecond},
	}
	if len(got) != len(want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d observed as %+v, want %+v", i, got[i], want[i])
		}
	}
	if buf.Len() != 0 {
		t.Errorf("requests below the level were logged: %q", buf.String())
	}
}
