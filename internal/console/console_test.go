package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

// get fetches a path from the console's handler.
func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantType is the Content-Type each kind of file must be served with; a
// module script served as anything but JavaScript is refused by browsers.
var wantType = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

func TestIndex(t *testing.T) {
	t.Parallel()
	h := Handler()
	for _, target := range []string{"/", "/index.html"} {
		res := get(t, h, http.MethodGet, target, nil)
		page := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", target, res.StatusCode)
		}
		if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("GET %s Content-Type = %q", target, got)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q, want no-cache", target, got)
		}
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s has no same-origin CSP: %q", target, res.Header.Get("Content-Security-Policy"))
		}
		for _, want := range []string{`<script type="module" src="app.js">`, `<main id="main"`, `aria-live="polite"`, `data-testid="nav-phones"`} {
			if !strings.Contains(page, want) {
				t.Errorf("GET %s lacks %s", target, want)
			}
		}
	}
}

// TestReferencedFiles serves every script and stylesheet index.html names,
// and every module those scripts import, with its type.
func TestReferencedFiles(t *testing.T) {
	t.Parallel()
	h := Handler()
	page := body(t, get(t, h, http.MethodGet, "/", nil))
	refs := regexp.MustCompile(`<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 3 {
		t.Fatalf("index.html references %d files, want the icon, the stylesheet and app.js", len(refs))
	}
	from := regexp.MustCompile(`^import\b.*?'([^']+)';?$`)
	seen := map[string]bool{}
	queue := []string{}
	for _, m := range refs {
		if strings.Contains(m[1], "//") {
			t.Errorf("index.html loads %s from elsewhere; the console must work offline", m[1])
			continue
		}
		queue = append(queue, path.Clean("/"+m[1]))
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		res := get(t, h, http.MethodGet, p, nil)
		src := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", p, res.StatusCode)
			continue
		}
		if want := wantType[path.Ext(p)]; res.Header.Get("Content-Type") != want {
			t.Errorf("GET %s Content-Type = %q, want %q", p, res.Header.Get("Content-Type"), want)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s lacks X-Content-Type-Options: nosniff", p)
		}
		if path.Ext(p) != ".js" {
			continue
		}
		for _, spec := range importsOf(src, from) {
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				t.Errorf("%s imports %q: only relative imports of the console's own files work without a build step", p, spec)
				continue
			}
			queue = append(queue, path.Join(path.Dir(p), spec))
		}
	}
	for _, want := range []string{"/app.js", "/api.js", "/style.css", "/views/phones.js", "/views/bubbles.js", "/views/setup.js",
		"/views/kinds.js", "/views/numbers.js", "/views/limits.js", "/views/quality.js", "/views/faults.js", "/views/relay.js"} {
		if !seen[want] {
			t.Errorf("%s is not reached from index.html", want)
		}
	}
	// Every embedded script is in use: a module no one imports is dead code.
	_ = fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".js") && !seen[strings.TrimPrefix(p, "static")] {
			t.Errorf("%s is embedded but neither index.html nor a module loads it", p)
		}
		return err
	})
}

// importsOf returns the specifiers of a module's static imports: the import
// lines of its head, before the first statement that is not an import.
func importsOf(src string, from *regexp.Regexp) []string {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		m := from.FindStringSubmatch(line)
		if m == nil {
			break
		}
		out = append(out, m[1])
	}
	return out
}

func TestRevalidation(t *testing.T) {
	t.Parallel()
	h := Handler()
	res := get(t, h, http.MethodGet, "/app.js", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /app.js has no ETag")
	}
	if res := get(t, h, http.MethodGet, "/app.js", map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET /app.js with its ETag = %d, want 304", res.StatusCode)
	}
	if other := get(t, h, http.MethodGet, "/api.js", nil).Header.Get("ETag"); other == etag {
		t.Errorf("app.js and api.js share the ETag %s", etag)
	}
	if res := get(t, h, http.MethodHead, "/style.css", nil); res.StatusCode != http.StatusOK || body(t, res) != "" {
		t.Errorf("HEAD /style.css = %d", res.StatusCode)
	}
}

func TestUnknownAndMethods(t *testing.T) {
	t.Parallel()
	h := Handler()
	for _, p := range []string{"/nope.js", "/views/", "/static/app.js", "/../embed.go", "/phones"} {
		if res := get(t, h, http.MethodGet, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
	res := get(t, h, http.MethodPost, "/", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST / = %d (Allow %q), want 405 with Allow: GET, HEAD", res.StatusCode, res.Header.Get("Allow"))
	}
}

// TestTestIDs checks the list of data-testid attributes at the top of app.js,
// which browser tests rely on, against the code: each one listed is set
// somewhere.
func TestTestIDs(t *testing.T) {
	t.Parallel()
	app, err := fs.ReadFile(files, "static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(app), "\nimport ")
	_, list, ok2 := strings.Cut(head, "Stable data-testid attributes")
	if !ok || !ok2 {
		t.Fatal("app.js does not start with the list of data-testid attributes")
	}
	var code strings.Builder
	code.WriteString(strings.TrimPrefix(string(app), head))
	_ = fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != "static/app.js" {
			b, _ := fs.ReadFile(files, p)
			code.Write(b)
		}
		return err
	})
	src := code.String()
	list = regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(list, "")
	ids := regexp.MustCompile(`\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b|\b(?:toast|announcer|chat|bubble|tick|media|quoted|reaction|typing|snippet)\b`).FindAllString(list, -1)
	if len(ids) < 60 {
		t.Fatalf("found %d data-testids in the list, want the whole list", len(ids))
	}
	for _, id := range ids {
		if !strings.Contains(src, "'"+id+"'") && !strings.Contains(src, `"`+id+`"`) {
			t.Errorf("data-testid %s is listed in app.js but set nowhere", id)
		}
	}
}
