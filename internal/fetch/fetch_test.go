package fetch

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// Every server in these tests listens on loopback, and every address a test
// fetches is loopback or refused before any connection is made.

// server is a loopback test server that counts its requests.
type server struct {
	*httptest.Server
	hits atomic.Int64
}

// mustServe starts h on addr ("127.0.0.1:0" or "127.0.0.2:0").
func mustServe(t *testing.T, addr string, h http.HandlerFunc) *server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func body(text string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		fmt.Fprint(w, text)
	}
}

// port returns the port a test server listens on.
func port(s *server) string {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	return p
}

// mustFail fetches link and checks the result is an EMediaUpload error whose
// message contains every one of want.
func mustFail(t *testing.T, f *Fetcher, link string, max int64, want ...string) {
	t.Helper()
	got, err := f.Fetch(context.Background(), link, max, "")
	if err == nil {
		t.Fatalf("Fetch(%s) = %q, want an error", link, got.Body)
	}
	e := wabi.AsError(err)
	if e == nil || e.Code != wabi.EMediaUpload {
		t.Fatalf("Fetch(%s) error %v, want a %s *wabi.Error", link, err, wabi.EMediaUpload)
	}
	if !strings.HasPrefix(e.Message, "Media download failed: ") {
		t.Errorf("message %q does not start with the usual prefix", e.Message)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not contain %q", e.Message, w)
		}
	}
}

func mustFetch(t *testing.T, f *Fetcher, link string, max int64) *wabi.Fetched {
	t.Helper()
	got, err := f.Fetch(context.Background(), link, max, "")
	if err != nil {
		t.Fatalf("Fetch(%s): %v", link, err)
	}
	return got
}

func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	var ua atomic.Value
	s := mustServe(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		body("jpeg bytes")(w, r)
	})
	link := s.URL + "/cat.jpg"

	mustFail(t, &Fetcher{}, link, 1<<20, "127.0.0.1 is a loopback address", AllowEnv)
	mustFail(t, &Fetcher{Allow: []string{"10.0.0.0/8"}}, link, 1<<20, "loopback")
	if n := s.hits.Load(); n != 0 {
		t.Fatalf("refused fetches reached the server %d times", n)
	}

	f, err := New([]string{"127.0.0.1/32"})
	if err != nil {
		t.Fatal(err)
	}
	got := mustFetch(t, f, link, 1<<20)
	if string(got.Body) != "jpeg bytes" || got.ContentType != "image/jpeg" || got.Filename != "cat.jpg" {
		t.Fatalf("Fetch = %q, %q, %q", got.Body, got.ContentType, got.Filename)
	}
	if got := ua.Load(); got != "wabi-media-fetcher/1" {
		t.Errorf("User-Agent %q, want the default", got)
	}
	f.UserAgent = "custom/2"
	mustFetch(t, f, link, 1<<20)
	if got := ua.Load(); got != "custom/2" {
		t.Errorf("User-Agent %q, want custom/2", got)
	}
}

func TestHostEntries(t *testing.T) {
	t.Parallel()
	s := mustServe(t, "127.0.0.1:0", body("from localhost"))
	viaName := "http://localhost:" + port(s) + "/a.png"

	// localhost comes from /etc/hosts; refused by default like its address.
	mustFail(t, &Fetcher{}, viaName, 100, "host localhost resolves to a loopback address")
	for _, allow := range []string{"localhost", "LocalHost."} {
		got := mustFetch(t, &Fetcher{Allow: []string{allow}}, viaName, 100)
		if string(got.Body) != "from localhost" {
			t.Fatalf("Allow %q: body %q", allow, got.Body)
		}
		// A host entry also allows the addresses the name resolves to.
		mustFetch(t, &Fetcher{Allow: []string{allow}}, s.URL+"/a.png", 100)
	}
	if n := s.hits.Load(); n != 4 {
		t.Fatalf("server saw %d requests, want 4", n)
	}
}

