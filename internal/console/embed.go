// Package console serves wabi's web console: a single-page app of plain HTML,
// CSS and JavaScript modules, embedded in the binary, that talks only to the
// control API (/api/...). It shows the virtual phones as chats, the messages,
// the webhook deliveries, the templates and the setup with ready-made snippets.
// There is no build step: the files under static/ are what the browser gets.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var files embed.FS

// contentTypes fixes the type of every kind of file the console ships, so that
// the answer does not depend on the host's mime.types (ES modules must be served
// as JavaScript or the browser refuses them).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".json": "application/json",
}

// csp allows the console its own files only. Media the phones received are
// shown through blob: URLs, fetched with the admin key.
const csp = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
	"style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is one embedded file, ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// Handler returns the handler of the console. It serves index.html at "/" and
// the console's files by their path; the views are hash routes (#/phones), so
// no other path needs the page. Unknown paths are 404, and only GET and HEAD
// are answered. Files are revalidated on every load (Cache-Control: no-cache
// with an ETag), so that a new wabi binary is never shown with an old script.
func Handler() http.Handler {
	assets := load()
	modTime := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if name == "" {
			name = "index.html"
		}
		a, ok := assets[name]
		if !ok {
			http.Error(w, "Not found. The console's views are at /#/phones, /#/messages, /#/webhooks, /#/templates and /#/setup.", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if a.ctype == contentTypes[".html"] {
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
		}
		// ServeContent answers If-None-Match with 304 and Range requests.
		http.ServeContent(w, r, name, modTime, bytes.NewReader(a.body))
	})
}

// load reads every embedded file once, with its type and a digest for ETag.
func load() map[string]asset {
	root, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	out := map[string]asset{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		ctype, ok := contentTypes[path.Ext(p)]
		if !ok {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(b)
		out[p] = asset{body: b, ctype: ctype, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}