func TestResolvedAddressIsChecked(t *testing.T) {
	t.Parallel()
	s := mustServe(t, "127.0.0.2:0", body("internal media"))
	r := mustResolver(t, map[string]netip.Addr{
		// A public-looking name that points inside, as after DNS rebinding.
		"cdn.example.com": netip.MustParseAddr("127.0.0.2"),
		"media.internal":  netip.MustParseAddr("127.0.0.2"),
	})
	p := port(s)

	mustFail(t, &Fetcher{Resolver: r}, "http://cdn.example.com:"+p+"/x", 100,
		"host cdn.example.com resolves to a loopback address")
	if n := s.hits.Load(); n != 0 {
		t.Fatalf("refused fetches reached the server %d times", n)
	}
	mustFail(t, &Fetcher{Resolver: r}, "http://nowhere.invalid:"+p+"/x", 100, "host nowhere.invalid could not be resolved")

	f := &Fetcher{Resolver: r, Allow: []string{"Media.Internal"}}
	got := mustFetch(t, f, "http://MEDIA.internal:"+p+"/doc.pdf", 100)
	if string(got.Body) != "internal media" || got.Filename != "doc.pdf" {
		t.Fatalf("Fetch = %q, %q", got.Body, got.Filename)
	}
	// The host entry allows its addresses however they are reached.
	mustFetch(t, f, "http://127.0.0.2:"+p+"/doc.pdf", 100)
	mustFetch(t, f, "http://cdn.example.com:"+p+"/doc.pdf", 100)
	mustFail(t, &Fetcher{Resolver: r, Allow: []string{"other.internal"}}, "http://127.0.0.2:"+p+"/doc.pdf", 100,
		"127.0.0.2 is a loopback address")
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	refused := mustServe(t, "127.0.0.1:0", body("should never be read"))
	var allowed *server
	allowed = mustServe(t, "127.0.0.2:0", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/inside":
			http.Redirect(w, r, refused.URL+"/secret", http.StatusFound)
		case "/ftp":
			http.Redirect(w, r, "ftp://127.0.0.2/file", http.StatusFound)
		case "/userinfo":
			http.Redirect(w, r, "http://user:pw@127.0.0.2:"+port(allowed)+"/final/x.txt", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/chain/3":
			http.Redirect(w, r, "/chain/2", http.StatusMovedPermanently)
		case "/chain/2":
			http.Redirect(w, r, "/chain/1", http.StatusTemporaryRedirect)
		case "/chain/1":
			http.Redirect(w, r, "/final/report%20v2.pdf", http.StatusSeeOther)
		case "/final/report v2.pdf":
			body("final")(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	f := &Fetcher{Allow: []string{"127.0.0.2/32"}}

	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/inside", []string{"127.0.0.1 is a loopback address", AllowEnv}},
		{"/ftp", []string{"redirected to a link that is not an http or https URL"}},
		{"/userinfo", []string{"user name or password"}},
		{"/loop", []string{"redirected more than 5 times"}},
	} {
		mustFail(t, f, allowed.URL+tc.path, 100, tc.want...)
	}
	if n := refused.hits.Load(); n != 0 {
		t.Fatalf("the refused server was reached %d times", n)
	}

	got := mustFetch(t, f, allowed.URL+"/chain/3", 100)
	if string(got.Body) != "final" || got.Filename != "report v2.pdf" {
		t.Fatalf("after redirects: %q, filename %q", got.Body, got.Filename)
	}
	short := &Fetcher{Allow: f.Allow, MaxRedirects: 2}
	mustFail(t, short, allowed.URL+"/chain/3", 100, "redirected more than 2 times")
	mustFetch(t, short, allowed.URL+"/chain/2", 100)
	none := &Fetcher{Allow: f.Allow, MaxRedirects: -1}
	mustFail(t, none, allowed.URL+"/chain/1", 100, "redirected more than 0 times")
	mustFetch(t, none, allowed.URL+"/final/report%20v2.pdf", 100)
}

func TestResponses(t *testing.T) {
	t.Parallel()
	s := mustServe(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ten.bin":
			w.Write([]byte("0123456789"))
		case "/chunked.bin":
			// Flushing first sends no Content-Length, so only reading
			// tells the size.
			w.Write([]byte("01234"))
			w.(http.Flusher).Flush()
			w.Write([]byte("56789"))
		case "/gone":
			http.Error(w, "internal detail: /srv/media missing", http.StatusNotFound)
		case "/boom":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	})
	f := &Fetcher{Allow: []string{"127.0.0.1/32"}}

	for _, p := range []string{"/ten.bin", "/chunked.bin"} {
		if got := mustFetch(t, f, s.URL+p, 10); string(got.Body) != "0123456789" {
			t.Errorf("%s at exactly the limit: %q", p, got.Body)
		}
		mustFail(t, f, s.URL+p, 9, "host 127.0.0.1 is larger than 9 bytes")
	}
	mustFail(t, f, s.URL+"/gone", 100, "host 127.0.0.1 returned HTTP 404")
	mustFail(t, f, s.URL+"/boom", 100, "returned HTTP 503")

	got, err := f.Fetch(context.Background(), s.URL+"/gone", 100, "")
	if err == nil || strings.Contains(err.Error(), "/srv/media") {
		t.Fatalf("Fetch = %v, %v; want an error without the server's body", got, err)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	s := mustServe(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; returns once the client gives up
	})
	f := &Fetcher{Allow: []string{"127.0.0.1/32"}, Timeout: 200 * time.Millisecond}
	start := time.Now()
	mustFail(t, f, s.URL+"/slow", 100, "host 127.0.0.1 timed out after 200ms")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("timed out after %s, want about 200ms", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Fetch(ctx, s.URL+"/slow", 100, "")
	if code := wabi.ErrorCode(err); code != wabi.EMediaUpload {
		t.Fatalf("Fetch with a canceled context: %v, want %s", err, wabi.EMediaUpload)
	}
}

func TestBadLinks(t *testing.T) {
	t.Parallel()
	f := &Fetcher{Allow: []string{"127.0.0.0/8"}}
	for _, tc := range []struct {
		link string
		want string
	}{
		{"ftp://127.0.0.1/file.jpg", "not an http or https URL"},
		{"file:///etc/passwd", "not an http or https URL"},
		{"/relative/path.jpg", "not an http or https URL"},
		{"http:///nohost.jpg", "has no host"},
		{"http://user:secret@127.0.0.1/x.jpg", "user name or password"},
		{"http://user@127.0.0.1/x.jpg", "user name or password"},
		{"http://[::1/x", "not a valid URL"},
		{"http://0.0.0.0:1/x", "0.0.0.0 is an unspecified address"},
	} {
		mustFail(t, f, tc.link, 100, tc.want)
	}
}

func TestFilename(t *testing.T) {
	t.Parallel()
	s := mustServe(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		if cd := r.URL.Query().Get("cd"); cd != "" {
			w.Header().Set("Content-Disposition", cd)
		}
		w.Write([]byte("x"))
	})
	f := &Fetcher{Allow: []string{"127.0.0.1/32"}}
	for _, tc := range []struct {
		path, cd, want string
	}{
		{"/media/invoice-7731.pdf", "", "invoice-7731.pdf"},
		{"/media/My%20Photo.jpg", "", "My Photo.jpg"},
		{"/media/a%2Fb.jpg", "", "b.jpg"},
		{"/media/", "", ""},
		{"/", "", ""},
		{"/media/ignored.bin", `attachment; filename="report 2024.pdf"`, "report 2024.pdf"},
		{"/media/ignored.bin", `attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf`, "€ rates.pdf"},
		{"/media/ignored.bin", `attachment; filename="../../etc/passwd"`, "passwd"},
		{"/media/ignored.bin", `attachment; filename="..\\..\\boot.ini"`, "boot.ini"},
		{"/media/fallback.bin", `attachment; filename=".."`, "fallback.bin"},
		{"/media/fallback.bin", `attachment`, "fallback.bin"},
	} {
		link := s.URL + tc.path
		if tc.cd != "" {
			link += "?cd=" + url.QueryEscape(tc.cd)
		}
		if got := mustFetch(t, f, link, 10); got.Filename != tc.want {
			t.Errorf("path %s, Content-Disposition %q: filename %q, want %q", tc.path, tc.cd, got.Filename, tc.want)
		}
	}
}

func TestUntrustedCertificate(t *testing.T) {
	t.Parallel()
	s := httptest.NewUnstartedServer(body("over tls")) // listens on 127.0.0.1
	s.Config.ErrorLog = log.New(io.Discard, "", 0)     // the refused handshake is expected
	s.StartTLS()
	t.Cleanup(s.Close)
	f := &Fetcher{Allow: []string{"127.0.0.1/32"}}
	mustFail(t, f, s.URL+"/x.jpg", 100, "host 127.0.0.1 presented an invalid TLS certificate")
}
